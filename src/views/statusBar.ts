import * as vscode from 'vscode';
import type { Readiness } from '../acp/components';
import { deepflowPresent, deepflowStatusFromCache } from '../acp/deepflowStatus';
import type { CacheLease } from '../cluster/cache';
import type { Services } from '../services';
import { statusBarTooltip, texts } from './componentTexts';

const worstFirst: readonly Readiness[] = ['failing', 'progressing', 'missing', 'ready'];
const STATUS_DEBOUNCE_MS = 50;

/**
 * "DeepFlow 6/6" for the current cluster, coloured by the worst component, hidden where DeepFlow is absent. It holds
 * the current cluster's watch cache except while the window is in the background; a click shows the Components view.
 */
export function registerStatusBar(context: vscode.ExtensionContext, services: Services): void {
  const item = vscode.window.createStatusBarItem('deepflow.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'DeepFlow';
  item.command = 'deepflow.views.components.focus';
  let lease: CacheLease | undefined;
  let unsubscribe: (() => void)[] = [];
  let timer: NodeJS.Timeout | undefined;

  const render = (): void => {
    timer = undefined;
    const contextName = services.cluster.contextName();
    const health = lease?.cache.health();
    if (!lease || !contextName || !health || health.kind === 'starting') return;
    if (health.kind === 'error') {
      // Only a status bar that was showing DeepFlow keeps showing, now with the reason it cannot tell.
      item.text = '$(pulse) DeepFlow $(error)';
      item.tooltip = texts.statusBarError(health.error.message);
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      item.accessibilityInformation = { label: texts.statusBarError(health.error.message) };
      return;
    }
    const status = deepflowStatusFromCache(lease.cache);
    if (!deepflowPresent(status)) {
      item.hide();
      return;
    }
    const ready = status.components.filter((c) => c.readiness === 'ready').length;
    const total = status.components.length;
    const worst = worstFirst.find((r) => status.components.some((c) => c.readiness === r)) ?? 'ready';
    item.text = texts.statusBarText(ready, total);
    item.tooltip = statusBarTooltip(contextName, status);
    item.backgroundColor =
      worst === 'failing' ? new vscode.ThemeColor('statusBarItem.errorBackground') : worst === 'progressing' || worst === 'missing' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    item.color = worst === 'ready' ? new vscode.ThemeColor('testing.iconPassed') : undefined;
    item.accessibilityInformation = { label: texts.statusBarAccessibility(ready, total, worst) };
    item.show();
  };
  const schedule = (): void => {
    timer ??= setTimeout(render, STATUS_DEBOUNCE_MS);
  };
  const release = (): void => {
    for (const off of unsubscribe) off();
    unsubscribe = [];
    lease?.release();
    lease = undefined;
  };
  const hold = (): void => {
    release();
    const contextName = services.cluster.contextName();
    if (!contextName) return;
    try {
      services.cluster.clientFor(contextName);
      lease = services.caches.acquire(contextName);
    } catch {
      item.hide(); // an unknown context: the view says why
      return;
    }
    unsubscribe = [lease.cache.onChange(schedule), lease.cache.onHealth(schedule)];
    schedule();
  };
  context.subscriptions.push(
    item,
    { dispose: () => (release(), timer && clearTimeout(timer)) },
    // A window in the background gives its watches back (they linger a little); focus takes them again.
    vscode.window.onDidChangeWindowState((state) => (state.focused ? lease ?? hold() : release())),
    // The settings hub fires after the view has reset the connection and the caches.
    services.settings.onDidChange(() => {
      item.hide();
      hold();
    }),
  );
  // As the view's: the cache starts once activate() has returned.
  const start = setImmediate(hold);
  context.subscriptions.push({ dispose: () => clearImmediate(start) });
}
