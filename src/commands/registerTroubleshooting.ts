import * as vscode from 'vscode';
import type { GrafanaAccess } from '../grafana/contract';
import type { Services } from '../services';
import { DeferredTreeProvider } from '../views/deferredTree';
import type { TroubleshootNode } from '../views/troubleshootTree';
import { guarded } from './runCommand';
import type { Troubleshooting } from './troubleshootCommands';

export const TROUBLESHOOT_VIEW = 'deepflow.views.troubleshoot';

/**
 * The Troubleshooting view and the commands that fill it. The view registers now and shows its welcome content; the
 * flows (the querier's SQL, the chains, the prompts) load with the first troubleshooting command.
 */
export function registerTroubleshooting(context: vscode.ExtensionContext, services: Services, grafana: GrafanaAccess): void {
  const tree = new DeferredTreeProvider<TroubleshootNode>();
  const view = vscode.window.createTreeView(TROUBLESHOOT_VIEW, { treeDataProvider: tree, showCollapseAll: true });
  let flows: Promise<Troubleshooting> | undefined;
  const load = (): Promise<Troubleshooting> => (flows ??= import('./troubleshootCommands').then((m) => m.createTroubleshooting(services, grafana, tree, view)));
  const handlers: Record<string, (...args: unknown[]) => unknown> = {
    'deepflow.troubleshoot.dns': async () => (await load()).dns(),
    'deepflow.troubleshoot.http': async () => (await load()).http(),
    // What a row's click runs (troubleshootTree's OPEN_ITEM_COMMAND); rows exist only once the flows are loaded.
    'deepflow.troubleshoot.openItem': async (node) => (await load()).openItem(node),
    'deepflow.grafana.openDashboard': async () => (await load()).openDashboard(),
  };
  context.subscriptions.push(tree, view);
  for (const [id, handler] of Object.entries(handlers)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, guarded(services.log, id, handler)));
  }
}
