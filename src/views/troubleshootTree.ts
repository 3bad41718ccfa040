/**
 * The "Troubleshooting" view: the rows of the last flow (failed DNS requests, or HTTP requests whose chains expand).
 * Nodes wrap the domain objects; clicking one opens the narrowed dashboard through `deepflow.troubleshoot.openItem`.
 * Empty, the view shows its welcome content (package.json) with buttons for both flows.
 */
import * as vscode from 'vscode';
import type { Chain, ChainCallNode, DnsFailure, Endpoint, HttpCall } from '../grafana/troubleshoot';
import { chainCallRow, clientRow, dnsRow, requestRow, text } from './troubleshootText';

export const OPEN_ITEM_COMMAND = 'deepflow.troubleshoot.openItem';

export type TroubleshootNode =
  | { kind: 'message'; label: string; detail: string }
  | { kind: 'dns'; failure: DnsFailure }
  | { kind: 'request'; call: HttpCall }
  | { kind: 'client'; endpoint: Endpoint; calls: ChainCallNode[] }
  | { kind: 'call'; node: ChainCallNode };

/** What the view shows: the rows of one flow, a one-line summary, and how to load a request's chain. */
export interface TroubleshootContent {
  summary: string;
  roots: TroubleshootNode[];
  loadChain?: (call: HttpCall) => Promise<Chain[]>;
}

export class TroubleshootTreeProvider implements vscode.TreeDataProvider<TroubleshootNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TroubleshootNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private content: TroubleshootContent | undefined;

  /** Replaces what the view shows; its summary goes to the view's message line. */
  show(content: TroubleshootContent): void {
    this.content = content;
    this.changed.fire(undefined);
  }

  get summary(): string | undefined {
    return this.content?.summary;
  }

  getTreeItem(node: TroubleshootNode): vscode.TreeItem {
    switch (node.kind) {
      case 'message': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.description = node.detail;
        item.tooltip = node.detail;
        item.iconPath = new vscode.ThemeIcon('info');
        return item;
      }
      case 'dns': {
        const row = dnsRow(node.failure);
        const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
        item.description = row.description;
        item.tooltip = row.tooltip;
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
        return withOpen(item, node);
      }
      case 'request': {
        const row = requestRow(node.call);
        const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.Collapsed);
        item.description = row.description;
        item.tooltip = row.tooltip;
        item.iconPath = statusIcon(node.call);
        return withOpen(item, node);
      }
      case 'client': {
        const row = clientRow(node.endpoint);
        const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.Expanded);
        item.description = row.description;
        item.iconPath = new vscode.ThemeIcon(node.endpoint.kind === 'pod' ? 'package' : node.endpoint.kind === 'node' ? 'server' : 'globe');
        return item;
      }
      case 'call': {
        const row = chainCallRow(node.node.call);
        const item = new vscode.TreeItem(row.label, node.node.children.length > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
        item.description = row.description;
        item.tooltip = row.tooltip;
        item.iconPath = statusIcon(node.node.call);
        return withOpen(item, node);
      }
    }
  }

  async getChildren(node?: TroubleshootNode): Promise<TroubleshootNode[]> {
    if (!node) return this.content?.roots ?? [];
    if (node.kind === 'client') return node.calls.map((c) => ({ kind: 'call', node: c }));
    if (node.kind === 'call') return node.node.children.map((c) => ({ kind: 'call', node: c }));
    if (node.kind !== 'request' || !this.content?.loadChain) return [];
    let chains: Chain[];
    try {
      chains = await this.content.loadChain(node.call);
    } catch (err) {
      return [{ kind: 'message', label: text.chainFailed, detail: err instanceof Error ? err.message : String(err) }];
    }
    if (chains.length === 0) return [{ kind: 'message', label: text.noChain, detail: '' }];
    return chains.map((chain) => ({ kind: 'client', endpoint: chain.client, calls: chain.calls }));
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function withOpen(item: vscode.TreeItem, node: TroubleshootNode): vscode.TreeItem {
  item.contextValue = 'grafanaLink';
  item.command = { command: OPEN_ITEM_COMMAND, title: text.openInGrafana, arguments: [node] };
  return item;
}

function statusIcon(call: HttpCall): vscode.ThemeIcon {
  const failed = call.statusCode !== undefined && call.statusCode >= 400;
  return failed ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')) : new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
}
