import * as vscode from 'vscode';
import { createServices, type DeepflowApi } from './services';
import { registerComponentCommands } from './commands/componentCommands';
import { registerCommands } from './commands/registerCommands';
import { registerTroubleshooting } from './commands/troubleshootCommands';
import { registerComponentsView } from './views/registerComponentsView';
import { registerGrafanaPanel } from './views/registerGrafanaPanel';

/** A table of contents: build the services once, register each feature, hand tests an API. */
export function activate(context: vscode.ExtensionContext): DeepflowApi {
  const started = performance.now();
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
