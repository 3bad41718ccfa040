import { strict as assert } from 'node:assert';
import { decodeFieldsV1, encodeFieldsV1, fieldPaths, recordUpdate, serverSideApply, ApplyConflictError } from '../sim/api/managedFields';
import { jsonPatch, mergePatch, PatchError, strategicMergePatch, type JsonObject } from '../sim/patch';

function deployment(containers: JsonObject[]): JsonObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns' }, spec: { replicas: 1, template: { spec: { containers } } } };
}

describe('simulator patches', () => {
  it('merge patch sets, replaces lists and deletes with null', () => {
    assert.deepEqual(mergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { b: { c: null, e: 4 }, l: [3] }), { a: 1, b: { d: 3, e: 4 }, l: [3] });
  });

  it('json patch adds, removes, replaces, moves, copies and tests', () => {
    const doc = { a: [1, 2], b: { c: 'x' } };
    assert.deepEqual(
      jsonPatch(doc, [
        { op: 'add', path: '/a/-', value: 3 },
        { op: 'replace', path: '/b/c', value: 'y' },
        { op: 'copy', from: '/b/c', path: '/d' },
        { op: 'move', from: '/d', path: '/e~1f' },
        { op: 'remove', path: '/a/0' },
        { op: 'test', path: '/b/c', value: 'y' },
      ]),
      { a: [2, 3], b: { c: 'y' }, 'e/f': 'y' },
    );
    assert.deepEqual(doc, { a: [1, 2], b: { c: 'x' } }, 'the input is not mutated');
    assert.throws(() => jsonPatch(doc, [{ op: 'test', path: '/b/c', value: 'nope' }]), PatchError);
    assert.throws(() => jsonPatch(doc, [{ op: 'remove', path: '/zz' }]), PatchError);
  });

  it('strategic merge patch merges containers by name and honours kubectl apply directives', () => {
    const live = deployment([
      { name: 'a', image: 'a:1', ports: [{ containerPort: 80 }, { containerPort: 81 }] },
      { name: 'b', image: 'b:1' },
      { name: 'sidecar', image: 's:1' },
    ]);
    const patch: JsonObject = {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }, { name: 'c' }],
            containers: [
              { name: 'a', image: 'a:2', ports: [{ containerPort: 81, $patch: 'delete' }] },
              { name: 'c', image: 'c:1' },
              { name: 'sidecar', $patch: 'delete' },
            ],
          },
        },
      },
    };
    const result = strategicMergePatch(live, patch) as JsonObject;
    const containers = ((result.spec as JsonObject).template as JsonObject).spec as JsonObject;
    assert.deepEqual(containers.containers, [
      { name: 'b', image: 'b:1' },
      { name: 'a', image: 'a:2', ports: [{ containerPort: 80 }] },
      { name: 'c', image: 'c:1' },
    ]);
  });

  it('strategic merge patch: $retainKeys, $patch: replace, null deletes, unknown lists replace', () => {
    const live = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } }, args: ['a', 'b'], keep: 1, drop: 2 } };
    const result = strategicMergePatch(live, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' }, args: ['c'], drop: null } }) as JsonObject;
    assert.deepEqual(result, { spec: { strategy: { type: 'Recreate' }, args: ['c'], keep: 1 } });
    assert.deepEqual(strategicMergePatch({ m: { a: 1, b: 2 } }, { m: { $patch: 'replace', c: 3 } }), { m: { c: 3 } });
  });
});

describe('simulator field management (server-side apply)', () => {
  const base = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns', labels: { a: '1', b: '2' } }, data: { x: '1', y: '2' } };

  it('round-trips paths through FieldsV1', () => {
    const paths = fieldPaths(deployment([{ name: 'a', image: 'a:1' }]), 'main');
    const decoded = decodeFieldsV1(encodeFieldsV1(paths.values()));
    assert.deepEqual([...decoded.keys()].sort(), [...paths.keys()].sort());
    assert.ok(decoded.has(['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"a"}', 'f:image'].join('\n')));
  });

  it('creates, then removes fields the same manager stops applying', () => {
    const created = serverSideApply(undefined, structuredClone(base), { manager: 'me', force: false, apiVersion: 'v1' });
    assert.equal((created.metadata as JsonObject).managedFields instanceof Array, true);
    const next = serverSideApply(created, { ...base, metadata: { name: 'c', namespace: 'ns', labels: { a: '1' } }, data: { x: '9' } }, { manager: 'me', force: false, apiVersion: 'v1' });
    assert.deepEqual(next.data, { x: '9' });
    assert.deepEqual((next.metadata as JsonObject).labels, { a: '1' });
  });

  it('keeps a dropped field another manager also owns, and reports conflicts unless forced', () => {
    const created = serverSideApply(undefined, structuredClone(base), { manager: 'me', force: false, apiVersion: 'v1' });
    const shared = serverSideApply(created, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { y: '2' } }, { manager: 'other', force: false, apiVersion: 'v1' });
    const dropped = serverSideApply(shared, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { x: '1' } }, { manager: 'me', force: false, apiVersion: 'v1' });
    assert.deepEqual(dropped.data, { x: '1', y: '2' });
    assert.throws(
      () => serverSideApply(dropped, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { x: 'theirs' } }, { manager: 'other', force: false, apiVersion: 'v1' }),
      (error: unknown) => error instanceof ApplyConflictError && error.conflicts[0]?.field === '.data.x' && error.conflicts[0]?.manager === 'me',
    );
    const forced = serverSideApply(dropped, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { x: 'theirs', y: '2' } }, { manager: 'other', force: true, apiVersion: 'v1' });
    assert.equal((forced.data as JsonObject).x, 'theirs');
  });

  it('gives fields changed by an update to the updating manager', () => {
    const created = serverSideApply(undefined, structuredClone(base), { manager: 'me', force: false, apiVersion: 'v1' });
    const edited = structuredClone(created);
    (edited.data as JsonObject).x = 'edited';
    recordUpdate(created, edited, 'kubectl-edit', 'v1');
    assert.throws(() => serverSideApply(edited, structuredClone(base), { manager: 'me', force: false, apiVersion: 'v1' }), ApplyConflictError);
  });
});
