/** The simulated API server's protocol details, over real HTTPS on loopback (no kubectl, no client library). */
import { strict as assert } from 'node:assert';
import { request } from 'node:https';
import type { KubeObject } from '../sim/contract';
import { startTestApiServer, type TestApiServer } from '../sim/api/harness';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown>;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

describe('simulated API server protocol', function () {
  this.timeout(10_000);
  let sim: TestApiServer;

  function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, token = sim.adminToken): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const url = new URL(path, sim.api.url);
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = request(url, { method, ca: sim.caPem, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> = {};
          try {
            json = record(JSON.parse(text));
          } catch {
            // watches and empty bodies are not one JSON document
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  const cm = (name: string, extra: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' }, ...extra });

  before(async () => {
    sim = await startTestApiServer();
  });

  after(async () => {
    await sim.api.close();
  });

  it('serves discovery with subresources after their resource, and an empty openapi v2', async () => {
    const apps = await call('GET', '/apis/apps/v1');
    const names = (apps.json.resources as { name: string }[]).map((r) => r.name);
    assert.ok(names.indexOf('deployments/status') === names.indexOf('deployments') + 1);
    assert.ok(names.includes('deployments/scale'));
    const group = await call('GET', '/apis/operator.alauda.io');
    assert.equal(record(group.json.preferredVersion).version, 'v1alpha1');
    const openapi = await call('GET', '/openapi/v2');
    assert.equal(openapi.status, 200);
    assert.equal(openapi.headers['content-type'], 'application/octet-stream');
    assert.equal((await call('GET', '/apis/nope.example.com/v1')).status, 404);
  });

  it('creates with generateName, refuses duplicates, missing names and missing namespaces', async () => {
    const made = await call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } });
    assert.equal(made.status, 201);
    assert.match(String(record(made.json.metadata).name), /^gen-[a-z0-9]{5}$/);
    assert.equal((await call('POST', '/api/v1/namespaces/default/configmaps', cm('dup'))).status, 201);
    const dup = await call('POST', '/api/v1/namespaces/default/configmaps', cm('dup'));
    assert.equal(dup.status, 409);
    assert.equal(dup.json.reason, 'AlreadyExists');
    assert.equal((await call('POST', '/api/v1/namespaces/default/configmaps', { metadata: {} })).status, 422);
    const noNs = await call('POST', '/api/v1/namespaces/nowhere/configmaps', cm('x'));
    assert.equal(noNs.status, 404);
    assert.equal(noNs.json.message, 'namespaces "nowhere" not found');
    assert.equal((await call('POST', '/api/v1/namespaces/default/configmaps', '\x0a\x0bproto', { 'Content-Type': 'application/vnd.kubernetes.protobuf' })).status, 415);
  });

  it('honours dryRun=All', async () => {
    assert.equal((await call('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', cm('dry'))).status, 201);
    assert.equal(sim.store.get('v1', 'ConfigMap', 'default', 'dry'), undefined);
  });

  it('keeps an object with finalizers until the last one is removed', async () => {
    await call('POST', '/api/v1/namespaces/default/configmaps', cm('fin', { metadata: { name: 'fin', finalizers: ['example.com/hold'] } }));
    const deleting = await call('DELETE', '/api/v1/namespaces/default/configmaps/fin');
    assert.equal(deleting.status, 200);
    const held = sim.store.get('v1', 'ConfigMap', 'default', 'fin');
    assert.ok(held?.metadata.deletionTimestamp);
    const released = await call('PATCH', '/api/v1/namespaces/default/configmaps/fin', { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(released.status, 200);
    assert.equal(sim.store.get('v1', 'ConfigMap', 'default', 'fin'), undefined);
  });

  it('answers 409 to a PUT with a stale resourceVersion', async () => {
    const created = await call('POST', '/api/v1/namespaces/default/configmaps', cm('rv'));
    const stale = { ...created.json, data: { a: '2' } };
    assert.equal((await call('PUT', '/api/v1/namespaces/default/configmaps/rv', stale)).status, 200);
    const conflict = await call('PUT', '/api/v1/namespaces/default/configmaps/rv', stale);
    assert.equal(conflict.status, 409);
    assert.equal(conflict.json.reason, 'Conflict');
  });

  it('separates spec and status writes, and raises generation only for spec', async () => {
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'gen' }, spec: { replicas: 1 }, status: { replicas: 99 } };
    const created = await call('POST', '/apis/apps/v1/namespaces/default/deployments', deployment);
    assert.equal(created.json.status, undefined, 'status is dropped on create');
    const status = await call('PATCH', '/apis/apps/v1/namespaces/default/deployments/gen/status', { status: { replicas: 1 }, spec: { replicas: 7 } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.deepEqual(status.json.status, { replicas: 1 });
    assert.equal(record(status.json.spec).replicas, 1);
    assert.equal(record(status.json.metadata).generation, 1);
    const spec = await call('PATCH', '/apis/apps/v1/namespaces/default/deployments/gen', { spec: { replicas: 2 }, status: { replicas: 5 } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
    assert.equal(record(spec.json.metadata).generation, 2);
    assert.deepEqual(spec.json.status, { replicas: 1 });
    const scale = await call('PATCH', '/apis/apps/v1/namespaces/default/deployments/gen/scale', { spec: { replicas: 4 } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(scale.json.kind, 'Scale');
    assert.equal(record(sim.store.get('apps/v1', 'Deployment', 'default', 'gen')?.spec).replicas, 4);
  });

  it('answers 415 to strategic merge on custom resources and 422 to apply without fieldManager', async () => {
    sim.store.put({ apiVersion: 'app.k8s.io/v1beta1', kind: 'Application', metadata: { name: 'a', namespace: 'default' }, spec: {} });
    const smp = await call('PATCH', '/apis/app.k8s.io/v1beta1/namespaces/default/applications/a', { spec: { x: 1 } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
    assert.equal(smp.status, 415);
    const apply = await call('PATCH', '/apis/app.k8s.io/v1beta1/namespaces/default/applications/a', 'apiVersion: app.k8s.io/v1beta1\nkind: Application\nmetadata:\n  name: a\n', { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(apply.status, 422);
    const yamlApply = await call('PATCH', '/apis/app.k8s.io/v1beta1/namespaces/default/applications/b?fieldManager=t', 'apiVersion: app.k8s.io/v1beta1\nkind: Application\nmetadata:\n  name: b\nspec:\n  assemblyPhase: Pending\n', { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(yamlApply.status, 201);
    assert.equal(record(yamlApply.json.spec).assemblyPhase, 'Pending');
  });

  it('answers a Table when kubectl asks for one', async () => {
    const table = await call('GET', '/api/v1/namespaces', undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    assert.equal(table.json.kind, 'Table');
    assert.deepEqual((table.json.columnDefinitions as { name: string }[]).map((c) => c.name), ['Name', 'Status', 'Age']);
    assert.ok((table.json.rows as unknown[]).length >= 4);
  });

  it('ends a watch from an expired resourceVersion with an ERROR 410 event', async () => {
    const rv = sim.store.resourceVersion;
    sim.store.put(cm('after-compaction', { metadata: { name: 'after-compaction', namespace: 'default' } }));
    sim.store.compactHistory();
    const gone = await call('GET', `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`);
    assert.equal(gone.status, 200);
    const lines = gone.text.trim().split('\n');
    assert.equal(lines.length, 1);
    const event = record(JSON.parse(lines[0] ?? '{}'));
    assert.equal(event.type, 'ERROR');
    assert.equal(record(event.object).code, 410);
  });

  it('sends initial events, the initial-events-end bookmark, and closes at timeoutSeconds', async () => {
    const started = Date.now();
    const answer = await call('GET', '/api/v1/namespaces?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=1');
    assert.ok(Date.now() - started >= 900);
    const events = answer.text.trim().split('\n').map((line) => record(JSON.parse(line)));
    assert.ok(events.filter((e) => e.type === 'ADDED').length >= 4);
    const bookmark = events[events.length - 1];
    assert.equal(bookmark?.type, 'BOOKMARK');
    assert.equal(record(record(record(bookmark?.object).metadata).annotations)['k8s.io/initial-events-end'], 'true');
  });

  it('forwards the service proxy by NAME:PORT, http:NAME:PORT and NAME', async () => {
    const seen: string[] = [];
    sim.api.addServiceProxy('cpaas-system', 'deepflow-server:20416', (_req, res, subPath) => {
      seen.push(subPath);
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('proxied');
    });
    for (const name of ['deepflow-server:20416', 'http:deepflow-server:20416', 'deepflow-server']) {
      const answer = await call('GET', `/api/v1/namespaces/cpaas-system/services/${name}/proxy/v1/health/`);
      assert.equal(answer.text, 'proxied');
    }
    assert.deepEqual(seen, ['/v1/health/', '/v1/health/', '/v1/health/']);
    assert.equal((await call('GET', '/api/v1/namespaces/cpaas-system/services/other:1/proxy/')).status, 503);
  });

  it('deletes namespace contents and owned objects', async () => {
    sim.store.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    const owner = sim.store.put({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'o', namespace: 'default' }, spec: {} });
    sim.store.put({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'o-1', namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'o', uid: owner.metadata.uid ?? '' }] }, spec: {} });
    sim.store.put(cm('inside', { metadata: { name: 'inside', namespace: 'doomed' } }));
    assert.equal((await call('DELETE', '/apis/apps/v1/namespaces/default/deployments/o')).status, 200);
    assert.equal(sim.store.get('apps/v1', 'ReplicaSet', 'default', 'o-1'), undefined);
    assert.equal((await call('DELETE', '/api/v1/namespaces/doomed')).status, 200);
    assert.equal(sim.store.get('v1', 'ConfigMap', 'doomed', 'inside'), undefined);
  });

  it('counts requests, and goes down and comes back on the same port', async () => {
    sim.api.resetRequestCount();
    await call('GET', '/version');
    assert.equal(sim.api.requestCount(), 1);
    const url = sim.api.url;
    sim.faults.apiDown = true;
    await new Promise((resolve) => setTimeout(resolve, 200));
    await assert.rejects(call('GET', '/version'));
    sim.faults.apiDown = false;
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await call('GET', '/version')).status, 200);
    await sim.api.close();
    await assert.rejects(call('GET', '/version'));
    await sim.api.reopen();
    assert.equal(sim.api.url, url);
    assert.equal((await call('GET', '/version')).status, 200);
  });

  it('answers 401 without a known token and 403 outside the grant', async () => {
    assert.equal((await call('GET', '/api/v1/namespaces', undefined, {}, 'bogus')).status, 401);
    const token = sim.addToken({ user: 'ro', rules: [{ verbs: ['get'], apiGroups: [''], resources: ['namespaces'] }] });
    assert.equal((await call('GET', '/api/v1/namespaces/default', undefined, {}, token)).status, 200);
    const denied = await call('GET', '/api/v1/namespaces', undefined, {}, token);
    assert.equal(denied.status, 403);
    assert.equal(denied.json.message, 'namespaces is forbidden: User "ro" cannot list resource "namespaces" in API group "" at the cluster scope');
  });
});
