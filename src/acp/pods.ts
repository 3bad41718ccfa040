import * as l10n from '@vscode/l10n';
import { numberField, recordField, stringField, type KubeObject } from './kubeObject';

/** Waiting reasons that mean a container will not start by itself: the component is failing, not progressing. */
export const failingWaitingReasons: ReadonlySet<string> = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

/** What the tree shows of one pod: the columns of `kubectl get pods -o wide`, and why it is not ready. */
export interface PodSummary {
  readonly name: string;
  readonly namespace: string;
  readonly phase: string;
  readonly readyContainers: number;
  readonly containers: number;
  readonly restarts: number;
  readonly node: string | undefined;
  readonly createdAt: string | undefined;
  readonly ready: boolean;
  /** The first container's waiting reason (CrashLoopBackOff, ContainerCreating...), if any. */
  readonly waitingReason: string | undefined;
  readonly waitingMessage: string | undefined;
  /** Red: a failing waiting reason or a Failed phase. */
  readonly failing: boolean;
}

function containerStatuses(pod: KubeObject): Record<string, unknown>[] {
  const raw = recordField(pod.status)?.containerStatuses;
  return Array.isArray(raw) ? raw.flatMap((c) => (recordField(c) ? [c as Record<string, unknown>] : [])) : [];
}

export function summarizePod(pod: KubeObject): PodSummary {
  const status = recordField(pod.status);
  const statuses = containerStatuses(pod);
  const specContainers = recordField(pod.spec)?.containers;
  const containers = Math.max(statuses.length, Array.isArray(specContainers) ? specContainers.length : 0);
  const waiting = statuses.map((c) => recordField(recordField(c.state)?.waiting)).find((w) => w !== undefined);
  const waitingReason = stringField(waiting, 'reason');
  const phase = stringField(status, 'phase') ?? 'Unknown';
  const conditions = Array.isArray(status?.conditions) ? status.conditions : [];
  const ready = conditions.some((c) => recordField(c)?.type === 'Ready' && recordField(c)?.status === 'True');
  return {
    name: pod.metadata.name ?? '',
    namespace: pod.metadata.namespace ?? '',
    phase,
    readyContainers: statuses.filter((c) => c.ready === true).length,
    containers,
    restarts: statuses.reduce((sum, c) => sum + numberField(c, 'restartCount'), 0),
    node: stringField(recordField(pod.spec), 'nodeName'),
    createdAt: typeof pod.metadata.creationTimestamp === 'string' ? pod.metadata.creationTimestamp : undefined,
    ready,
    waitingReason,
    waitingMessage: stringField(waiting, 'message'),
    failing: phase === 'Failed' || (waitingReason !== undefined && failingWaitingReasons.has(waitingReason)),
  };
}

/** Problem pods first (failing, then not ready), then by name: what an engineer looks at first. */
export function comparePods(a: PodSummary, b: PodSummary): number {
  const rank = (p: PodSummary): number => (p.failing ? 0 : p.ready ? 2 : 1);
  return rank(a) - rank(b) || a.name.localeCompare(b.name);
}

/** "5m", "3h", "2d" like kubectl's AGE column; "" when the time is unknown. */
export function podAge(createdAt: string | undefined, now = Date.now()): string {
  if (!createdAt) return '';
  const seconds = Math.max(0, Math.floor((now - Date.parse(createdAt)) / 1000));
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/** One line per pod for a description: "Running · 1/1 ready · 0 restarts · 3m · node-2". */
export function describePod(pod: PodSummary, now = Date.now()): string {
  const state = pod.waitingReason && !pod.ready ? pod.waitingReason : pod.phase;
  const restarts = pod.restarts === 1 ? l10n.t('1 restart') : l10n.t('{0} restarts', pod.restarts);
  const parts = [state, l10n.t('{0}/{1} ready', pod.readyContainers, pod.containers), restarts];
  const age = podAge(pod.createdAt, now);
  if (age) parts.push(age);
  if (pod.node) parts.push(pod.node);
  return parts.join(' · ');
}
