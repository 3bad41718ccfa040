/**
 * kubectl's `rollout status` rules (kubectl/pkg/polymorphichelpers/rollout_status.go), as pure functions of an
 * object, with kubectl's own messages so users recognise them. `summary` is the short form for progress lines
 * ("deepflow-clickhouse 0/1 ready").
 */
import type { KubeObject } from './types';

export type RolloutKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

export interface RolloutStatus {
  done: boolean;
  /** kubectl's message, without its trailing newline. */
  message: string;
  summary: string;
  /** Set when the rollout can never finish as asked (progress deadline exceeded, unsupported strategy). */
  error?: string;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** Status counters are omitted when zero (omitempty), so a missing number is 0. */
function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

function optionalNum(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

interface Parts {
  name: string;
  generation: number;
  spec: Record<string, unknown>;
  status: Record<string, unknown>;
}

function parts(obj: KubeObject): Parts {
  return { name: obj.metadata.name ?? '', generation: num(obj.metadata.generation), spec: record(obj.spec), status: record(obj.status) };
}

export function deploymentRolloutStatus(obj: KubeObject): RolloutStatus {
  const { name, generation, spec, status } = parts(obj);
  const replicas = optionalNum(spec.replicas);
  const updated = num(status.updatedReplicas);
  const current = num(status.replicas);
  const available = num(status.availableReplicas);
  const summary = `${name} ${num(status.readyReplicas)}/${replicas ?? current} ready`;
  if (generation > num(status.observedGeneration)) {
    return { done: false, message: 'Waiting for deployment spec update to be observed...', summary };
  }
  const conditions = Array.isArray(status.conditions) ? status.conditions.map(record) : [];
  const progressing = conditions.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    const error = `deployment "${name}" exceeded its progress deadline`;
    return { done: false, message: error, summary, error };
  }
  if (replicas !== undefined && updated < replicas) {
    return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${replicas} new replicas have been updated...`, summary };
  }
  if (current > updated) {
    return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${current - updated} old replicas are pending termination...`, summary };
  }
  if (available < updated) {
    return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`, summary };
  }
  return { done: true, message: `deployment "${name}" successfully rolled out`, summary };
}

/** The API server defaults an empty strategy type to RollingUpdate, so a missing type counts as RollingUpdate. */
function strategyType(spec: Record<string, unknown>): string {
  const type = record(spec.updateStrategy).type;
  return typeof type === 'string' && type !== '' ? type : 'RollingUpdate';
}

export function daemonSetRolloutStatus(obj: KubeObject): RolloutStatus {
  const { name, generation, spec, status } = parts(obj);
  const desired = num(status.desiredNumberScheduled);
  const summary = `${name} ${num(status.numberReady)}/${desired} ready`;
  if (strategyType(spec) !== 'RollingUpdate') {
    const error = 'rollout status is only available for RollingUpdate strategy type';
    return { done: false, message: error, summary, error };
  }
  if (generation > num(status.observedGeneration)) {
    return { done: false, message: 'Waiting for daemon set spec update to be observed...', summary };
  }
  const updated = num(status.updatedNumberScheduled);
  if (updated < desired) {
    return { done: false, message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`, summary };
  }
  const available = num(status.numberAvailable);
  if (available < desired) {
    return { done: false, message: `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`, summary };
  }
  return { done: true, message: `daemon set "${name}" successfully rolled out`, summary };
}

export function statefulSetRolloutStatus(obj: KubeObject): RolloutStatus {
  const { name, generation, spec, status } = parts(obj);
  const replicas = optionalNum(spec.replicas);
  const ready = num(status.readyReplicas);
  const summary = `${name} ${ready}/${replicas ?? num(status.replicas)} ready`;
  if (strategyType(spec) !== 'RollingUpdate') {
    const error = 'rollout status is only available for RollingUpdate strategy type';
    return { done: false, message: error, summary, error };
  }
  const observed = num(status.observedGeneration);
  if (observed === 0 || generation > observed) {
    return { done: false, message: 'Waiting for statefulset spec update to be observed...', summary };
  }
  if (replicas !== undefined && ready < replicas) {
    return { done: false, message: `Waiting for ${replicas - ready} pods to be ready...`, summary };
  }
  const updated = num(status.updatedReplicas);
  const rollingUpdate = record(spec.updateStrategy).rollingUpdate;
  if (rollingUpdate !== undefined && rollingUpdate !== null) {
    const partition = optionalNum(record(rollingUpdate).partition);
    if (replicas !== undefined && partition !== undefined && updated < replicas - partition) {
      return { done: false, message: `Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...`, summary };
    }
    return { done: true, message: `partitioned roll out complete: ${updated} new pods have been updated...`, summary };
  }
  const updateRevision = typeof status.updateRevision === 'string' ? status.updateRevision : '';
  const currentRevision = typeof status.currentRevision === 'string' ? status.currentRevision : '';
  if (updateRevision !== currentRevision) {
    return { done: false, message: `waiting for statefulset rolling update to complete ${updated} pods at revision ${updateRevision}...`, summary };
  }
  return { done: true, message: `statefulset rolling update complete ${num(status.currentReplicas)} pods at revision ${currentRevision}...`, summary };
}

export function rolloutStatus(obj: KubeObject): RolloutStatus {
  switch (obj.kind) {
    case 'Deployment':
      return deploymentRolloutStatus(obj);
    case 'StatefulSet':
      return statefulSetRolloutStatus(obj);
    case 'DaemonSet':
      return daemonSetRolloutStatus(obj);
    default: {
      const error = `no rollout status for kind ${obj.kind}`;
      return { done: false, message: error, summary: obj.metadata.name ?? '', error };
    }
  }
}
