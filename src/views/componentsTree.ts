import * as vscode from 'vscode';
import type { ComponentState, PrerequisiteState, Readiness } from '../acp/components';
import type { DeepflowStatus } from '../acp/deepflowStatus';

/** What the tree needs from the rest of the extension: a status snapshot, and who it is about. */
export interface ComponentsSource {
  /** A label for the current cluster, e.g. "cluster1 (https://127.0.0.1:6443)". */
  describeTarget(): string | undefined;
  readStatus(): Promise<DeepflowStatus>;
}

const readinessIcon: Record<Readiness, vscode.ThemeIcon> = {
  ready: new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed')),
  progressing: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('list.warningForeground')),
  failing: new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')),
  missing: new vscode.ThemeIcon('circle-outline', new vscode.ThemeColor('disabledForeground')),
};

/** Tree nodes wrap domain states and build their TreeItem; they do not extend TreeItem (DESIGN.md). */
type Node =
  | { readonly type: 'target'; readonly label: string }
  | { readonly type: 'group'; readonly label: string; readonly children: Node[] }
  | { readonly type: 'prerequisite'; readonly state: PrerequisiteState }
  | { readonly type: 'component'; readonly state: ComponentState }
  | { readonly type: 'problem'; readonly message: string };

export class ComponentsTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: Node[] | undefined;

  constructor(private readonly source: ComponentsSource) {}

  /** Drops the snapshot; the next getChildren reads the cluster again. */
  refresh(): void {
    this.roots = undefined;
    this.changed.fire(undefined);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node) return node.type === 'group' ? node.children : [];
    this.roots ??= await this.load();
    return this.roots;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.type) {
      case 'target': {
        const item = new vscode.TreeItem(node.label);
        item.iconPath = new vscode.ThemeIcon('server-environment');
        item.command = { command: 'deepflow.cluster.selectContext', title: 'Select Cluster Context' };
        item.tooltip = 'The cluster the DeepFlow view shows. Click to choose another context.';
        return item;
      }
      case 'group': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
        item.contextValue = 'deepflow.group';
        return item;
      }
      case 'prerequisite':
        return stateItem(node.state.spec.label, node.state, 'deepflow.prerequisite');
      case 'component': {
        const item = stateItem(node.state.spec.name, node.state, 'deepflow.component');
        item.tooltip = `${node.state.spec.kind} ${node.state.spec.name}: ${node.state.spec.description}\n${node.state.detail}`;
        return item;
      }
      case 'problem': {
        const item = new vscode.TreeItem(node.message);
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
        item.tooltip = node.message;
        item.command = { command: 'deepflow.log.show', title: 'Show Log' };
        return item;
      }
    }
  }

  private async load(): Promise<Node[]> {
    const target = this.source.describeTarget();
    if (!target) return [];
    const targetNode: Node = { type: 'target', label: target };
    try {
      const status = await this.source.readStatus();
      return [
        targetNode,
        { type: 'group', label: 'Prerequisites', children: status.prerequisites.map((state) => ({ type: 'prerequisite', state })) },
        { type: 'group', label: 'Components', children: status.components.map((state) => ({ type: 'component', state })) },
      ];
    } catch (error) {
      return [targetNode, { type: 'problem', message: error instanceof Error ? error.message : String(error) }];
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function stateItem(label: string, state: PrerequisiteState | ComponentState, contextValue: string): vscode.TreeItem {
  const item = new vscode.TreeItem(label);
  item.description = state.detail;
  item.iconPath = readinessIcon[state.readiness];
  item.contextValue = `${contextValue}.${state.readiness}`;
  item.accessibilityInformation = { label: `${label}: ${state.readiness}, ${state.detail}` };
  return item;
}
