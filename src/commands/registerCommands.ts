import * as vscode from 'vscode';
import type { GrafanaAccess } from '../grafana/contract';
import type { Services } from '../services';
import { guarded } from './runCommand';

/**
 * The install engine, violet, execa and the prompts load on first use: the first paint (the view and the status bar)
 * needs none of them. esbuild keeps the module in the bundle but runs its top level only at this import.
 */
const installCommands = (): Promise<typeof import('./install/installCommands')> => import('./install/installCommands');

type Handler = (...args: unknown[]) => unknown;

/** Every command of the extension, in one table; scripts/checkCommands.ts compares it with package.json. */
export function registerCommands(context: vscode.ExtensionContext, services: Services, grafana: GrafanaAccess): void {
  const handlers: Record<string, Handler> = {
    'deepflow.cluster.selectContext': () => selectContext(services),
    'deepflow.components.refresh': () => {
      services.caches.restart();
      services.clusterChanged.fire();
    },
    'deepflow.log.show': () => services.log.show(),
    'deepflow.install.downloadViolet': async () => (await installCommands()).downloadVioletCommand(services, context),
    'deepflow.install.pushArtifacts': async () => (await installCommands()).pushArtifactsCommand(services, context),
    'deepflow.install.nfsPlugin': async () => (await installCommands()).nfsPluginCommand(services, context),
    'deepflow.install.storageClass': async () => (await installCommands()).storageClassCommand(services, context),
    'deepflow.install.deepflow': async () => (await installCommands()).deepflowCommand(services, context),
    'deepflow.install.all': async () => (await installCommands()).installAllCommand(services, context),
    'deepflow.uninstall': async () => (await installCommands()).uninstallCommand(services),
    // From a tree node or a menu the argument is the node, not a path: only a string is a Grafana path.
    'deepflow.grafana.open': (path?: unknown) => grafana.open(typeof path === 'string' ? path : undefined),
  };
  for (const [id, handler] of Object.entries(handlers)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, guarded(services.log, id, handler)));
  }
}

async function selectContext(services: Services): Promise<void> {
  const contexts = services.cluster.listContexts();
  if (contexts.length === 0) {
    throw new Error(vscode.l10n.t('No kubeconfig contexts found. Set KUBECONFIG or the deepflow.kubeconfig setting.'));
  }
  const picked = await vscode.window.showQuickPick(
    contexts.map((c) => ({
      label: c.name,
      description: c.server,
      detail: c.current ? vscode.l10n.t({ message: 'current', args: [], comment: ['Marks the kubeconfig current-context in the list of contexts.'] }) : undefined,
      picked: c.current,
    })),
    { title: vscode.l10n.t('DeepFlow: Select Cluster Context'), placeHolder: vscode.l10n.t('Contexts from {0}', services.cluster.kubeconfigSource() ?? 'kubeconfig') },
  );
  if (!picked) return;
  await services.settings.setContext(picked.label);
  services.log.info(`context set to ${picked.label}`);
}
