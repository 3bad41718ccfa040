import assert from 'node:assert/strict';
import { daemonSetRolloutStatus, deploymentRolloutStatus, rolloutStatus, statefulSetRolloutStatus } from '../../src/cluster/rollout';
import { conditionCheck, fieldCheck, rolloutCheck } from '../../src/cluster/waits';
import type { KubeObject } from '../../src/cluster/types';

function workload(kind: string, name: string, generation: number, spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject {
  return { apiVersion: 'apps/v1', kind, metadata: { name, namespace: 'cpaas-system', generation }, spec, status };
}

describe('rollout rules (kubectl rollout status)', () => {
  describe('Deployment', () => {
    const deploy = (generation: number, replicas: number | undefined, status: Record<string, unknown>): KubeObject =>
      workload('Deployment', 'deepflow-server', generation, replicas === undefined ? {} : { replicas }, status);

    it('waits for the spec update to be observed', () => {
      const s = deploymentRolloutStatus(deploy(2, 1, { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }));
      assert.equal(s.done, false);
      assert.equal(s.message, 'Waiting for deployment spec update to be observed...');
    });

    it('reports new replicas not yet updated', () => {
      const s = deploymentRolloutStatus(deploy(3, 3, { observedGeneration: 3, replicas: 3, updatedReplicas: 1 }));
      assert.equal(s.message, 'Waiting for deployment "deepflow-server" rollout to finish: 1 out of 3 new replicas have been updated...');
      assert.equal(s.done, false);
    });

    it('reports old replicas pending termination', () => {
      const s = deploymentRolloutStatus(deploy(3, 2, { observedGeneration: 3, replicas: 3, updatedReplicas: 2, availableReplicas: 2 }));
      assert.equal(s.message, 'Waiting for deployment "deepflow-server" rollout to finish: 1 old replicas are pending termination...');
    });

    it('reports updated replicas not yet available', () => {
      const s = deploymentRolloutStatus(deploy(1, 2, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 1, readyReplicas: 1 }));
      assert.equal(s.message, 'Waiting for deployment "deepflow-server" rollout to finish: 1 of 2 updated replicas are available...');
      assert.equal(s.summary, 'deepflow-server 1/2 ready');
    });

    it('is done when all replicas are updated and available', () => {
      const s = deploymentRolloutStatus(deploy(1, 2, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2, readyReplicas: 2 }));
      assert.deepEqual([s.done, s.message, s.error], [true, 'deployment "deepflow-server" successfully rolled out', undefined]);
    });

    it('fails when the progress deadline is exceeded', () => {
      const s = deploymentRolloutStatus(
        deploy(1, 1, { observedGeneration: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }),
      );
      assert.equal(s.error, 'deployment "deepflow-server" exceeded its progress deadline');
      assert.equal(s.done, false);
    });

    it('treats omitted (zero) counters as 0, as the API omits them', () => {
      const s = deploymentRolloutStatus(deploy(1, 1, { observedGeneration: 1 }));
      assert.equal(s.message, 'Waiting for deployment "deepflow-server" rollout to finish: 0 out of 1 new replicas have been updated...');
      assert.equal(s.summary, 'deepflow-server 0/1 ready');
    });

    it('skips the replica check when spec.replicas is absent, like kubectl', () => {
      assert.equal(deploymentRolloutStatus(deploy(1, undefined, { observedGeneration: 1 })).done, true);
    });
  });

  describe('StatefulSet', () => {
    const sts = (spec: Record<string, unknown>, status: Record<string, unknown>, generation = 1): KubeObject =>
      workload('StatefulSet', 'deepflow-clickhouse', generation, spec, status);

    it('refuses the OnDelete strategy', () => {
      const s = statefulSetRolloutStatus(sts({ replicas: 1, updateStrategy: { type: 'OnDelete' } }, { observedGeneration: 1 }));
      assert.equal(s.error, 'rollout status is only available for RollingUpdate strategy type');
    });

    it('waits while observedGeneration is 0 or behind', () => {
      assert.equal(statefulSetRolloutStatus(sts({ replicas: 1 }, {})).message, 'Waiting for statefulset spec update to be observed...');
      assert.equal(statefulSetRolloutStatus(sts({ replicas: 1 }, { observedGeneration: 1 }, 2)).message, 'Waiting for statefulset spec update to be observed...');
    });

    it('waits for pods to be ready', () => {
      const s = statefulSetRolloutStatus(sts({ replicas: 3, updateStrategy: { type: 'RollingUpdate' } }, { observedGeneration: 1, readyReplicas: 1 }));
      assert.equal(s.message, 'Waiting for 2 pods to be ready...');
      assert.equal(s.summary, 'deepflow-clickhouse 1/3 ready');
    });

    it('follows a partitioned rolling update', () => {
      const spec = { replicas: 4, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } };
      const waiting = statefulSetRolloutStatus(sts(spec, { observedGeneration: 1, readyReplicas: 4, updatedReplicas: 1 }));
      assert.equal(waiting.message, 'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...');
      const done = statefulSetRolloutStatus(sts(spec, { observedGeneration: 1, readyReplicas: 4, updatedReplicas: 2 }));
      assert.deepEqual([done.done, done.message], [true, 'partitioned roll out complete: 2 new pods have been updated...']);
    });

    it('compares updateRevision with currentRevision when there is no rollingUpdate block', () => {
      const spec = { replicas: 2, updateStrategy: { type: 'RollingUpdate' } };
      const waiting = statefulSetRolloutStatus(sts(spec, { observedGeneration: 1, readyReplicas: 2, updatedReplicas: 1, updateRevision: 'ch-2', currentRevision: 'ch-1' }));
      assert.equal(waiting.message, 'waiting for statefulset rolling update to complete 1 pods at revision ch-2...');
      const done = statefulSetRolloutStatus(sts(spec, { observedGeneration: 1, readyReplicas: 2, currentReplicas: 2, updateRevision: 'ch-2', currentRevision: 'ch-2' }));
      assert.deepEqual([done.done, done.message], [true, 'statefulset rolling update complete 2 pods at revision ch-2...']);
    });
  });

  describe('DaemonSet', () => {
    const ds = (status: Record<string, unknown>, strategy = 'RollingUpdate', generation = 1): KubeObject =>
      workload('DaemonSet', 'deepflow-agent', generation, { updateStrategy: { type: strategy } }, status);

    it('refuses the OnDelete strategy', () => {
      assert.equal(daemonSetRolloutStatus(ds({ observedGeneration: 1 }, 'OnDelete')).error, 'rollout status is only available for RollingUpdate strategy type');
    });

    it('waits for the spec update to be observed', () => {
      assert.equal(daemonSetRolloutStatus(ds({ observedGeneration: 1 }, 'RollingUpdate', 2)).message, 'Waiting for daemon set spec update to be observed...');
    });

    it('waits for pods to be updated, then available', () => {
      const updating = daemonSetRolloutStatus(ds({ observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 1, numberReady: 1 }));
      assert.equal(updating.message, 'Waiting for daemon set "deepflow-agent" rollout to finish: 1 out of 3 new pods have been updated...');
      assert.equal(updating.summary, 'deepflow-agent 1/3 ready');
      const available = daemonSetRolloutStatus(ds({ observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 }));
      assert.equal(available.message, 'Waiting for daemon set "deepflow-agent" rollout to finish: 2 of 3 updated pods are available...');
    });

    it('is done when every desired pod is updated and available', () => {
      const s = daemonSetRolloutStatus(ds({ observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3, numberReady: 3 }));
      assert.deepEqual([s.done, s.message], [true, 'daemon set "deepflow-agent" successfully rolled out']);
    });
  });

  it('rolloutStatus dispatches on kind and refuses other kinds', () => {
    assert.equal(rolloutStatus(workload('DaemonSet', 'a', 1, {}, { observedGeneration: 1 })).done, true);
    assert.match(rolloutStatus(workload('Job', 'j', 1, {}, {})).error ?? '', /no rollout status for kind Job/);
  });
});

describe('wait checks', () => {
  const ref = { apiVersion: 'operator.alauda.io/v1alpha1', kind: 'AppRelease', namespace: 'cpaas-system', name: 'nfs' };

  it('conditionCheck follows the condition and explains it', () => {
    assert.deepEqual(conditionCheck(ref, 'Health', 'True', undefined), { done: false, progress: 'AppRelease nfs does not exist yet' });
    const pending: KubeObject = { ...ref, metadata: { name: 'nfs' }, status: { conditions: [{ type: 'Health', status: 'False', reason: 'Installing', message: 'chart pending' }] } };
    assert.deepEqual(conditionCheck(ref, 'Health', 'True', pending), { done: false, progress: 'AppRelease nfs: Health=False (Installing: chart pending)' });
    const healthy: KubeObject = { ...ref, metadata: { name: 'nfs' }, status: { conditions: [{ type: 'Health', status: 'True' }] } };
    assert.equal(conditionCheck(ref, 'Health', 'True', healthy).done, true);
  });

  it('fieldCheck reads dotted paths and fails fast on a failure value with the status message', () => {
    const app = { apiVersion: 'app.k8s.io/v1beta1', kind: 'Application', namespace: 'cpaas-system', name: 'deepflow' };
    const obj = (phase: string, status?: unknown): KubeObject => ({ ...app, metadata: { name: 'deepflow' }, spec: { assemblyPhase: phase }, status });
    assert.deepEqual(fieldCheck(app, 'spec.assemblyPhase', 'Succeeded', obj('Pending')), { done: false, progress: 'Application deepflow: spec.assemblyPhase=Pending' });
    assert.equal(fieldCheck(app, 'spec.assemblyPhase', 'Succeeded', obj('Succeeded')).done, true);
    const failed = fieldCheck(app, 'spec.assemblyPhase', 'Succeeded', obj('Failed', { conditions: [{ type: 'Ready', status: 'False', message: 'chart deepflow-plugin v1.2 not found' }] }));
    assert.equal(failed.failure, 'Application deepflow spec.assemblyPhase is Failed: chart deepflow-plugin v1.2 not found');
  });

  it('rolloutCheck turns a rollout error into a failure', () => {
    const check = rolloutCheck(
      { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: 'x', name: 's' },
      workload('StatefulSet', 's', 1, { updateStrategy: { type: 'OnDelete' } }, {}),
    );
    assert.equal(check.failure, 'rollout status is only available for RollingUpdate strategy type');
  });
});
