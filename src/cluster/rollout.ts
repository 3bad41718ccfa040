/**
 * kubectl's `rollout status` rules (kubectl/pkg/polymorphichelpers/rollout_status.go), as pure functions of an
 * object, with kubectl's own messages so users recognise them. `summary` is the short form for progress lines
 * ("deepflow-clickhouse 0/1 ready").
 */
import * as l10n from '@vscode/l10n';
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

/** The short form for progress lines: "deepflow-clickhouse 0/1 ready". */
function readySummary(name: string, ready: number, desired: number): string {
  return l10n.t('{0} {1}/{2} ready', name, ready, desired);
}

function onlyRollingUpdate(summary: string): RolloutStatus {
  const error = l10n.t('rollout status is only available for RollingUpdate strategy type');
  return { done: false, message: error, summary, error };
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
  const summary = readySummary(name, num(status.readyReplicas), replicas ?? current);
  if (generation > num(status.observedGeneration)) {
    return { done: false, message: l10n.t('Waiting for deployment spec update to be observed...'), summary };
  }
  const conditions = Array.isArray(status.conditions) ? status.conditions.map(record) : [];
  const progressing = conditions.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    const error = l10n.t('deployment "{0}" exceeded its progress deadline', name);
    return { done: false, message: error, summary, error };
  }
  if (replicas !== undefined && updated < replicas) {
    return { done: false, message: l10n.t('Waiting for deployment "{0}" rollout to finish: {1} out of {2} new replicas have been updated...', name, updated, replicas), summary };
  }
  if (current > updated) {
    return { done: false, message: l10n.t('Waiting for deployment "{0}" rollout to finish: {1} old replicas are pending termination...', name, current - updated), summary };
  }
  if (available < updated) {
    return { done: false, message: l10n.t('Waiting for deployment "{0}" rollout to finish: {1} of {2} updated replicas are available...', name, available, updated), summary };
  }
  return { done: true, message: l10n.t('deployment "{0}" successfully rolled out', name), summary };
}

/** The API server defaults an empty strategy type to RollingUpdate, so a missing type counts as RollingUpdate. */
function strategyType(spec: Record<string, unknown>): string {
  const type = record(spec.updateStrategy).type;
  return typeof type === 'string' && type !== '' ? type : 'RollingUpdate';
}

export function daemonSetRolloutStatus(obj: KubeObject): RolloutStatus {
  const { name, generation, spec, status } = parts(obj);
  const desired = num(status.desiredNumberScheduled);
  const summary = readySummary(name, num(status.numberReady), desired);
  if (strategyType(spec) !== 'RollingUpdate') return onlyRollingUpdate(summary);
  if (generation > num(status.observedGeneration)) {
    return { done: false, message: l10n.t('Waiting for daemon set spec update to be observed...'), summary };
  }
  const updated = num(status.updatedNumberScheduled);
  if (updated < desired) {
    return { done: false, message: l10n.t('Waiting for daemon set "{0}" rollout to finish: {1} out of {2} new pods have been updated...', name, updated, desired), summary };
  }
  const available = num(status.numberAvailable);
  if (available < desired) {
    return { done: false, message: l10n.t('Waiting for daemon set "{0}" rollout to finish: {1} of {2} updated pods are available...', name, available, desired), summary };
  }
  return { done: true, message: l10n.t('daemon set "{0}" successfully rolled out', name), summary };
}

export function statefulSetRolloutStatus(obj: KubeObject): RolloutStatus {
  const { name, generation, spec, status } = parts(obj);
  const replicas = optionalNum(spec.replicas);
  const ready = num(status.readyReplicas);
  const summary = readySummary(name, ready, replicas ?? num(status.replicas));
  if (strategyType(spec) !== 'RollingUpdate') return onlyRollingUpdate(summary);
  const observed = num(status.observedGeneration);
  if (observed === 0 || generation > observed) {
    return { done: false, message: l10n.t('Waiting for statefulset spec update to be observed...'), summary };
  }
  if (replicas !== undefined && ready < replicas) {
    return { done: false, message: l10n.t('Waiting for {0} pods to be ready...', replicas - ready), summary };
  }
  const updated = num(status.updatedReplicas);
  const rollingUpdate = record(spec.updateStrategy).rollingUpdate;
  if (rollingUpdate !== undefined && rollingUpdate !== null) {
    const partition = optionalNum(record(rollingUpdate).partition);
    if (replicas !== undefined && partition !== undefined && updated < replicas - partition) {
      return { done: false, message: l10n.t('Waiting for partitioned roll out to finish: {0} out of {1} new pods have been updated...', updated, replicas - partition), summary };
    }
    return { done: true, message: l10n.t('partitioned roll out complete: {0} new pods have been updated...', updated), summary };
  }
  const updateRevision = typeof status.updateRevision === 'string' ? status.updateRevision : '';
  const currentRevision = typeof status.currentRevision === 'string' ? status.currentRevision : '';
  if (updateRevision !== currentRevision) {
    return { done: false, message: l10n.t('waiting for statefulset rolling update to complete {0} pods at revision {1}...', updated, updateRevision), summary };
  }
  return { done: true, message: l10n.t('statefulset rolling update complete {0} pods at revision {1}...', num(status.currentReplicas), currentRevision), summary };
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
      const error = l10n.t('no rollout status for kind {0}', obj.kind);
      return { done: false, message: error, summary: obj.metadata.name ?? '', error };
    }
  }
}
