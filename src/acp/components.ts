import * as l10n from '@vscode/l10n';
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

/**
 * The chart's six workloads (ACP-FACTS.md), in the order an engineer checks them: storage first, agent last.
 * Descriptions are getters so each is localized when it is shown, not when this module loads.
 */
export const deepflowComponents: readonly ComponentSpec[] = [
  { name: 'deepflow-mysql', kind: 'Deployment', get description() { return l10n.t({ message: 'metadata store', args: [], comment: ['what the deepflow-mysql component does'] }); } },
  { name: 'deepflow-clickhouse', kind: 'StatefulSet', get description() { return l10n.t({ message: 'flow and trace store', args: [], comment: ['what the deepflow-clickhouse component does'] }); } },
  { name: 'deepflow-server', kind: 'Deployment', get description() { return l10n.t({ message: 'ingester and querier', args: [], comment: ['what the deepflow-server component does'] }); } },
  { name: 'deepflow-app', kind: 'Deployment', get description() { return l10n.t({ message: 'tracing API', args: [], comment: ['what the deepflow-app component does'] }); } },
  { name: 'deepflow-grafana', kind: 'Deployment', get description() { return l10n.t({ message: 'dashboards', args: [], comment: ['what the deepflow-grafana component does'] }); } },
  { name: 'deepflow-agent', kind: 'DaemonSet', get description() { return l10n.t({ message: 'eBPF agent on every node', args: [], comment: ['what the deepflow-agent component does'] }); } },
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

// The labels that are words are getters, localized when shown; "Application deepflow" and "Ingress deepflow-grafana"
// are a kind and a name, the same in every language.
export const deepflowPrerequisites: readonly PrerequisiteSpec[] = [
  { id: 'nfsPlugin', get label() { return l10n.t('NFS CSI plugin (ars/nfs)'); }, apiVersion: 'operator.alauda.io/v1alpha1', kind: 'AppRelease', name: 'nfs', namespace: deepflowNamespace },
  { id: 'storageClass', get label() { return l10n.t('Storage class nfs'); }, apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: 'nfs' },
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
  if (!workload) return { spec, readiness: 'missing', detail: l10n.t('not installed'), ready: 0, desired: 0 };
  const status = recordField(workload.status);
  const desired =
    spec.kind === 'DaemonSet' ? numberField(status, 'desiredNumberScheduled') : numberField(recordField(workload.spec), 'replicas');
  const ready = spec.kind === 'DaemonSet' ? numberField(status, 'numberReady') : numberField(status, 'readyReplicas');
  const conditions = conditionsOf(workload);
  const problemPods = pods.filter((p) => !p.ready).sort(comparePods);
  const base = { spec, ready, desired, conditions, problemPods };
  const counts = l10n.t('{0}/{1} ready', ready, desired);
  const failingPod = problemPods.find((p) => p.failing);
  if (failingPod) return { ...base, readiness: 'failing', detail: l10n.t('{0}/{1} ready: {2}', ready, desired, failingPod.waitingReason ?? failingPod.phase) };
  const stalled = conditions.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
  if (stalled) return { ...base, readiness: 'failing', detail: l10n.t('{0}/{1} ready: progress deadline exceeded', ready, desired) };
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
  if (!obj) return { spec, readiness: 'missing', detail: l10n.t('not created') };
  switch (spec.id) {
    case 'nfsPlugin': {
      const health = conditionsOf(obj).find((c) => c.type === 'Health');
      if (health?.status === 'True') return { spec, readiness: 'ready', detail: 'Health=True' };
      const why = health?.reason ?? health?.message;
      const detail = health ? `Health=${health.status}${why ? `: ${why}` : ''}` : l10n.t('waiting for Health');
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
      return {
        spec,
        readiness: 'ready',
        detail: path ? l10n.t('present: {0}', path) : l10n.t('present'),
        note: path ? l10n.t("Grafana is served under {0} on the platform's address.", path) : undefined,
      };
    }
    case 'storageClass':
      return { spec, readiness: 'ready', detail: l10n.t('present') };
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
