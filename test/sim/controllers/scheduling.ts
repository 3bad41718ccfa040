/**
 * The two placement rules of kube-scheduler and the DaemonSet controller that a node can break by itself: the pod's
 * nodeSelector, and the node's NoSchedule/NoExecute taints against the pod's tolerations. Affinity, resources and
 * ports are not simulated: every node has room. Messages are kube-scheduler's own wording, so a FailedScheduling
 * event reads as it does on a real cluster.
 *
 * The toleration rules are written here again, apart from src/acp/agentCoverage.ts, on purpose: the simulator stands
 * in for the cluster, and a rule shared with the code under test would hide the bug it is there to catch.
 */
import type { KubeObject } from '../contract';
import { record, str } from './runtime';

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

/** The tolerations the DaemonSet controller adds to every daemon pod (kubernetes/pkg/controller/daemon/util). */
const daemonTolerations: readonly Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

function taintsOf(node: KubeObject): Taint[] {
  const taints = record(node.spec).taints;
  return Array.isArray(taints) ? taints.map(record).filter((t) => typeof t.key === 'string' && typeof t.effect === 'string').map((t) => t as unknown as Taint) : [];
}

function tolerationsOf(podSpec: Record<string, unknown>, daemon: boolean): Toleration[] {
  const own = Array.isArray(podSpec.tolerations) ? podSpec.tolerations.map((t) => record(t) as Toleration) : [];
  return daemon ? [...own, ...daemonTolerations] : own;
}

function tolerates(tolerations: readonly Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

export interface Placement {
  /** The pod may be placed on the node (the scheduler's filters pass). */
  fits: boolean;
  /** A pod already there may stay: only a NoExecute taint or a changed selector evicts (the DaemonSet rule). */
  mayStay: boolean;
  /** An untolerated NoExecute taint: the taint manager evicts any pod already there. */
  evicts: boolean;
  /** kube-scheduler's reason when it does not fit, e.g. "node(s) had untolerated taint {dedicated: gpu}". */
  reason?: string;
}

export function placement(node: KubeObject, podSpec: Record<string, unknown>, daemon: boolean): Placement {
  const selector = record(podSpec.nodeSelector);
  const labels = node.metadata.labels ?? {};
  if (Object.entries(selector).some(([k, v]) => labels[k] !== str(v))) {
    return { fits: false, mayStay: false, evicts: false, reason: "node(s) didn't match Pod's node affinity/selector" };
  }
  const tolerations = tolerationsOf(podSpec, daemon);
  const blocking = taintsOf(node).filter((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(tolerations, t));
  const first = blocking[0];
  if (!first) return { fits: true, mayStay: true, evicts: false };
  const evicts = blocking.some((t) => t.effect === 'NoExecute');
  return { fits: false, mayStay: !evicts, evicts, reason: `node(s) had untolerated taint {${first.key}: ${first.value ?? ''}}` };
}

/** kube-scheduler's FailedScheduling message: "0/3 nodes are available: 3 node(s) had untolerated taint {…}. preemption: …". */
export function unschedulableMessage(nodes: readonly KubeObject[], podSpec: Record<string, unknown>): string {
  const counts = new Map<string, number>();
  for (const node of nodes) {
    const reason = placement(node, podSpec, false).reason;
    if (reason) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const reasons = [...counts.entries()].map(([reason, n]) => `${n} ${reason}`).sort();
  const total = nodes.length;
  if (total === 0) return 'no nodes available to schedule pods';
  return `0/${total} nodes are available: ${reasons.join(', ')}. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
}
