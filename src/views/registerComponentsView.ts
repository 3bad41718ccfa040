import * as vscode from 'vscode';
import type { Services } from '../services';
import { ComponentsTreeProvider } from './componentsTree';

/** The DeepFlow components view; it redraws when the settings point it at another cluster. */
export function registerComponentsView(context: vscode.ExtensionContext, services: Services): void {
  const tree = new ComponentsTreeProvider({
    describeTarget: () => services.cluster.describeTarget(),
    readStatus: () => services.readStatus(),
  });
  const view = vscode.window.createTreeView('deepflow.views.components', { treeDataProvider: tree, showCollapseAll: false });
  context.subscriptions.push(
    tree,
    view,
    services.clusterChanged.event(() => tree.refresh()),
    services.settings.onDidChange(() => {
      services.cluster.reset();
      void updateNoKubeconfigContext(services);
      tree.refresh();
    }),
  );
  void updateNoKubeconfigContext(services);
}

/** Drives the welcome view: shown only while no kubeconfig can be found. */
async function updateNoKubeconfigContext(services: Services): Promise<void> {
  await vscode.commands.executeCommand('setContext', 'deepflow:noKubeconfig', services.cluster.describeTarget() === undefined);
}
