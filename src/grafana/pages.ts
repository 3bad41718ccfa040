/**
 * The proxy's own pages, shown inside the frame instead of a blank page or a raw error: a failure page that names
 * the cause and the fix, and the page after "Update credentials". Buttons post a message to the frame's parent
 * (the panel) and, outside a frame, follow a same-secret link the proxy handles itself, so either route works.
 */
import * as l10n from '@vscode/l10n';
import { randomBytes } from 'node:crypto';
import type { GrafanaTarget } from './contract';
import { describeHealth, type GrafanaProblem } from './health';

export type PageRequest = 'retry' | 'updateCredentials';

/** The `type` of the message a button posts to `window.parent`. */
export const PAGE_MESSAGE_TYPES: Record<PageRequest, string> = {
  retry: 'deepflow.grafana.retry',
  updateCredentials: 'deepflow.grafana.updateCredentials',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface PageLinks {
  /** Same-secret link that retries and goes back to the page that failed. */
  retry: string;
  /** Same-secret link that asks the editor for new credentials. */
  updateCredentials: string;
}

export interface RenderedPage {
  html: string;
  /** The CSP for the page: nothing but its own inline script and style. */
  csp: string;
}

function button(request: PageRequest, label: string, href: string, primary: boolean): string {
  return `<a class="button${primary ? ' primary' : ''}" data-request="${request}" href="${escapeHtml(href)}">${escapeHtml(label)}</a>`;
}

function retryButton(links: PageLinks, primary: boolean): string {
  return button('retry', l10n.t('Retry'), links.retry, primary);
}

function render(title: string, paragraphs: string[], buttons: string[]): RenderedPage {
  const nonce = randomBytes(16).toString('base64');
  const script = `for (const link of document.querySelectorAll('a[data-request]')) {
  link.addEventListener('click', (event) => {
    if (window.parent === window) return;
    event.preventDefault();
    const types = ${JSON.stringify(PAGE_MESSAGE_TYPES)};
    window.parent.postMessage({ type: types[link.dataset.request] }, '*');
  });
}`;
  // The language of the words on the page, so the browser (and a screen reader) reads them as what they are.
  const language = l10n.t({ message: 'en', comment: ["the lang attribute of the Grafana proxy's HTML pages: this translation's language tag (zh-CN)"] });
  const html = `<!DOCTYPE html>
<html lang="${escapeHtml(language)}"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style nonce="${nonce}">
body { font-family: system-ui, sans-serif; margin: 2rem; max-width: 46rem; line-height: 1.5; color: #1f2328; background: #fff; }
@media (prefers-color-scheme: dark) { body { color: #e6edf3; background: #0d1117; } }
h1 { font-size: 1.4rem; }
.button { display: inline-block; margin: 0.5rem 0.5rem 0 0; padding: 0.4rem 1rem; border: 1px solid #8c959f; border-radius: 4px; text-decoration: none; color: inherit; }
.button.primary { background: #0969da; border-color: #0969da; color: #fff; }
</style></head>
<body><main id="deepflow-grafana-problem">
<h1>${escapeHtml(title)}</h1>
${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
<p>${buttons.join(' ')}</p>
</main><script nonce="${nonce}">${script}</script></body></html>
`;
  return { html, csp: `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'` };
}

/** The page for a failure: its cause, its fix, Retry, and "Update credentials" where that helps. */
export function failurePage(problem: GrafanaProblem, target: GrafanaTarget, links: PageLinks): RenderedPage {
  const described = describeHealth(problem, target);
  const buttons = described.offerCredentials
    ? [button('updateCredentials', l10n.t('Update Credentials…'), links.updateCredentials, true), retryButton(links, false)]
    : [retryButton(links, true)];
  return render(described.title, [described.cause, described.fix], buttons);
}

/** Shown after "Update credentials" was chosen outside a frame: the editor asks for the login now. */
export function credentialsRequestedPage(links: PageLinks): RenderedPage {
  return render(
    l10n.t('Enter the Grafana login in the editor'),
    [l10n.t('The editor now asks for the Grafana user and password. When you have entered them, choose Retry.')],
    [retryButton(links, true)],
  );
}
