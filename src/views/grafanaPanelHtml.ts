/**
 * The HTML of the Grafana panel: a toolbar and a frame on the proxy's external origin, or a page that says what
 * is wrong and what to do. CSP: nothing but our own script and style (by nonce and webview origin) and frames
 * from the proxy's origin only.
 */

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
}

export type PanelView =
  | { kind: 'connecting'; cluster: string }
  | { kind: 'frame'; cluster: string; url: string; kiosk: boolean }
  | { kind: 'problem'; cluster: string; problem: PanelProblem };

const actionLabels: Record<ProblemAction, string> = {
  retry: 'Retry',
  updateCredentials: 'Update Credentials…',
  changePlatform: 'Change Platform URL…',
  trustAgain: 'Trust the Certificate…',
  showLog: 'Show Log',
};

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
<html lang="en">
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
      return `<main class="message"><p class="progress" role="status">Connecting to DeepFlow's Grafana on cluster ${escapeHtml(view.cluster)}…</p></main>`;
    case 'frame':
      return `<nav class="toolbar" aria-label="Grafana toolbar">
  <button type="button" data-action="reload" title="Reload Grafana in this panel">Reload</button>
  <button type="button" data-action="openInBrowser" title="Open this page on the platform in your browser">Open in Browser</button>
  <label title="Hide Grafana's menus and show only the dashboard"><input type="checkbox" data-action="kiosk"${view.kiosk ? ' checked' : ''}> Kiosk mode</label>
  <span class="where">DeepFlow Grafana · cluster ${escapeHtml(view.cluster)}</span>
</nav>
<iframe id="grafana" title="DeepFlow Grafana for cluster ${escapeHtml(view.cluster)}" src="${escapeHtml(view.url)}" allow="clipboard-read; clipboard-write"></iframe>`;
    case 'problem': {
      const { problem } = view;
      const paragraphs = problem.detail.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n  ');
      const buttons = problem.actions
        .map((a, i) => `<button type="button" data-action="${a}"${i === 0 ? '' : ' class="secondary"'}>${escapeHtml(actionLabels[a])}</button>`)
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
