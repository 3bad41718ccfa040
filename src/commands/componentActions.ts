/**
 * The Components view's actions that do more than a click's worth: restarting a component and following pod logs.
 * They load with their first use (their own chunk), not with the view.
 */
import * as vscode from 'vscode';
import { deepflowNamespace } from '../acp/components';
import { componentPodSelector } from '../acp/deepflowStatus';
import type { PodSummary } from '../acp/pods';
import type { ClusterClient, WatchHandle } from '../cluster/client';
import type { Services } from '../services';
import { objectActionTexts } from '../views/componentTexts';
import type { Node } from '../views/componentsTree';

type ComponentNode = Extract<Node, { type: 'component' }>;

export class ComponentActions implements vscode.Disposable {
  readonly logs: PodLogs;

  constructor(private readonly services: Services) {
    this.logs = new PodLogs(services);
  }

  restart(node: ComponentNode): Promise<void> {
    return restartComponent(this.services, node);
  }

  dispose(): void {
    this.logs.dispose();
  }
}

/**
 * Restarts a component by deleting its pods after a confirmation: its controller starts new ones. ACP reverts edits
 * to the chart's workloads (kubectl's restartedAt annotation included), so deleting pods is the restart that holds.
 */
async function restartComponent(services: Services, node: ComponentNode): Promise<void> {
  const { spec, desired } = node.state;
  const choice = await vscode.window.showWarningMessage(objectActionTexts.restartQuestion(spec.name, node.cluster.target.context), { modal: true, detail: objectActionTexts.restartDetail(spec.name, desired) }, objectActionTexts.restartButton);
  if (choice !== objectActionTexts.restartButton) return;
  const client = services.cluster.clientFor(node.cluster.target.context);
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: objectActionTexts.restarting(spec.name), cancellable: true }, async (_progress, token) => {
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    let deleted = 0;
    let continueToken: string | undefined;
    do {
      const page = await client.list({ apiVersion: 'v1', kind: 'Pod', namespace: deepflowNamespace }, { labelSelector: componentPodSelector(spec.name), limit: 500, continue: continueToken, signal: abort.signal });
      for (const pod of page.items) {
        if (abort.signal.aborted) break;
        if (await client.delete({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name ?? '', namespace: deepflowNamespace }, { signal: abort.signal })) deleted++;
      }
      continueToken = page.metadata.continue;
    } while (continueToken && !abort.signal.aborted);
    services.log.info(`restarted ${spec.name} on ${node.cluster.target.context}: ${deleted} pods deleted`);
  });
  services.clusterChanged.fire();
}

/** Followed pod logs, one output channel per pod; following again shows the channel already streaming. */
class PodLogs implements vscode.Disposable {
  private readonly streams = new Map<string, { channel: vscode.OutputChannel; handle: WatchHandle | undefined }>();

  constructor(private readonly services: Services) {}

  async follow(context: string, pod: PodSummary): Promise<void> {
    const client = this.services.cluster.clientFor(context);
    const container = await this.pickContainer(client, pod);
    if (!container) return;
    const key = `${context}/${pod.namespace}/${pod.name}/${container.name}`;
    const existing = this.streams.get(key);
    if (existing?.handle) return existing.channel.show(true);
    const channelName = container.only ? objectActionTexts.logChannel(pod.name) : objectActionTexts.logChannel(`${pod.name}/${container.name}`);
    const channel = existing?.channel ?? vscode.window.createOutputChannel(channelName);
    const entry: { channel: vscode.OutputChannel; handle: WatchHandle | undefined } = { channel, handle: undefined };
    this.streams.set(key, entry);
    channel.show(true);
    channel.appendLine(objectActionTexts.logStarted(pod.name, context));
    entry.handle = await client.streamLog(
      { name: pod.name, namespace: pod.namespace },
      container.name,
      { follow: true, tailLines: 500 },
      (text) => channel.append(this.services.log.redact(text)),
      (err) => {
        entry.handle = undefined;
        channel.appendLine(err ? objectActionTexts.logFailed(err.message) : objectActionTexts.logEnded);
      },
    );
  }

  /** The container whose log to follow: the only one, or the one the user picks, a container that is not ready first. */
  private async pickContainer(client: ClusterClient, pod: PodSummary): Promise<{ name: string; only: boolean } | undefined> {
    const live = await client.get({ apiVersion: 'v1', kind: 'Pod', name: pod.name, namespace: pod.namespace });
    const names = ((live.spec as { containers?: { name?: string }[] } | undefined)?.containers ?? []).flatMap((c) => (c.name ? [c.name] : []));
    if (names.length <= 1) return { name: names[0] ?? 'main', only: true };
    const statuses = (live.status as { containerStatuses?: { name?: string; ready?: boolean; restartCount?: number; state?: { waiting?: { reason?: string } } }[] } | undefined)?.containerStatuses ?? [];
    const items = names.map((name) => {
      const status = statuses.find((c) => c.name === name);
      const waiting = status?.state?.waiting?.reason;
      const description = waiting ?? (status?.ready ? vscode.l10n.t('ready') : vscode.l10n.t('not ready'));
      return { label: name, description, notReady: !status?.ready };
    });
    items.sort((a, b) => Number(b.notReady) - Number(a.notReady));
    const picked = await vscode.window.showQuickPick(items, {
      title: vscode.l10n.t('Show Pod Log: {0}', pod.name),
      placeHolder: vscode.l10n.t('Pod {0} has {1} containers: pick the one whose log to follow', pod.name, names.length),
    });
    return picked ? { name: picked.label, only: false } : undefined;
  }

  dispose(): void {
    for (const { channel, handle } of this.streams.values()) {
      handle?.stop();
      channel.dispose();
    }
    this.streams.clear();
  }
}
