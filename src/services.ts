import * as vscode from 'vscode';
import { deepflowInformers, deepflowStatusFromCache, type DeepflowStatus } from './acp/deepflowStatus';
import { Redactor } from './acp/redact';
import { ClusterCache, ClusterCaches } from './cluster/cache';
import { ClusterConnection } from './cluster/connection';
import { SettingsHub } from './config';
import { GrafanaPlatforms } from './state/grafanaPlatforms';
import { AnswerMemory, MementoPushLedger } from './state/installMemory';
import { PlatformSecrets } from './state/platformSecrets';
import { MementoTrustStore } from './state/trustStore';
import { DeepflowLog } from './log';

/** What extension-host tests get back from activate(). */
export interface DeepflowApi {
  readonly version: string;
  /** The status the Components view shows for the current cluster, from the watch cache (no request once warm). */
  readStatus(): Promise<DeepflowStatus>;
}

/** The services, built once here and passed to each feature: no singletons, no global state. */
export interface Services {
  readonly version: string;
  readonly log: DeepflowLog;
  readonly settings: SettingsHub;
  readonly cluster: ClusterConnection;
  /** One watch cache per kubeconfig context, running while the view, the status bar or a status read holds it. */
  readonly caches: ClusterCaches;
  /** Platform passwords and tokens, in SecretStorage only (and only when the user agreed). */
  readonly secrets: PlatformSecrets;
  /** Trust decisions for self-signed platforms, per origin (globalState); shared with the Grafana proxy later. */
  readonly trustStore: MementoTrustStore;
  /** The violet pushes this extension made (globalState). */
  readonly pushLedger: MementoPushLedger;
  /** The install's last answers, never secrets (globalState). */
  readonly answers: AnswerMemory;
  /** Which platform serves each context's Grafana (globalState). */
  readonly grafanaPlatforms: GrafanaPlatforms;
  /** Reads the DeepFlow status of the current cluster from its watch cache. */
  readStatus(): Promise<DeepflowStatus>;
  readonly api: DeepflowApi;
  /** Fires when a command changed the cluster, so views that show it read it again. Views subscribe; commands fire. */
  readonly clusterChanged: vscode.EventEmitter<void>;
}

/** The composition root. The log comes first, so everything after it can report. */
export function createServices(context: vscode.ExtensionContext): Services {
  const redactor = new Redactor();
  const log = new DeepflowLog(redactor);
  const settings = new SettingsHub();
  context.subscriptions.push(log, settings);
  const { version } = context.extension.packageJSON as { version: string };

  const cluster = new ClusterConnection(() => settings.current, log);
  const caches = new ClusterCaches((contextName) => new ClusterCache(cluster.clientFor(contextName), deepflowInformers, log));
  context.subscriptions.push({ dispose: () => caches.clear() });
  const readStatus = async (): Promise<DeepflowStatus> => {
    const contextName = cluster.contextName();
    if (!contextName) {
      cluster.currentClient(); // throws the reason: no kubeconfig, or no context in it
      throw new Error(vscode.l10n.t('The kubeconfig names no current context. Select one with "DeepFlow: Select Cluster Context".'));
    }
    // An unknown context throws here, with the contexts the kubeconfig has.
    cluster.clientFor(contextName);
    const lease = caches.acquire(contextName);
    try {
      await lease.cache.whenReady();
      return deepflowStatusFromCache(lease.cache);
    } finally {
      lease.release();
    }
  };
  const secrets = new PlatformSecrets(context.secrets, redactor);
  const trustStore = new MementoTrustStore(context.globalState);
  const pushLedger = new MementoPushLedger(context.globalState);
  const answers = new AnswerMemory(context.globalState);
  const grafanaPlatforms = new GrafanaPlatforms(context.globalState);
  const clusterChanged = new vscode.EventEmitter<void>();
  context.subscriptions.push(clusterChanged);
  return { version, log, settings, cluster, caches, secrets, trustStore, pushLedger, answers, grafanaPlatforms, readStatus, clusterChanged, api: { version, readStatus } };
}
