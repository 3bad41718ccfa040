// The Grafana panel's script: buttons post typed messages to the extension; pages that the proxy serves inside
// the frame (its error pages) may ask for "retry" or "updateCredentials", accepted only from the frame's origin.
(function () {
  const vscode = acquireVsCodeApi();
  const frameOrigin = document.body.dataset.frameOrigin;
  const fromFrame = new Set(['deepflow.grafana.retry', 'deepflow.grafana.updateCredentials']);

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target.closest('button[data-action]') : null;
    if (target) vscode.postMessage({ type: target.getAttribute('data-action') });
  });
  document.addEventListener('change', (event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement && target.dataset.action === 'kiosk') vscode.postMessage({ type: 'kiosk', on: target.checked });
  });
  window.addEventListener('message', (event) => {
    const data = event.data;
    if (!frameOrigin || event.origin !== frameOrigin || typeof data !== 'object' || data === null) return;
    if (fromFrame.has(data.type)) vscode.postMessage({ type: data.type.slice('deepflow.grafana.'.length) });
  });
  vscode.postMessage({ type: 'ready' });
})();
