import type * as vscode from 'vscode';
import type { GrafanaAccess } from '../grafana/contract';
import type { Services } from '../services';
import { GrafanaPanels } from './grafanaPanel';

/** DeepFlow's Grafana inside the editor; commands and views reach it through the returned GrafanaAccess. */
export function registerGrafanaPanel(context: vscode.ExtensionContext, services: Services): GrafanaAccess {
  const panels = new GrafanaPanels(services, context.extensionUri);
  context.subscriptions.push(panels);
  return panels;
}
