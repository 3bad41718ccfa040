/**
 * Which nodes the DeepFlow agent does not cover, and why, from the DaemonSet, the nodes and the agent pods that
 * are not Running (a field-selected list): never from every agent pod, which at 5,000 nodes costs seconds.
 */
import * as l10n from '@vscode/l10n';
import { numberField, recordField, stringField, type KubeObject } from './kubeObject';
import { summarizePod } from './pods';

/** eBPF needs Linux 4.14 or later (ACP-FACTS.md; some RHEL 7 3.10 backports work, which we cannot tell apart). */
export const minimumKernel = { major: 4, minor: 14 } as const;

export interface CoverageGap {
  readonly node: string;
  /** A whole sentence naming the cause: the taint, the selector, the kernel, or the pod's waiting reason. */
  readonly reason: string;
  readonly kind: 'taint' | 'nodeSelector' | 'kernel' | 'pod' | 'nodeNotReady';
}

export interface AgentCoverage {
  readonly nodes: number;
  readonly gaps: CoverageGap[];
  /** Agent pods counted not ready by the DaemonSet whose node the field-selected list cannot name (crash loops). */
  readonly unnamedNotReady: number;
}

interface Taint {
  key: string;
  value?: string;
  effect: string;
}

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

/** The taints the DaemonSet controller tolerates for every daemon pod (kubernetes/pkg/controller/daemon/util). */
const daemonTolerations: readonly Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

function arrayOf<T>(value: unknown, guard: (item: Record<string, unknown>) => boolean): T[] {
  return Array.isArray(value) ? (value.filter((v) => recordField(v) !== undefined && guard(v as Record<string, unknown>)) as T[]) : [];
}

function tolerates(tolerations: readonly Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

/** Parses "5.15.0-91-generic" or "3.10.0-1160.el7.x86_64"; undefined when it is not a version. */
export function kernelBelowMinimum(kernelVersion: string | undefined): boolean {
  const match = /^(\d+)\.(\d+)/.exec(kernelVersion ?? '');
  if (!match) return false;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return major < minimumKernel.major || (major === minimumKernel.major && minor < minimumKernel.minor);
}

export function nodeKernel(node: KubeObject): string | undefined {
  return stringField(recordField(recordField(node.status)?.nodeInfo), 'kernelVersion');
}

/** Keeps what coverage reads of a Node: 5,000 full nodes would hold megabytes of images and annotations. */
export function shrinkNode(node: KubeObject): KubeObject {
  const spec = recordField(node.spec);
  const status = recordField(node.status);
  const conditions = Array.isArray(status?.conditions) ? status.conditions.filter((c) => recordField(c)?.type === 'Ready') : [];
  return {
    apiVersion: node.apiVersion,
    kind: node.kind,
    metadata: { name: node.metadata.name, resourceVersion: node.metadata.resourceVersion, labels: node.metadata.labels },
    spec: { taints: spec?.taints },
    status: { conditions, nodeInfo: { kernelVersion: nodeKernel(node) } },
  };
}

function blockingTaint(node: KubeObject, tolerations: readonly Toleration[]): Taint | undefined {
  const taints = arrayOf<Taint>(recordField(node.spec)?.taints, (t) => typeof t.key === 'string' && typeof t.effect === 'string');
  return taints.find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates([...tolerations, ...daemonTolerations], t));
}

function nodeReady(node: KubeObject): boolean {
  const conditions = recordField(node.status)?.conditions;
  return !Array.isArray(conditions) || conditions.some((c) => recordField(c)?.type === 'Ready' && recordField(c)?.status === 'True');
}

export function agentCoverage(daemonSet: KubeObject | undefined, nodes: readonly KubeObject[], notRunningAgentPods: readonly KubeObject[]): AgentCoverage {
  const podSpec = recordField(recordField(recordField(daemonSet?.spec)?.template)?.spec);
  const selector = (recordField(podSpec?.nodeSelector) ?? {});
  const tolerations = arrayOf<Toleration>(podSpec?.tolerations, () => true);
  const podsByNode = new Map(notRunningAgentPods.map((p) => summarizePod(p)).flatMap((p) => (p.node ? [[p.node, p] as const] : [])));
  const gaps: CoverageGap[] = [];
  for (const node of nodes) {
    const name = node.metadata.name ?? '';
    const labels = node.metadata.labels ?? {};
    const mismatch = Object.entries(selector).find(([key, value]) => labels[key] !== value);
    const taint = blockingTaint(node, tolerations);
    const pod = podsByNode.get(name);
    const kernel = nodeKernel(node);
    if (mismatch) {
      gaps.push({ node: name, kind: 'nodeSelector', reason: l10n.t("The agent's node selector {0} keeps it off this node.", `${mismatch[0]}=${String(mismatch[1])}`) });
    } else if (taint) {
      gaps.push({ node: name, kind: 'taint', reason: l10n.t('The taint {0} keeps the agent off this node.', `${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`) });
    } else if (kernelBelowMinimum(kernel)) {
      gaps.push({ node: name, kind: 'kernel', reason: l10n.t('Kernel {0} is below {1}: the agent cannot use eBPF here.', kernel ?? '', `${minimumKernel.major}.${minimumKernel.minor}`) });
    } else if (pod && !pod.ready) {
      const why = pod.waitingReason ?? pod.phase;
      const reason = pod.waitingMessage
        ? l10n.t('Agent pod {0} is {1}: {2}.', pod.name, why, pod.waitingMessage)
        : l10n.t('Agent pod {0} is {1}.', pod.name, why);
      gaps.push({ node: name, kind: 'pod', reason });
    } else if (!nodeReady(node)) {
      gaps.push({ node: name, kind: 'nodeNotReady', reason: l10n.t('The node is NotReady.') });
    }
  }
  const status = recordField(daemonSet?.status);
  const notReady = Math.max(0, numberField(status, 'desiredNumberScheduled') - numberField(status, 'numberReady'));
  const named = gaps.filter((g) => g.kind === 'pod' || g.kind === 'nodeNotReady').length;
  return { nodes: nodes.length, gaps, unnamedNotReady: daemonSet ? Math.max(0, notReady - named) : 0 };
}
