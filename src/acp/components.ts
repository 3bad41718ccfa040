import { conditionsOf, numberField, recordField, stringField, type KubeObject } from './kubeObject';

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
}

/**
 * Readiness of one chart workload from its status alone, without listing pods: at 5,000 nodes the agent's
 * DaemonSet status holds the counts, and listing its pods would cost seconds (SIMULATOR-FACTS.md).
 */
export function componentState(spec: ComponentSpec, workload: KubeObject | undefined): ComponentState {
  if (!workload) return { spec, readiness: 'missing', detail: 'not installed', ready: 0, desired: 0 };
  const status = recordField(workload.status);
  const desired =
    spec.kind === 'DaemonSet' ? numberField(status, 'desiredNumberScheduled') : numberField(recordField(workload.spec), 'replicas');
  const ready = spec.kind === 'DaemonSet' ? numberField(status, 'numberReady') : numberField(status, 'readyReplicas');
  const counts = `${ready}/${desired} ready`;
  const stalled = conditionsOf(workload).find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
  if (stalled) return { spec, readiness: 'failing', detail: `${counts}: progress deadline exceeded`, ready, desired };
  if (desired > 0 && ready >= desired) return { spec, readiness: 'ready', detail: counts, ready, desired };
  return { spec, readiness: 'progressing', detail: counts, ready, desired };
}

export interface PrerequisiteState extends State {
  readonly spec: PrerequisiteSpec;
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
      if (phase === 'Failed') return { spec, readiness: 'failing', detail: 'Failed' };
      return { spec, readiness: 'progressing', detail: phase ?? 'Pending' };
    }
    case 'storageClass':
    case 'ingress':
      return { spec, readiness: 'ready', detail: 'present' };
  }
}
