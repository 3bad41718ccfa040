import type { ClusterCache, InformerSpec } from '../cluster/cache';
import type { ClusterClient } from '../cluster/client';
import { agentCoverage, shrinkNode, type AgentCoverage } from './agentCoverage';
import {
  componentState,
  deepflowComponents,
  deepflowNamespace,
  deepflowPrerequisites,
  prerequisiteState,
  type ComponentState,
  type PrerequisiteState,
  type WorkloadKind,
} from './components';
import type { KubeObject } from './kubeObject';
import { summarizePod, type PodSummary } from './pods';

/** The reads the status needs; the cluster layer implements it (ClusterClient, our own HTTP and credentials). */
export interface ObjectReader {
  /** Resolves undefined when the object does not exist (404). */
  get(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject | undefined>;
  list(apiVersion: string, kind: string, namespace: string, labelSelector: string): Promise<KubeObject[]>;
}

export interface DeepflowStatus {
  readonly prerequisites: PrerequisiteState[];
  readonly components: ComponentState[];
  /** Nodes the agent does not cover; only from the watch cache, which keeps the nodes. */
  readonly coverage?: AgentCoverage;
}

const workloadKinds: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet'];
/** Every chart workload and pod carries these labels (ACP-FACTS.md). */
export const deepflowLabel = 'app=deepflow';
export const agentComponent = 'deepflow-agent';
const agentSelector = `${deepflowLabel},component=${agentComponent}`;

function statusFrom(
  prerequisiteObjects: readonly (KubeObject | undefined)[],
  workloadLists: readonly KubeObject[][],
  podsOf: (component: string) => PodSummary[],
): DeepflowStatus {
  // List items often arrive without kind, so find each workload in the list of its own kind.
  const workloadOf = (kind: WorkloadKind, name: string): KubeObject | undefined =>
    workloadLists[workloadKinds.indexOf(kind)]?.find((w) => w.metadata.name === name);
  return {
    prerequisites: deepflowPrerequisites.map((spec, i) => prerequisiteState(spec, prerequisiteObjects[i])),
    components: deepflowComponents.map((spec) => componentState(spec, workloadOf(spec.kind, spec.name), podsOf(spec.name))),
  };
}

/**
 * One snapshot of everything the components view shows: three label-selected workload lists and four gets,
 * all in parallel. The chart labels every workload `app=deepflow`. (The benchmark's baseline; the extension reads
 * the watch cache instead.)
 */
export async function readDeepflowStatus(reader: ObjectReader): Promise<DeepflowStatus> {
  const [prerequisiteObjects, workloadLists] = await Promise.all([
    Promise.all(deepflowPrerequisites.map((p) => reader.get(p.apiVersion, p.kind, p.name, p.namespace))),
    Promise.all(workloadKinds.map((kind) => reader.list('apps/v1', kind, deepflowNamespace, deepflowLabel))),
  ]);
  return statusFrom(prerequisiteObjects, workloadLists, () => []);
}

/** Cache keys of the informers below. */
export const cacheKeys = {
  prerequisite: (id: string) => `prerequisite/${id}`,
  workloads: (kind: WorkloadKind) => `workloads/${kind}`,
  /** Pods of the five non-agent components: a handful. */
  componentPods: 'pods/components',
  /** Agent pods that are not Running (Pending, Failed): field-selected, so a healthy 5,000-node cluster has none. */
  agentPodsNotRunning: 'pods/agentNotRunning',
  nodes: 'nodes',
} as const;

/** What the watch cache keeps for the view, each collection narrowed by a name, label or field selector. */
export const deepflowInformers: readonly InformerSpec[] = [
  ...deepflowPrerequisites.map((p) => ({
    key: cacheKeys.prerequisite(p.id),
    ref: { apiVersion: p.apiVersion, kind: p.kind, namespace: p.namespace },
    fieldSelector: `metadata.name=${p.name}`,
  })),
  ...workloadKinds.map((kind) => ({
    key: cacheKeys.workloads(kind),
    ref: { apiVersion: 'apps/v1', kind, namespace: deepflowNamespace },
    labelSelector: deepflowLabel,
  })),
  { key: cacheKeys.componentPods, ref: { apiVersion: 'v1', kind: 'Pod', namespace: deepflowNamespace }, labelSelector: `${deepflowLabel},component!=${agentComponent}` },
  {
    key: cacheKeys.agentPodsNotRunning,
    ref: { apiVersion: 'v1', kind: 'Pod', namespace: deepflowNamespace },
    labelSelector: agentSelector,
    fieldSelector: 'status.phase!=Running',
  },
  { key: cacheKeys.nodes, ref: { apiVersion: 'v1', kind: 'Node' }, shrink: shrinkNode },
];

/** The label selector of one component's pods (for paging the agent's). */
export function componentPodSelector(component: string): string {
  return `${deepflowLabel},component=${component}`;
}

/** The pods the cache holds for a component: all of them, except for the agent (only those not Running). */
export function cachedPods(cache: ClusterCache, component: string): PodSummary[] {
  const objects = component === agentComponent ? cache.objects(cacheKeys.agentPodsNotRunning) : cache.objects(cacheKeys.componentPods);
  return objects.filter((p) => p.metadata.labels?.component === component).map(summarizePod);
}

/** The status from the watch cache alone: no request. Call after `cache.whenReady()`. */
export function deepflowStatusFromCache(cache: ClusterCache): DeepflowStatus {
  const single = (id: string): KubeObject | undefined => cache.objects(cacheKeys.prerequisite(id))[0];
  const status = statusFrom(
    deepflowPrerequisites.map((p) => single(p.id)),
    workloadKinds.map((kind) => cache.objects(cacheKeys.workloads(kind))),
    (component) => cachedPods(cache, component),
  );
  const agent = cache.objects(cacheKeys.workloads('DaemonSet')).find((d) => d.metadata.name === agentComponent);
  const coverage = agent ? agentCoverage(agent, cache.objects(cacheKeys.nodes), cache.objects(cacheKeys.agentPodsNotRunning)) : undefined;
  return { ...status, coverage };
}

/** Whether anything of DeepFlow is on the cluster: the Application or any chart workload. */
export function deepflowPresent(status: DeepflowStatus): boolean {
  return status.components.some((c) => c.readiness !== 'missing') || status.prerequisites.some((p) => p.spec.id === 'application' && p.readiness !== 'missing');
}

/** How many agent pods one "Show more" brings: never all 5,000 at once. */
export const agentPodPageSize = 100;

/** One page of the agent's pods, straight from the server (the cache keeps only those not Running). */
export async function agentPodPage(client: ClusterClient, continueToken: string | undefined, signal?: AbortSignal): Promise<{ pods: PodSummary[]; continueToken: string | undefined }> {
  const list = await client.list(
    { apiVersion: 'v1', kind: 'Pod', namespace: deepflowNamespace },
    { labelSelector: componentPodSelector(agentComponent), limit: agentPodPageSize, continue: continueToken, signal },
  );
  return { pods: list.items.map(summarizePod), continueToken: list.metadata.continue };
}
