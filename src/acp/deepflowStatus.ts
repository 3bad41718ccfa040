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

/** The reads the status needs; the cluster layer implements it over client-node. */
export interface ObjectReader {
  /** Resolves undefined when the object does not exist (404). */
  get(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject | undefined>;
  list(apiVersion: string, kind: string, namespace: string, labelSelector: string): Promise<KubeObject[]>;
}

export interface DeepflowStatus {
  readonly prerequisites: PrerequisiteState[];
  readonly components: ComponentState[];
}

const workloadKinds: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet'];

/**
 * One snapshot of everything the components view shows: three label-selected workload lists and four gets,
 * all in parallel. The chart labels every workload `app=deepflow`.
 */
export async function readDeepflowStatus(reader: ObjectReader): Promise<DeepflowStatus> {
  const [prerequisiteObjects, workloadLists] = await Promise.all([
    Promise.all(deepflowPrerequisites.map((p) => reader.get(p.apiVersion, p.kind, p.name, p.namespace))),
    Promise.all(workloadKinds.map((kind) => reader.list('apps/v1', kind, deepflowNamespace, 'app=deepflow'))),
  ]);
  // List items often arrive without kind, so find each workload in the list of its own kind.
  const workloadOf = (kind: WorkloadKind, name: string): KubeObject | undefined =>
    workloadLists[workloadKinds.indexOf(kind)]?.find((w) => w.metadata.name === name);
  return {
    prerequisites: deepflowPrerequisites.map((spec, i) => prerequisiteState(spec, prerequisiteObjects[i])),
    components: deepflowComponents.map((spec) =>
      componentState(spec, workloadOf(spec.kind, spec.name)),
    ),
  };
}
