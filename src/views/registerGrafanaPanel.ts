import type * as vscode from 'vscode';
import type { GrafanaAccess, GrafanaApi } from '../grafana/contract';
import type { Services } from '../services';
import type { GrafanaPanels } from './grafanaPanel';

/**
 * DeepFlow's Grafana inside the editor; commands and views reach it through the returned GrafanaAccess. The panel,
 * the proxy and the login load on first use (their own chunk): the first paint of the sidebar needs none of them.
 */
export function registerGrafanaPanel(context: vscode.ExtensionContext, services: Services): GrafanaAccess {
  let panels: Promise<GrafanaPanels> | undefined;
  let disposed = false;
  const load = (): Promise<GrafanaPanels> =>
    (panels ??= import('./grafanaPanel').then(({ GrafanaPanels }) => {
      const created = new GrafanaPanels(services, context.extensionUri);
      if (disposed) created.dispose();
      return created;
    }));
  context.subscriptions.push({
    dispose: () => {
      disposed = true;
      void panels?.then((p) => p.dispose());
    },
  });
  return {
    currentApi: async (signal?: AbortSignal): Promise<GrafanaApi | undefined> => (await load()).currentApi(signal),
    open: async (path?: string): Promise<void> => (await load()).open(path),
  };
}
