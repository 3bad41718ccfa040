import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import { createServices, type DeepflowApi } from './services';
import { registerComponentCommands } from './commands/componentCommands';
import { registerCommands } from './commands/registerCommands';
import { registerTroubleshooting } from './commands/registerTroubleshooting';
import { registerComponentsView } from './views/registerComponentsView';
import { registerGrafanaPanel } from './views/registerGrafanaPanel';

/** A table of contents: build the services once, register each feature, hand tests an API. */
export function activate(context: vscode.ExtensionContext): DeepflowApi {
  const started = performance.now();
  // Domain code words its messages through @vscode/l10n, which has no vscode import; hand it the bundle VS Code chose
  // for the display language (none for English, where every message is its own key).
  if (vscode.l10n.bundle) l10n.config({ contents: vscode.l10n.bundle });
  const services = createServices(context);
  const grafana = registerGrafanaPanel(context, services);
  const tree = registerComponentsView(context, services, grafana);
  registerCommands(context, services, grafana);
  registerComponentCommands(context, services, tree);
  registerTroubleshooting(context, services, grafana);
  services.log.info(`DeepFlow for ACP ${services.version} activated in ${(performance.now() - started).toFixed(1)} ms`);
  return services.api;
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
