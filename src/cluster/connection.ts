/**
 * The cluster the extension currently talks to: the kubeconfig and context chosen by the settings, loaded lazily
 * and dropped when the settings change. Commands and views ask it for a client instead of loading kubeconfigs.
 */
import * as l10n from '@vscode/l10n';
import { ClusterClient } from './client';
import { loadKubeconfig, type ContextInfo, type KubeconfigEnvironment, type LoadedKubeconfig } from './kubeconfig';
import type { Logger } from './types';

export interface ConnectionSettings {
  /** The `deepflow.kubeconfig` setting; empty: KUBECONFIG, then ~/.kube/config. */
  kubeconfig: string;
  /** The `deepflow.context` setting; empty: the kubeconfig's current-context. */
  context: string;
  requestTimeoutMs: number;
}

export interface ContextChoice extends ContextInfo {
  /** Whether this is the context the extension uses now. */
  current: boolean;
}

export class ClusterConnection {
  private loaded: LoadedKubeconfig | undefined;
  private loadError: Error | undefined;
  private client: ClusterClient | undefined;
  /** One client per context: each holds a keep-alive agent and a discovery cache worth sharing. */
  private readonly clients = new Map<string, ClusterClient>();

  constructor(
    private readonly settings: () => ConnectionSettings,
    private readonly logger: Logger,
    private readonly environment: Omit<KubeconfigEnvironment, 'settingValue'> = {},
  ) {}

  /** Forget the loaded kubeconfig and client; the next call loads them again from the current settings. */
  reset(): void {
    this.loaded = undefined;
    this.loadError = undefined;
    // The old clients' connections close now; the caches that watched through them are cleared with them.
    for (const client of new Set([...this.clients.values(), ...(this.client ? [this.client] : [])])) client.dispose();
    this.clients.clear();
    this.client = undefined;
  }

  /** The kubeconfig, or undefined when none can be found (the reason is logged once per load). */
  kubeconfig(): LoadedKubeconfig | undefined {
    if (this.loaded || this.loadError) return this.loaded;
    try {
      this.loaded = loadKubeconfig({ ...this.environment, settingValue: this.settings().kubeconfig });
      this.logger.info(`kubeconfig from ${this.loaded.source.label}`);
    } catch (error) {
      this.loadError = error instanceof Error ? error : new Error(String(error));
      this.logger.warn(`no usable kubeconfig: ${this.loadError.message}`);
    }
    return this.loaded;
  }

  kubeconfigSource(): string | undefined {
    return this.kubeconfig()?.source.label;
  }

  /** The context in use: the setting if it names one, else the kubeconfig's current-context. */
  contextName(): string | undefined {
    const kubeconfig = this.kubeconfig();
    if (!kubeconfig) return undefined;
    const chosen = this.settings().context;
    return chosen !== '' ? chosen : kubeconfig.currentContext;
  }

  listContexts(): ContextChoice[] {
    const current = this.contextName();
    return (this.kubeconfig()?.contexts ?? []).map((c) => ({ ...c, current: c.name === current }));
  }

  /** "context (server)", or undefined without a kubeconfig. */
  describeTarget(): string | undefined {
    const name = this.contextName();
    if (!name) return this.kubeconfig() ? l10n.t('no context selected') : undefined;
    const server = this.kubeconfig()?.context(name)?.server;
    return server ? `${name} (${server})` : name;
  }

  /** The kubeconfig, or the reason there is none. */
  private requireKubeconfig(): LoadedKubeconfig {
    const kubeconfig = this.kubeconfig();
    if (!kubeconfig) throw this.loadError ?? new Error(l10n.t('No kubeconfig found.'));
    return kubeconfig;
  }

  /** A new client for any context of the kubeconfig (the view shows more than one). Throws KubeconfigError. */
  clientFor(contextName: string): ClusterClient {
    const known = this.clients.get(contextName);
    if (known) return known;
    const client = ClusterClient.forContext(this.requireKubeconfig(), contextName, { requestTimeoutMs: this.settings().requestTimeoutMs, logger: this.logger });
    this.clients.set(contextName, client);
    return client;
  }

  /** The client for the context in use. Throws KubeconfigError with a clear message when there is none. */
  currentClient(): ClusterClient {
    if (this.client) return this.client;
    this.client = ClusterClient.forContext(this.requireKubeconfig(), this.settings().context, {
      requestTimeoutMs: this.settings().requestTimeoutMs,
      logger: this.logger,
    });
    return this.client;
  }
}
