/**
 * The cluster client against the simulated API server (its own transport and credentials, real TLS, bearer tokens).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { ClusterClient } from '../../src/cluster/client';
import { ClusterError } from '../../src/cluster/errors';
import { loadKubeconfig } from '../../src/cluster/kubeconfig';
import type { KubeObject } from '../../src/cluster/types';
import { startTestApiServer, noFaults, type TestApiServer } from '../sim/api/harness';
import { createCertificateAuthority } from '../sim/pki';

async function rejectsWith(promise: Promise<unknown>, kind: ClusterError['kind']): Promise<ClusterError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ClusterError, `expected a ClusterError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    return err;
  }
  assert.fail(`expected a ClusterError of kind ${kind}`);
}

describe('cluster client against the simulated API server', function () {
  this.timeout(30_000);
  let sim: TestApiServer;
  let dir: string;
  let client: ClusterClient;

  function clientFor(token?: string, requestTimeoutMs?: number, limits: { maxResponseBytes?: number; maxWatchLineBytes?: number } = {}): ClusterClient {
    const file = path.join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
    sim.writeKubeconfig(file, token);
    const loaded = loadKubeconfig({ settingValue: file });
    return new ClusterClient(loaded.withContext('sim'), { requestTimeoutMs, ...limits });
  }

  before(async () => {
    sim = await startTestApiServer();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepflow-cluster-it-'));
    client = clientFor();
  });

  after(async () => {
    await sim.api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    Object.assign(sim.faults, noFaults());
  });

  const configMap = (data: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'deepflow-settings', namespace: 'default' },
    data,
  });

  it('server-side applies: creates, then updates with the same manager and drops fields it no longer sets', async () => {
    const created = await client.apply(configMap({ a: '1', b: '2' }));
    assert.deepEqual(created.data, { a: '1', b: '2' });
    const updated = await client.apply(configMap({ a: '10' }));
    assert.deepEqual(updated.data, { a: '10' });
    const managers = (updated.metadata.managedFields as { manager?: string }[] | undefined)?.map((m) => m.manager);
    assert.deepEqual(managers, ['deepflow-acp']);
    const fetched = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'deepflow-settings' });
    assert.equal(fetched.metadata.resourceVersion, updated.metadata.resourceVersion);
  });

  it('keeps unknown fields of custom resources and string timestamps (plain JSON, no typed deserialiser)', async () => {
    const app: KubeObject = {
      apiVersion: 'app.k8s.io/v1beta1',
      kind: 'Application',
      metadata: { name: 'deepflow', namespace: 'cpaas-system', annotations: { 'app.cpaas.io/chart.version': 'v6.6.0' } },
      spec: { assemblyPhase: 'Pending', componentKinds: [{ group: 'apps', kind: 'Deployment' }], vendorExtra: { nested: true } },
    };
    const applied = await client.apply(app, { dryRun: true });
    assert.deepEqual(applied.spec, app.spec);
    assert.equal(await client.find({ apiVersion: 'app.k8s.io/v1beta1', kind: 'Application', namespace: 'cpaas-system', name: 'deepflow' }), undefined, 'dry run persisted');
    await client.apply(app);
    const fetched = await client.get({ apiVersion: 'app.k8s.io/v1beta1', kind: 'Application', namespace: 'cpaas-system', name: 'deepflow' });
    assert.deepEqual(fetched.spec, app.spec);
    assert.equal(typeof fetched.metadata.creationTimestamp, 'string');
  });

  it('answers 409 for a field another manager owns, and takes it over with force', async () => {
    // Another field manager, through client-node's own kubeconfig loader and API client.
    const otherConfig = new KubeConfig();
    otherConfig.loadFromFile(writeKubeconfig());
    const other = KubernetesObjectApi.makeApiClient(otherConfig);
    await other.patch(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: 'default' }, data: { owner: 'kubectl' } },
      undefined,
      undefined,
      'kubectl',
      undefined,
      PatchStrategy.ServerSideApply,
    );
    const ours: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: 'default' }, data: { owner: 'deepflow' } };
    const conflict = await rejectsWith(client.apply(ours), 'conflict');
    assert.equal(conflict.httpStatus, 409);
    assert.ok(conflict.causes.some((c) => c.reason === 'FieldManagerConflict' && (c.field ?? '').includes('owner')), JSON.stringify(conflict.causes));
    assert.match(conflict.message, /another field manager owns/);
    const forced = await client.apply(ours, { force: true });
    assert.deepEqual(forced.data, { owner: 'deepflow' });
  });

  function writeKubeconfig(token?: string): string {
    const file = path.join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
    sim.writeKubeconfig(file, token);
    return file;
  }

  it('maps a bad token to unauthorized (401)', async () => {
    const err = await rejectsWith(clientFor('not-a-real-token').get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'x' }), 'unauthorized');
    assert.equal(err.httpStatus, 401);
    assert.ok(!err.message.includes('not-a-real-token'));
  });

  it('maps a restricted token to forbidden (403) naming verb, resource and namespace; access reviews agree', async () => {
    // No rule for access reviews: a real API server lets every authenticated user ask (system:basic-user).
    const token = sim.addToken({
      user: 'viewer',
      rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'], namespaces: ['default'] }],
    });
    const viewer = clientFor(token);
    await viewer.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'deepflow-settings' });
    const err = await rejectsWith(viewer.apply(configMap({ a: 'x' })), 'forbidden');
    assert.equal(err.httpStatus, 403);
    assert.equal(err.message, 'Permission denied: user "viewer" may not patch configmaps in namespace "default".');
    assert.equal((await viewer.selfSubjectAccessReview('get', '', 'configmaps', 'default')).allowed, true);
    assert.equal((await viewer.selfSubjectAccessReview('patch', '', 'configmaps', 'default')).allowed, false);
    assert.equal((await client.selfSubjectAccessReview('create', 'app.k8s.io', 'applications', 'cpaas-system')).allowed, true);
  });

  it('lists with selectors, limit and continue', async () => {
    for (let i = 0; i < 5; i++) {
      await client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `page-${i}`, namespace: 'default', labels: { app: 'deepflow', idx: String(i) } }, data: {} });
    }
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default' }, { labelSelector: 'app=deepflow', limit: 2, continue: token });
      names.push(...page.items.map((i) => i.metadata.name ?? ''));
      assert.ok(page.items.every((i) => i.kind === 'ConfigMap' && i.apiVersion === 'v1'));
      token = page.metadata.continue;
      pages++;
    } while (token);
    assert.equal(pages, 3);
    assert.deepEqual(names.sort(), ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    const one = await client.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default' }, { fieldSelector: 'metadata.name=page-3' });
    assert.deepEqual(one.items.map((i) => i.metadata.name), ['page-3']);
  });

  it('deletes idempotently and reports missing objects and unserved kinds as notFound', async () => {
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'page-0' };
    assert.equal(await client.delete(ref), true);
    assert.equal(await client.delete(ref), false);
    const missing = await rejectsWith(client.get(ref), 'notFound');
    assert.equal(missing.message, 'ConfigMap "page-0" in namespace "default" was not found.');
    const unserved = await rejectsWith(client.get({ apiVersion: 'example.io/v1', kind: 'Widget', name: 'w' }), 'notFound');
    assert.match(unserved.message, /does not serve the API example\.io\/v1/);
  });

  it('times out a slow request after the configured per-request timeout', async () => {
    const quick = clientFor(undefined, 300);
    await quick.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'page-1' }); // warm discovery
    sim.faults.slowApiMs = 2000;
    const started = Date.now();
    await rejectsWith(quick.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'page-1' }), 'timeout');
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
  });

  it('cancels a request through an AbortSignal', async () => {
    sim.faults.slowApiMs = 2000;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await rejectsWith(client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'page-1' }, { signal: controller.signal }), 'cancelled');
  });

  it('maps 5xx answers to server', async () => {
    sim.faults.errors500 = true;
    const err = await rejectsWith(client.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default' }), 'server');
    assert.equal(err.httpStatus, 500);
  });

  it('refuses a server certificate from an unknown CA as tls', async () => {
    const file = writeKubeconfig();
    const otherCa = createCertificateAuthority('someone-else');
    const text = fs.readFileSync(file, 'utf-8').replace(/certificate-authority-data: \S+/, `certificate-authority-data: ${Buffer.from(otherCa.certPem).toString('base64')}`);
    fs.writeFileSync(file, text);
    const err = await rejectsWith(new ClusterClient(loadKubeconfig({ settingValue: file }).withContext('sim')).get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'x' }), 'tls');
    assert.match(err.message, /certificate-authority-data/);
  });

  it('reports a closed port as unreachable', async () => {
    const file = writeKubeconfig();
    const text = fs.readFileSync(file, 'utf-8').replace(/server: \S+/, 'server: https://127.0.0.1:9');
    fs.writeFileSync(file, text);
    const err = await rejectsWith(new ClusterClient(loadKubeconfig({ settingValue: file }).withContext('sim')).get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'x' }), 'unreachable');
    assert.equal(err.code, 'ECONNREFUSED');
  });

  describe('bounds: a hostile or broken API server cannot exhaust memory', () => {
    const big = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { blob: 'x'.repeat(64 * 1024) } });

    it('refuses an oversized response with a clear error', async () => {
      await client.apply(big('big-1'));
      const small = clientFor(undefined, undefined, { maxResponseBytes: 16 * 1024 });
      const err = await rejectsWith(small.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default' }), 'server');
      assert.match(err.message, /The API server's answer to GET \/api\/v1\/namespaces\/default\/configmaps is .*(larger than|more than the) 0 MiB.*stopped reading it/);
      // The same request within the default bound works.
      assert.ok((await client.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default' })).items.some((c) => c.metadata.name === 'big-1'));
    });

    it('stops a watch whose event line is longer than the bound', async () => {
      const small = clientFor(undefined, undefined, { maxWatchLineBytes: 16 * 1024 });
      const closed = new Promise<ClusterError | undefined>((resolve) => {
        void small.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default' }, { fieldSelector: 'metadata.name=big-2' }, () => undefined, resolve);
      });
      await new Promise((r) => setTimeout(r, 300));
      await client.apply(big('big-2'));
      const err = await closed;
      assert.ok(err instanceof ClusterError, String(err));
      assert.match(err.message, /A watch event from watch \/api\/v1\/namespaces\/default\/configmaps is longer than 0 MiB; the watch was stopped/);
    });

    it('follows continue pages up to a bound, then stops with a clear error', async () => {
      for (const name of ['bound-a', 'bound-b', 'bound-c']) await client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: {} });
      const all = await client.listAll({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default' }, { limit: 1 });
      assert.ok(all.length >= 3, `only ${all.length} config maps`);
      const err = await rejectsWith(client.listAll({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default' }, { limit: 1, maxPages: 2 }), 'server');
      assert.match(err.message, /kept sending pages of ConfigMap after 2 pages \(2 objects\); the extension stopped reading/);
    });
  });
});
