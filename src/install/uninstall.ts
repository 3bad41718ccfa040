/**
 * Uninstall: what goes (the Ingress, then the Application, which takes the chart's workloads with it) and what is
 * kept on purpose (MySQL's volume claim, which the chart keeps; the storage class and the NFS plugin, which other
 * workloads may use). The UI shows `describeUninstallPlan` in a modal before calling runUninstall.
 */
import * as l10n from '@vscode/l10n';
import { ClusterError, describeRef, formatSeconds, type ClusterClient, type Logger, type ObjectRef, type WatchHandle } from '../cluster';
import { deepflowComponents, deepflowNamespace } from '../acp/components';
import { clusterPluginInstanceApiVersion, defaultNfsStorageClassName, nfsPluginName } from '../acp/manifests';
import { deepflowApplicationRef, grafanaIngressRef } from './steps';

export interface UninstallItem {
  label: string;
  why: string;
  ref?: ObjectRef;
}

export interface UninstallPlan {
  removes: UninstallItem[];
  keeps: UninstallItem[];
}

export function planUninstall(storageClassName = defaultNfsStorageClassName): UninstallPlan {
  return {
    removes: [
      // "Ingress deepflow-grafana", "Application deepflow", "StorageClass nfs": a kind and a name, alike in every language.
      { label: 'Ingress deepflow-grafana', why: l10n.t('Grafana is no longer served under /clusters/<cluster>/deepflow'), ref: grafanaIngressRef },
      {
        label: 'Application deepflow',
        why: l10n.t('ACP uninstalls the chart: {0} and their services go with it', deepflowComponents.map((c) => c.name).join(', ')),
        ref: deepflowApplicationRef,
      },
    ],
    keeps: [
      { label: l10n.t("MySQL's volume claim"), why: l10n.t("the chart keeps it, so DeepFlow's metadata survives a reinstall; delete it by hand to free the space") },
      {
        label: `StorageClass ${storageClassName}`,
        why: l10n.t('other workloads may use it'),
        ref: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: storageClassName },
      },
      {
        label: l10n.t('NFS plugin (ClusterPluginInstance nfs)'),
        why: l10n.t('other workloads may use NFS volumes'),
        ref: { apiVersion: clusterPluginInstanceApiVersion, kind: 'ClusterPluginInstance', name: nfsPluginName },
      },
    ],
  };
}

/** The text for the confirmation modal. */
export function describeUninstallPlan(plan: UninstallPlan, clusterLabel: string): string {
  const lines = [l10n.t('Uninstall DeepFlow from {0}?', clusterLabel), '', l10n.t('Removed:')];
  for (const item of plan.removes) lines.push(`• ${item.label}: ${item.why}`);
  lines.push('', l10n.t('Kept:'));
  for (const item of plan.keeps) lines.push(`• ${item.label}: ${item.why}`);
  return lines.join('\n');
}

export interface UninstallOptions {
  logger: Logger;
  signal?: AbortSignal;
  progress?: (message: string) => void;
  /** How long to wait for the Application and its workloads to disappear. */
  timeoutMs: number;
}

export interface UninstallResult {
  /** Labels of what was deleted now (absent objects are not listed). */
  deleted: string[];
}

/** Deletes what planUninstall removes and waits until the Application and its workloads are gone. */
export async function runUninstall(client: ClusterClient, options: UninstallOptions, plan: UninstallPlan = planUninstall()): Promise<UninstallResult> {
  const deleted: string[] = [];
  for (const item of plan.removes) {
    if (!item.ref) continue;
    options.signal?.throwIfAborted();
    options.progress?.(l10n.t('deleting {0}', item.label));
    if (await client.delete(item.ref)) {
      deleted.push(item.label);
      options.logger.info(`Deleted ${item.label}`);
    } else {
      options.logger.info(`${item.label} was already gone`);
    }
  }
  for (const ref of [deepflowApplicationRef, ...deepflowComponents.map((c): ObjectRef => ({ apiVersion: 'apps/v1', kind: c.kind, namespace: deepflowNamespace, name: c.name }))]) {
    options.progress?.(l10n.t('waiting for {0} to be removed', describeRef(ref)));
    await waitForDeletion(client, ref, options);
  }
  return { deleted };
}

/**
 * Resolves once the object is gone: list it by name, and if it is there, watch from that resourceVersion for its
 * DELETED event (relisting when the watch closes). The object waits in waits.ts resolve with an object, so
 * absence needs this one.
 */
export function waitForDeletion(client: ClusterClient, ref: ObjectRef, options: Pick<UninstallOptions, 'signal' | 'timeoutMs' | 'logger'>): Promise<void> {
  const what = describeRef(ref);
  const collection = { apiVersion: ref.apiVersion, kind: ref.kind, namespace: ref.namespace };
  const fieldSelector = `metadata.name=${ref.name}`;
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let watch: WatchHandle | undefined;
    const settle = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      watch?.stop();
      if (err) reject(err);
      else resolve();
    };
    const onAbort = (): void => settle(new ClusterError('cancelled', l10n.t('Cancelled waiting for {0} to be removed.', what)));
    const timer = setTimeout(
      () => settle(new ClusterError('timeout', l10n.t('Timed out after {0} waiting for {1} to be removed.', formatSeconds(options.timeoutMs), what))),
      options.timeoutMs,
    );
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const check = async (): Promise<void> => {
      const list = await client.list(collection, { fieldSelector, signal: options.signal });
      if (settled) return;
      if (list.items.length === 0) return settle();
      watch = await client.watch(
        collection,
        { resourceVersion: list.metadata.resourceVersion, fieldSelector },
        (event) => {
          if (event.type === 'DELETED') settle();
        },
        (err) => {
          watch = undefined;
          if (settled) return;
          options.logger.info(`Watch of ${what} closed${err ? `: ${err.message}` : ''}; checking again.`);
          // A short pause so a server that keeps closing watches is not hammered.
          setTimeout(() => void check().catch((e: unknown) => settle(e instanceof Error ? e : new Error(String(e)))), 200);
        },
      );
      if (settled) watch.stop();
    };
    check().catch((err: unknown) => settle(err instanceof Error ? err : new Error(String(err))));
  });
}
