import * as vscode from 'vscode';

/** Typed getters for every `deepflow.*` setting, and one change hub, so no other file reads configuration. */
export interface DeepflowSettings {
  /** Path to a kubeconfig; empty means KUBECONFIG, then ~/.kube/config. */
  readonly kubeconfig: string;
  /** Context name; empty means the kubeconfig's current-context. */
  readonly context: string;
  readonly waitTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** More kubeconfig contexts the Components view shows beside the current one (`deepflow.clusters`). */
  readonly clusters: readonly string[];
  /** Defaults for the install's input boxes (`deepflow.install.*`); unset ones are absent. */
  readonly installDefaults: Partial<Record<InstallDefaultKey, string>>;
}

/** The install answers a user may preset in settings; never a secret. */
export const installDefaultKeys = [
  'platformUrl',
  'nfsServer',
  'nfsPath',
  'storageClass',
  'grafanaAdminUser',
  'mysqlSize',
  'clickhousePathSize',
  'clickhouseStoragePathSize',
] as const;
export type InstallDefaultKey = (typeof installDefaultKeys)[number];

const section = 'deepflow';

export function readSettings(): DeepflowSettings {
  const config = vscode.workspace.getConfiguration(section);
  return {
    kubeconfig: config.get<string>('kubeconfig', '').trim(),
    context: config.get<string>('context', '').trim(),
    waitTimeoutMs: Math.max(5, config.get<number>('timeouts.waitSeconds', 600)) * 1000,
    requestTimeoutMs: Math.max(1, config.get<number>('timeouts.requestSeconds', 30)) * 1000,
    clusters: [...new Set(config.get<unknown[]>('clusters', []).filter((c): c is string => typeof c === 'string').map((c) => c.trim()).filter((c) => c !== ''))],
    installDefaults: Object.fromEntries(
      installDefaultKeys.flatMap((key) => {
        const value = config.get<string>(`install.${key}`, '').trim();
        return value === '' ? [] : [[key, value]];
      }),
    ),
  };
}

export class SettingsHub implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<DeepflowSettings>();
  /** Fires with the new settings after any `deepflow.*` setting changes. */
  readonly onDidChange = this.changed.event;
  private readonly subscription = vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(section)) this.changed.fire(readSettings());
  });

  get current(): DeepflowSettings {
    return readSettings();
  }

  /** Remembers the chosen context for this machine (global settings), as kubectl's current-context would. */
  async setContext(name: string): Promise<void> {
    await vscode.workspace.getConfiguration(section).update('context', name, vscode.ConfigurationTarget.Global);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
