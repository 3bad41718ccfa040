import * as vscode from 'vscode';
import { agentPodPage, cachedPods, deepflowStatusFromCache } from '../acp/deepflowStatus';
import type { GrafanaAccess } from '../grafana/contract';
import { listDashboards } from '../grafana/dashboards';
import type { Services } from '../services';
import { texts } from './componentTexts';
import { ComponentsTreeProvider, type ClusterTarget } from './componentsTree';
import { registerStatusBar } from './statusBar';

export const componentsViewId = 'deepflow.views.components';

/** The clusters the view shows: the current context first, then the `deepflow.clusters` setting's. */
export function clusterTargets(services: Services): ClusterTarget[] | undefined {
  const kubeconfig = services.cluster.kubeconfig();
  if (!kubeconfig) return undefined;
  const current = services.cluster.contextName();
  const names = [...new Set([...(current ? [current] : []), ...services.settings.current.clusters])];
  return names.map((context) => ({ context, server: kubeconfig.context(context)?.server, current: context === current }));
}

/**
 * The DeepFlow Components view, live from the watch caches: they run while the view is visible (and while the
 * status bar needs the current cluster), and the view redraws itself from their events.
 */
export function registerComponentsView(context: vscode.ExtensionContext, services: Services, grafana: GrafanaAccess): ComponentsTreeProvider {
  const tree = new ComponentsTreeProvider({
    targets: () => clusterTargets(services),
    acquire: (contextName) => {
      services.cluster.clientFor(contextName); // an unknown context throws here, naming the ones the kubeconfig has
      return services.caches.acquire(contextName);
    },
    status: (lease) => deepflowStatusFromCache(lease.cache),
    cachedPods: (lease, component) => cachedPods(lease.cache, component),
    agentPodPage: (lease, continueToken, signal) => agentPodPage(lease.cache.client, continueToken, signal),
    dashboards: async (signal) => {
      const api = await grafana.currentApi(signal);
      if (!api) throw new Error(texts.noGrafanaAccess);
      return listDashboards(api, signal);
    },
  });
  const view = vscode.window.createTreeView(componentsViewId, { treeDataProvider: tree, showCollapseAll: true });
  const updateDescription = (): void => {
    view.description = services.cluster.contextName();
  };
  const follow = (): void => (view.visible ? tree.activate() : tree.deactivate());
  context.subscriptions.push(
    tree,
    view,
    view.onDidChangeVisibility(follow),
    tree.onDidChangeState(() => void setContextKey('deepflow:nothingInstalled', tree.nothingInstalled())),
    services.settings.onDidChange(() => {
      services.cluster.reset();
      services.caches.clear();
      updateDescription();
      void setContextKey('deepflow:noKubeconfig', services.cluster.describeTarget() === undefined);
      tree.rebuild();
    }),
  );
  // The kubeconfig read and the watches start once activate() has returned: while it runs, the extension host serves
  // no other extension, and VS Code asks this view for rows only after it anyway.
  const start = setImmediate(() => {
    updateDescription();
    void setContextKey('deepflow:noKubeconfig', services.cluster.describeTarget() === undefined);
    follow();
  });
  context.subscriptions.push({ dispose: () => clearImmediate(start) });
  registerStatusBar(context, services);
  return tree;
}

async function setContextKey(key: string, value: boolean): Promise<void> {
  await vscode.commands.executeCommand('setContext', key, value);
}
