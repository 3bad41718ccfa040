import { strict as assert } from 'node:assert';
import type { ChangeType, KubeObject } from '../sim/contract';
import { MemoryStore } from '../sim/store';

const deployment = (replicas: number, extra: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns' }, spec: { replicas }, ...extra });

describe('simulator store', () => {
  it('fills uid, creationTimestamp and one global resourceVersion; raises generation only for spec changes', () => {
    const store = new MemoryStore();
    const first = store.put(deployment(1));
    assert.ok(first.metadata.uid);
    assert.ok(first.metadata.creationTimestamp);
    assert.equal(first.metadata.generation, 1);
    assert.equal(first.metadata.resourceVersion, String(store.resourceVersion));
    const labelled = store.put({ ...first, metadata: { ...first.metadata, labels: { a: 'b' } } });
    assert.equal(labelled.metadata.generation, 1);
    assert.equal(store.putStatus('apps/v1', 'Deployment', 'ns', 'd', { replicas: 1 })?.metadata.generation, 1);
    const scaled = store.put({ ...deployment(2), metadata: { name: 'd', namespace: 'ns', uid: 'ignored' } });
    assert.equal(scaled.metadata.generation, 2);
    assert.equal(scaled.metadata.uid, first.metadata.uid);
    assert.ok(Number(scaled.metadata.resourceVersion) > Number(labelled.metadata.resourceVersion));
  });

  it('hands out copies, lists by namespace in name order', () => {
    const store = new MemoryStore();
    for (const [ns, name] of [['b', 'z'], ['a', 'y'], ['b', 'x']] as const) store.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns } });
    assert.deepEqual(store.list('v1', 'ConfigMap').map((o) => `${o.metadata.namespace}/${o.metadata.name}`), ['a/y', 'b/x', 'b/z']);
    assert.deepEqual(store.list('v1', 'ConfigMap', 'b').map((o) => o.metadata.name), ['x', 'z']);
    const copy = store.get('v1', 'ConfigMap', 'a', 'y');
    if (copy) copy.metadata.name = 'mutated';
    assert.equal(store.get('v1', 'ConfigMap', 'a', 'y')?.metadata.name, 'y');
  });

  it('notifies in commit order and deletes an object whose last finalizer goes while it is being deleted', () => {
    const store = new MemoryStore();
    const seen: string[] = [];
    const stop = store.onChange((type: ChangeType, obj) => seen.push(`${type} ${obj.metadata.name}`));
    const held = store.put({ ...deployment(1), metadata: { name: 'd', namespace: 'ns', finalizers: ['x'] } });
    store.put({ ...held, metadata: { ...held.metadata, deletionTimestamp: new Date().toISOString() } });
    const deleting = store.get('apps/v1', 'Deployment', 'ns', 'd');
    assert.ok(deleting);
    store.put({ ...deleting, metadata: { ...deleting.metadata, finalizers: [] } });
    assert.equal(store.get('apps/v1', 'Deployment', 'ns', 'd'), undefined);
    stop();
    store.put(deployment(3));
    assert.deepEqual(seen, ['ADDED d', 'MODIFIED d', 'DELETED d']);
  });

  it('answers gone for versions older than its bounded history', () => {
    const store = new MemoryStore(3);
    const start = store.resourceVersion;
    for (let i = 0; i < 5; i++) store.put(deployment(i));
    assert.equal(store.changesSince(start).gone, true);
    const recent = store.changesSince(store.resourceVersion - 2);
    assert.equal(recent.gone, false);
    assert.equal(recent.gone === false && recent.changes.length, 2);
  });
});
