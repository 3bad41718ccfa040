import { conditionsOf, numberField, recordField, stringField, type Condition, type KubeObject } from './kubeObject';
import { comparePods, type PodSummary } from './pods';

/** Where DeepFlow and its ACP prerequisites live. */
export const deepflowNamespace = 'cpaas-system';

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

/** One workload of the DeepFlow chart, as the components view lists it. */
export interface ComponentSpec {
  readonly name: string;
  readonly kind: WorkloadKind;
  readonly description: string;
}

/** The chart's six workloads (ACP-FACTS.md), in the order an engineer checks them: storage first, agent last. */
export const deepflowComponents: readonly ComponentSpec[] = [
  { name: 'deepflow-mysql', kind: 'Deployment', description: 'metadata store' },
  { name: 'deepflow-clickhouse', kind: 'StatefulSet', description: 'flow and trace store' },
  { name: 'deepflow-server', kind: 'Deployment', description: 'ingester and querier' },
  { name: 'deepflow-app', kind: 'Deployment', description: 'tracing API' },
  { name: 'deepflow-grafana', kind: 'Deployment', description: 'dashboards' },
  { name: 'deepflow-agent', kind: 'DaemonSet', description: 'eBPF agent on every node' },
];

export type PrerequisiteName = 'nfsPlugin' | 'storageClass' | 'application' | 'ingress';

/** The objects the guide creates before and around the chart; each one's readiness rule is in `prerequisiteState`. */
export interface PrerequisiteSpec {
  readonly id: PrerequisiteName;
  readonly label: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export const deepflowPrerequisites: readonly PrerequisiteSpec[] = [
  { id: 'nfsPlugin', label: 'NFS CSI plugin (ars/nfs)', apiVersion: 'operator.alauda.io/v1alpha1', kind: 'AppRelease', name: 'nfs', namespace: deepflowNamespace },
  { id: 'storageClass', label: 'Storage class nfs', apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: 'nfs' },
  { id: 'application', label: 'Application deepflow', apiVersion: 'app.k8s.io/v1beta1', kind: 'Application', name: 'deepflow', namespace: deepflowNamespace },
  { id: 'ingress', label: 'Ingress deepflow-grafana', apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'deepflow-grafana', namespace: deepflowNamespace },
];

export type Readiness = 'ready' | 'progressing' | 'failing' | 'missing';

export interface State {
  readonly readiness: Readiness;
  /** A short text for the tree item's description, e.g. "2/3 ready" or "Health=False: ChartNotFound". */
  readonly detail: string;
}

export interface ComponentState extends State {
  readonly spec: ComponentSpec;
  readonly ready: number;
  readonly desired: number;
  /** The workload's status conditions, for the tooltip. */
  readonly conditions?: readonly Condition[];
  /** Pods that are not ready, failing ones first (for the agent: only those not Running). */
  readonly problemPods?: readonly PodSummary[];
}

/**
 * Readiness of one chart workload from its status alone, without listing pods: at 5,000 nodes the agent's
 * DaemonSet status holds the counts, and listing its pods would cost seconds (SIMULATOR-FACTS.md).
 */
export function componentState(spec: ComponentSpec, workload: KubeObject | undefined, pods: readonly PodSummary[] = []): ComponentState {
  if (!workload) return { spec, readiness: 'missing', detail: 'not installed', ready: 0, desired: 0 };
  const status = recordField(workload.status);
  const desired =
    spec.kind === 'DaemonSet' ? numberField(status, 'desiredNumberScheduled') : numberField(recordField(workload.spec), 'replicas');
  const ready = spec.kind === 'DaemonSet' ? numberField(status, 'numberReady') : numberField(status, 'readyReplicas');
  const conditions = conditionsOf(workload);
  const problemPods = pods.filter((p) => !p.ready).sort(comparePods);
  const base = { spec, ready, desired, conditions, problemPods };
  const counts = `${ready}/${desired} ready`;
  const failingPod = problemPods.find((p) => p.failing);
  if (failingPod) return { ...base, readiness: 'failing', detail: `${counts}: ${failingPod.waitingReason ?? failingPod.phase}` };
  const stalled = conditions.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
  if (stalled) return { ...base, readiness: 'failing', detail: `${counts}: progress deadline exceeded` };
  if (desired > 0 && ready >= desired) return { ...base, readiness: 'ready', detail: counts };
  return { ...base, readiness: 'progressing', detail: counts };
}

export interface PrerequisiteState extends State {
  readonly spec: PrerequisiteSpec;
  /** More for the tooltip: the Application's status message, the Ingress URL path. */
  readonly note?: string;
}

/** Readiness rules from ACP-FACTS.md: ars Health=True, the Application's spec.assemblyPhase, the rest by existence. */
export function prerequisiteState(spec: PrerequisiteSpec, obj: KubeObject | undefined): PrerequisiteState {
  if (!obj) return { spec, readiness: 'missing', detail: 'not created' };
  switch (spec.id) {
    case 'nfsPlugin': {
      const health = conditionsOf(obj).find((c) => c.type === 'Health');
      if (health?.status === 'True') return { spec, readiness: 'ready', detail: 'Health=True' };
      const why = health?.reason ?? health?.message;
      const detail = health ? `Health=${health.status}${why ? `: ${why}` : ''}` : 'waiting for Health';
      return { spec, readiness: health?.status === 'False' && health.reason ? 'failing' : 'progressing', detail };
    }
    case 'application': {
      const phase = stringField(recordField(obj.spec), 'assemblyPhase');
      if (phase === 'Succeeded') return { spec, readiness: 'ready', detail: 'Succeeded' };
      if (phase === 'Failed') return { spec, readiness: 'failing', detail: 'Failed', note: stringField(recordField(obj.status), 'message') };
      return { spec, readiness: 'progressing', detail: phase ?? 'Pending' };
    }
    case 'ingress': {
      const path = ingressPath(obj);
      return { spec, readiness: 'ready', detail: path ? `present: ${path}` : 'present', note: path ? `Grafana is served under ${path} on the platform's address.` : undefined };
    }
    case 'storageClass':
      return { spec, readiness: 'ready', detail: 'present' };
  }
}

/** The first rule's path without its nginx regex tail: "/clusters/c1/deepflow($|/)(.*)" → "/clusters/c1/deepflow/". */
export function ingressPath(ingress: KubeObject): string | undefined {
  const rules = recordField(ingress.spec)?.rules;
  const rule = Array.isArray(rules) ? recordField(rules[0]) : undefined;
  const paths = recordField(rule?.http)?.paths;
  const raw = stringField(Array.isArray(paths) ? recordField(paths[0]) : undefined, 'path');
  if (!raw) return undefined;
  const host = stringField(rule, 'host');
  const path = raw.replace(/\(\$\|\/\)\(\.\*\)$/, '/');
  return host ? `https://${host}${path}` : path;
}
