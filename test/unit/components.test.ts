import assert from 'node:assert/strict';
import { componentState, deepflowComponents, deepflowPrerequisites, prerequisiteState } from '../../src/acp/components';
import { readDeepflowStatus, type ObjectReader } from '../../src/acp/deepflowStatus';
import type { KubeObject } from '../../src/acp/kubeObject';

const spec = (name: string) => {
  const found = deepflowComponents.find((c) => c.name === name);
  if (!found) throw new Error(name);
  return found;
};
const prerequisite = (id: string) => {
  const found = deepflowPrerequisites.find((p) => p.id === id);
  if (!found) throw new Error(id);
  return found;
};
const obj = (kind: string, name: string, rest: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, namespace: 'cpaas-system' },
  ...rest,
});

describe('component readiness', () => {
  it('lists the six chart workloads', () => {
    assert.deepEqual(
      deepflowComponents.map((c) => `${c.kind}/${c.name}`).sort(),
      [
        'DaemonSet/deepflow-agent',
        'Deployment/deepflow-app',
        'Deployment/deepflow-grafana',
        'Deployment/deepflow-mysql',
        'Deployment/deepflow-server',
        'StatefulSet/deepflow-clickhouse',
      ],
    );
  });

  it('reads a DaemonSet from numberReady of desiredNumberScheduled, since the agent has no readiness probe', () => {
    const agent = obj('DaemonSet', 'deepflow-agent', { status: { desiredNumberScheduled: 5000, numberReady: 4999 } });
    const state = componentState(spec('deepflow-agent'), agent);
    assert.equal(state.readiness, 'progressing');
    assert.equal(state.detail, '4999/5000 ready');
    const done = componentState(spec('deepflow-agent'), obj('DaemonSet', 'deepflow-agent', { status: { desiredNumberScheduled: 3, numberReady: 3 } }));
    assert.equal(done.readiness, 'ready');
  });

  it('reads a Deployment from readyReplicas of spec.replicas, and flags a progress deadline', () => {
    const server = obj('Deployment', 'deepflow-server', { spec: { replicas: 1 }, status: { readyReplicas: 1 } });
    assert.equal(componentState(spec('deepflow-server'), server).readiness, 'ready');
    const stuck = obj('Deployment', 'deepflow-server', {
      spec: { replicas: 1 },
      status: { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] },
    });
    const state = componentState(spec('deepflow-server'), stuck);
    assert.equal(state.readiness, 'failing');
    assert.match(state.detail, /0\/1 ready: progress deadline exceeded/);
  });

  it('calls a workload that does not exist missing, not failing', () => {
    assert.equal(componentState(spec('deepflow-app'), undefined).readiness, 'missing');
  });

  it('follows ars Health and the Application spec.assemblyPhase', () => {
    const ars = (status: string, reason?: string) =>
      obj('AppRelease', 'nfs', { status: { conditions: [{ type: 'Health', status, reason }] } });
    assert.equal(prerequisiteState(prerequisite('nfsPlugin'), ars('True')).readiness, 'ready');
    const failing = prerequisiteState(prerequisite('nfsPlugin'), ars('False', 'ChartNotFound'));
    assert.deepEqual([failing.readiness, failing.detail], ['failing', 'Health=False: ChartNotFound']);
    const app = (assemblyPhase?: string) => obj('Application', 'deepflow', { spec: assemblyPhase ? { assemblyPhase } : {} });
    assert.equal(prerequisiteState(prerequisite('application'), app('Succeeded')).readiness, 'ready');
    assert.equal(prerequisiteState(prerequisite('application'), app('Failed')).readiness, 'failing');
    assert.equal(prerequisiteState(prerequisite('application'), app()).detail, 'Pending');
  });
});

describe('readDeepflowStatus', () => {
  it('matches list items by the list they came from, even when items carry no kind', async () => {
    const requests: string[] = [];
    const reader: ObjectReader = {
      get: (_apiVersion, kind, name) => {
        requests.push(`get ${kind}/${name}`);
        return Promise.resolve(kind === 'StorageClass' ? obj('StorageClass', 'nfs') : undefined);
      },
      list: (_apiVersion, kind, _ns, selector) => {
        requests.push(`list ${kind} ${selector}`);
        // List items from the API server have no kind; a StatefulSet named like a Deployment must not be confused.
        const items: Record<string, KubeObject[]> = {
          Deployment: [{ apiVersion: '', kind: '', metadata: { name: 'deepflow-server' }, spec: { replicas: 1 }, status: { readyReplicas: 1 } }],
          StatefulSet: [],
          DaemonSet: [],
        };
        return Promise.resolve(items[kind] ?? []);
      },
    };
    const status = await readDeepflowStatus(reader);
    assert.equal(status.components.find((c) => c.spec.name === 'deepflow-server')?.readiness, 'ready');
    assert.equal(status.components.find((c) => c.spec.name === 'deepflow-clickhouse')?.readiness, 'missing');
    assert.equal(status.prerequisites.find((p) => p.spec.id === 'storageClass')?.readiness, 'ready');
    assert.equal(requests.length, 7, 'four gets and three label-selected lists, never a pod list');
    assert.ok(requests.includes('list DaemonSet app=deepflow'));
  });
});
