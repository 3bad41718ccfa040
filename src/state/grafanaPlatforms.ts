/**
 * Which platform serves each kubeconfig context's Grafana, in globalState (a URL, not a secret). The install
 * knows the platform of the cluster it installed; a cluster installed elsewhere gets asked once.
 */
import type * as vscode from 'vscode';

const key = 'deepflow.grafana.platformByContext';

export class GrafanaPlatforms {
  constructor(private readonly memento: vscode.Memento) {}

  private all(): Record<string, string> {
    const raw = this.memento.get<unknown>(key);
    if (typeof raw !== 'object' || raw === null) return {};
    return Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }

  get(contextName: string): string | undefined {
    return this.all()[contextName];
  }

  async set(contextName: string, platformUrl: string): Promise<void> {
    await this.memento.update(key, { ...this.all(), [contextName]: platformUrl });
  }
}
