import * as vscode from 'vscode';

/**
 * A tree view's provider whose real provider arrives later, with the feature's chunk: empty (so the view shows its
 * welcome content) until `attach`, then a pass-through. It lets a view register at activation without loading the
 * code that fills it.
 */
export class DeferredTreeProvider<T> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<T | T[] | undefined | null | void>();
  readonly onDidChangeTreeData = this.changed.event;
  private inner: (vscode.TreeDataProvider<T> & vscode.Disposable) | undefined;
  private forwarding: vscode.Disposable | undefined;

  attach(inner: vscode.TreeDataProvider<T> & vscode.Disposable): void {
    this.inner = inner;
    this.forwarding = inner.onDidChangeTreeData?.((e) => this.changed.fire(e));
    this.changed.fire(undefined);
  }

  getTreeItem(node: T): vscode.TreeItem | Thenable<vscode.TreeItem> {
    // Nodes exist only once a provider made them, so `inner` is set whenever VS Code asks for an item.
    if (!this.inner) throw new Error('no tree provider attached yet');
    return this.inner.getTreeItem(node);
  }

  getChildren(node?: T): vscode.ProviderResult<T[]> {
    return this.inner ? this.inner.getChildren(node) : [];
  }

  dispose(): void {
    this.forwarding?.dispose();
    this.inner?.dispose();
    this.changed.dispose();
  }
}
