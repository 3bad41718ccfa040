import * as vscode from 'vscode';
import { deepflowNamespace } from '../acp/components';
import type { ObjectRef } from '../cluster/types';
import type { Services } from '../services';
import { objectActionTexts } from '../views/componentTexts';
import type { ComponentsTreeProvider, Node } from '../views/componentsTree';
import { ObjectDocumentProvider, objectScheme, objectUri } from '../views/objectDocuments';
import type { ComponentActions } from './componentActions';
import { guarded } from './runCommand';

type Handler = (...args: unknown[]) => unknown;

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'type' in value && 'id' in value;
}

/** The Kubernetes object behind a tree node, with the context it lives in. */
function objectOf(node: unknown): { context: string; ref: ObjectRef; name: string } | undefined {
  if (!isNode(node)) return undefined;
  switch (node.type) {
    case 'prerequisite': {
      const { spec } = node.state;
      return { context: node.cluster.target.context, ref: { apiVersion: spec.apiVersion, kind: spec.kind, name: spec.name, namespace: spec.namespace }, name: spec.name };
    }
    case 'component': {
      const { spec } = node.state;
      return { context: node.cluster.target.context, ref: { apiVersion: 'apps/v1', kind: spec.kind, name: spec.name, namespace: deepflowNamespace }, name: spec.name };
    }
    case 'pod':
      return { context: node.cluster.target.context, ref: { apiVersion: 'v1', kind: 'Pod', name: node.pod.name, namespace: node.pod.namespace }, name: node.pod.name };
    case 'gap':
      return undefined;
    default:
      return undefined;
  }
}

function nameOf(node: unknown): string | undefined {
  if (isNode(node) && node.type === 'gap') return node.gap.node;
  return objectOf(node)?.name;
}

/** The Components view's own commands: retry, paging, YAML, restart, copy name. */
export function registerComponentCommands(context: vscode.ExtensionContext, services: Services, tree: ComponentsTreeProvider): void {
  // Restart and pod logs load on first use, with their own chunk.
  let actions: Promise<ComponentActions> | undefined;
  const load = (): Promise<ComponentActions> =>
    (actions ??= import('./componentActions').then((m) => {
      const created = new m.ComponentActions(services);
      context.subscriptions.push(created);
      return created;
    }));
  const handlers: Record<string, Handler> = {
    'deepflow.components.retry': (contextName: unknown) => {
      services.caches.restart(typeof contextName === 'string' ? contextName : undefined);
      tree.rebuild();
    },
    'deepflow.components.showMorePods': (node: unknown) => (isNode(node) && node.type === 'showMore' ? tree.showMore(node) : undefined),
    'deepflow.components.showYaml': async (node: unknown) => {
      const target = objectOf(node);
      if (!target) return;
      const document = await vscode.workspace.openTextDocument(objectUri(target.context, target.ref));
      await vscode.languages.setTextDocumentLanguage(document, 'yaml');
      await vscode.window.showTextDocument(document, { preview: true });
    },
    'deepflow.components.restart': async (node: unknown) => (isNode(node) && node.type === 'component' ? (await load()).restart(node) : undefined),
    'deepflow.components.showLogs': async (node: unknown) => (isNode(node) && node.type === 'pod' ? (await load()).logs.follow(node.cluster.target.context, node.pod) : undefined),
    'deepflow.components.copyName': async (node: unknown) => {
      const name = nameOf(node);
      if (!name) return;
      await vscode.env.clipboard.writeText(name);
      vscode.window.setStatusBarMessage(objectActionTexts.copied(name), 3000);
    },
  };
  for (const [id, handler] of Object.entries(handlers)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, guarded(services.log, id, handler)));
  }
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(objectScheme, new ObjectDocumentProvider(services)),
    // Commands that changed the cluster need nothing more: the watches bring the change.
    services.clusterChanged.event(() => services.log.debug('cluster changed by a command; the watches follow')),
  );
}

