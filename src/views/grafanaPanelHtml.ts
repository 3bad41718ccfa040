/**
 * The HTML of the Grafana panel: a toolbar and a frame on the proxy's external origin, or a page that says what
 * is wrong and what to do. CSP: nothing but our own script and style (by nonce and webview origin) and frames
 * from the proxy's origin only. All text is written here, localized with vscode.l10n (a webview cannot call it), so
 * panel.js carries no words and the CSP needs no inline script or data.
 */
import * as vscode from 'vscode';

/** What the panel's buttons on a problem page do. */
export type ProblemAction = 'retry' | 'updateCredentials' | 'changePlatform' | 'trustAgain' | 'showLog';

/** A problem page: what is wrong, what it means and how to fix it, and the buttons that help. */
export interface PanelProblem {
  title: string;
  detail: string[];
  actions: ProblemAction[];
}

export interface PanelAssets {
  /** `webview.cspSource`. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  nonce: string;
  /** VS Code's display language (`vscode.env.language`), the page's `lang`. */
  language: string;
}

export type PanelView =
  | { kind: 'connecting'; cluster: string }
  | { kind: 'frame'; cluster: string; url: string; kiosk: boolean }
  | { kind: 'problem'; cluster: string; problem: PanelProblem };

function actionLabel(action: ProblemAction): string {
  switch (action) {
    case 'retry':
      return vscode.l10n.t('Retry');
    case 'updateCredentials':
      return vscode.l10n.t('Update Credentials…');
    case 'changePlatform':
      return vscode.l10n.t('Change Platform URL…');
    case 'trustAgain':
      return vscode.l10n.t('Trust the Certificate…');
    case 'showLog':
      return vscode.l10n.t('Show Log');
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function panelHtml(view: PanelView, assets: PanelAssets): string {
  const frameOrigin = view.kind === 'frame' ? new URL(view.url).origin : undefined;
  const csp = [
    "default-src 'none'",
    `style-src ${assets.cspSource}`,
    `script-src 'nonce-${assets.nonce}'`,
    frameOrigin ? `frame-src ${frameOrigin}` : undefined,
  ]
    .filter(Boolean)
    .join('; ');
  return `<!DOCTYPE html>
<html lang="${escapeHtml(assets.language)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(assets.styleUri)}">
<title>Grafana · ${escapeHtml(view.cluster)}</title>
</head>
<body data-view="${view.kind}"${frameOrigin ? ` data-frame-origin="${escapeHtml(frameOrigin)}"` : ''}>
${body(view)}
<script nonce="${escapeHtml(assets.nonce)}" src="${escapeHtml(assets.scriptUri)}"></script>
</body>
</html>`;
}

function body(view: PanelView): string {
  switch (view.kind) {
    case 'connecting':
      return `<main class="message"><p class="progress" role="status">${escapeHtml(vscode.l10n.t("Connecting to DeepFlow's Grafana on cluster {0}…", view.cluster))}</p></main>`;
    case 'frame':
      return `<nav class="toolbar" aria-label="${escapeHtml(vscode.l10n.t('Grafana toolbar'))}">
  <button type="button" data-action="reload" title="${escapeHtml(vscode.l10n.t('Reload Grafana in this panel'))}">${escapeHtml(vscode.l10n.t('Reload'))}</button>
  <button type="button" data-action="openInBrowser" title="${escapeHtml(vscode.l10n.t('Open this page on the platform in your browser'))}">${escapeHtml(vscode.l10n.t('Open in Browser'))}</button>
  <label title="${escapeHtml(vscode.l10n.t("Hide Grafana's menus and show only the dashboard"))}"><input type="checkbox" data-action="kiosk"${view.kiosk ? ' checked' : ''}> ${escapeHtml(vscode.l10n.t('Kiosk mode'))}</label>
  <span class="where">${escapeHtml(vscode.l10n.t('DeepFlow Grafana · cluster {0}', view.cluster))}</span>
</nav>
<iframe id="grafana" title="${escapeHtml(vscode.l10n.t('DeepFlow Grafana for cluster {0}', view.cluster))}" src="${escapeHtml(view.url)}" allow="clipboard-read; clipboard-write"></iframe>`;
    case 'problem': {
      const { problem } = view;
      const paragraphs = problem.detail.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n  ');
      const buttons = problem.actions
        .map((a, i) => `<button type="button" data-action="${a}"${i === 0 ? '' : ' class="secondary"'}>${escapeHtml(actionLabel(a))}</button>`)
        .join('\n    ');
      return `<main class="message" role="alert">
  <h1>${escapeHtml(problem.title)}</h1>
  ${paragraphs}
  <div class="actions">
    ${buttons}
  </div>
</main>`;
    }
  }
}
