import * as vscode from 'vscode';
import type { DeepflowStatus, ObjectReader } from './acp/deepflowStatus';
import { readDeepflowStatus } from './acp/deepflowStatus';
import { Redactor } from './acp/redact';
import { ClusterConnection } from './cluster/connection';
import { SettingsHub } from './config';
import { DeepflowLog } from './log';
import type { ComponentsTreeProvider } from './views/componentsTree';

/** What extension-host tests get back from activate(). */
export interface DeepflowApi {
  readonly version: string;
  /** The current snapshot the Components view shows, read afresh. */
  readStatus(): Promise<DeepflowStatus>;
}

/** The services, built once here and passed to each feature: no singletons, no global state. */
export interface Services {
  readonly version: string;
  readonly log: DeepflowLog;
  readonly settings: SettingsHub;
  readonly cluster: ClusterConnection;
  /** Reads the DeepFlow status of the current cluster. */
  readStatus(): Promise<DeepflowStatus>;
  readonly api: DeepflowApi;
  /** Set by the view's registration; commands refresh through it. */
  componentsTree?: ComponentsTreeProvider;
}

/** The composition root. The log comes first, so everything after it can report. */
export function createServices(context: vscode.ExtensionContext): Services {
  const log = new DeepflowLog(new Redactor());
  const settings = new SettingsHub();
  context.subscriptions.push(log, settings);
  const { version } = context.extension.packageJSON as { version: string };

  const cluster = new ClusterConnection(() => settings.current, log);
  const reader: ObjectReader = {
    get: (apiVersion, kind, name, namespace) => cluster.currentClient().find({ apiVersion, kind, name, namespace }),
    list: async (apiVersion, kind, namespace, labelSelector) =>
      (await cluster.currentClient().list({ apiVersion, kind, namespace }, { labelSelector })).items,
  };
  const readStatus = (): Promise<DeepflowStatus> => readDeepflowStatus(reader);
  return { version, log, settings, cluster, readStatus, api: { version, readStatus } };
}
