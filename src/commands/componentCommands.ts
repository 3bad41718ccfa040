import * as vscode from 'vscode';
import type { Services } from '../services';
import type { ComponentsTreeProvider, Node } from '../views/componentsTree';
import { guarded } from './runCommand';

type Handler = (...args: unknown[]) => unknown;

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'type' in value && 'id' in value;
}

/** The Components view's own commands: retry a failing cluster, page the agent's pods, refresh. */
export function registerComponentCommands(context: vscode.ExtensionContext, services: Services, tree: ComponentsTreeProvider): void {
  const handlers: Record<string, Handler> = {
    'deepflow.components.retry': (contextName: unknown) => {
      services.caches.restart(typeof contextName === 'string' ? contextName : undefined);
      tree.rebuild();
    },
    'deepflow.components.showMorePods': (node: unknown) => (isNode(node) && node.type === 'showMore' ? tree.showMore(node) : undefined),
  };
  for (const [id, handler] of Object.entries(handlers)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, guarded(services.log, id, handler)));
  }
  // Commands that changed the cluster need nothing more: the watches bring the change. Refresh lists again.
  context.subscriptions.push(services.clusterChanged.event(() => services.log.debug('cluster changed by a command; the watches follow')));
}
