/**
 * The watch cache against the ACP simulator (real HTTPS, real client-node watches): it fills once, then answers
 * with no request; it follows changes, survives dropped watches and 410 Gone without a stale object, reports an
 * unreachable or forbidden cluster, and recovers by itself when the API server is back.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheKeys, deepflowInformers, deepflowStatusFromCache } from '../../src/acp/deepflowStatus';
import { ClusterCache, ClusterCaches, ClusterClient, loadKubeconfig, type KubeObject } from '../../src/cluster';
import { startSimulator, type StartedSimulator } from '../sim/index';

const storageClass: KubeObject = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'nfs' },
  provisioner: 'nfs.csi.k8s.io',
  parameters: { server: '127.0.0.1', share: '/nfs' },
};

function deployment(replicas: number): KubeObject {
  const labels = { app: 'deepflow', component: 'deepflow-app' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'deepflow-app', namespace: 'cpaas-system', labels },
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'deepflow-app' }] } } },
  };
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const storageClassReadiness = (cache: ClusterCache): string | undefined =>
  deepflowStatusFromCache(cache).prerequisites.find((p) => p.spec.id === 'storageClass')?.readiness;
const appDetail = (cache: ClusterCache): string | undefined => deepflowStatusFromCache(cache).components.find((c) => c.spec.name === 'deepflow-app')?.detail;

describe('watch cache against the ACP simulator', function () {
  this.timeout(60_000);
  let sim: StartedSimulator;
  let dir: string;
  let client: ClusterClient;
  let cache: ClusterCache;

  function clientFor(token?: string): ClusterClient {
    const file = join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
    sim.writeKubeconfig(file, token);
    return ClusterClient.forContext(loadKubeconfig({ settingValue: file }), undefined, { requestTimeoutMs: 2_000 });
  }

  before(async () => {
    sim = await startSimulator({ timeScale: 0.02, nodes: 3, oldKernelNodes: 1 });
    dir = mkdtempSync(join(tmpdir(), 'deepflow-cache-it-'));
    client = clientFor();
  });

  beforeEach(() => {
    cache = new ClusterCache(clientFor(), deepflowInformers);
  });

  afterEach(async () => {
    cache.stop();
    Object.assign(sim.faults, { apiDown: false, dropWatchesAfterMs: 0, watchGone: false, crashLoop: '', errors500: false, slowApiMs: 0 });
    await until('the API server to listen again', () => sim.api.requestCount() >= 0);
    await client.delete({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: 'nfs' }).catch(() => undefined);
    await client.delete({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'deepflow-app', namespace: 'cpaas-system' }).catch(() => undefined);
  });

  after(async () => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes no request for a status read once warm, and sees a change within a moment', async () => {
    await cache.whenReady();
    assert.equal(storageClassReadiness(cache), 'missing');
    sim.api.resetRequestCount();
    for (let i = 0; i < 20; i++) deepflowStatusFromCache(cache);
    await cache.whenReady();
    assert.equal(sim.api.requestCount(), 0, 'a warm read sent requests');

    await client.apply(storageClass);
    sim.api.resetRequestCount();
    await until('the storage class in the cache', () => storageClassReadiness(cache) === 'ready', 1_000);
    assert.equal(sim.api.requestCount(), 0, 'the change should arrive through the open watch');
  });

  it('follows a scale of deepflow-app: 1/3, then 3/3', async () => {
    await client.apply(deployment(1));
    await cache.whenReady();
    await until('deepflow-app 1/1', () => appDetail(cache) === '1/1 ready');
    await client.apply(deployment(3));
    await until('deepflow-app 1/3', () => appDetail(cache) === '1/3 ready');
    await until('deepflow-app 3/3', () => appDetail(cache) === '3/3 ready');
  });

  it('leaves no stale object when watches are dropped', async () => {
    await cache.whenReady();
    sim.faults.dropWatchesAfterMs = 200;
    await new Promise((r) => setTimeout(r, 500));
    await client.apply(storageClass);
    await until('the storage class after dropped watches', () => storageClassReadiness(cache) === 'ready');
    await client.delete({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: 'nfs' });
    await until('the storage class gone after dropped watches', () => storageClassReadiness(cache) === 'missing');
    assert.equal(cache.health().kind, 'ready');
  });

  it('relists on 410 Gone and shows a change made while the watch was gone', async () => {
    await cache.whenReady();
    sim.faults.watchGone = true;
    sim.faults.dropWatchesAfterMs = 100;
    await new Promise((r) => setTimeout(r, 300));
    await client.apply(storageClass);
    await until('the storage class after a relist', () => storageClassReadiness(cache) === 'ready');
    sim.faults.watchGone = false;
    sim.faults.dropWatchesAfterMs = 0;
    await client.delete({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: 'nfs' });
    await until('the deletion after the fault', () => storageClassReadiness(cache) === 'missing');
  });

  it('reports an unreachable API server within 3 s and recovers by itself, with changes made meanwhile', async () => {
    await cache.whenReady();
    const down = Date.now();
    sim.faults.apiDown = true;
    const health = await until('an error', () => {
      const h = cache.health();
      return h.kind === 'error' ? h : undefined;
    }, 3_000);
    assert.ok(Date.now() - down < 3_000);
    assert.equal(health.error.kind, 'unreachable');
    // The open watches are cut first (connection reset); the retries then name the refusal.
    await until('connection refused', () => {
      const h = cache.health();
      return h.kind === 'error' && /connection refused \(ECONNREFUSED\)/.test(h.error.message);
    }, 3_000 - (Date.now() - down));
    // A change lands while the API server refuses our connections (straight into the store).
    sim.api.store.put(structuredClone(storageClass) as never);
    sim.faults.apiDown = false;
    await until('recovery', () => cache.health().kind === 'ready', 6_000);
    await until('the change made during the outage', () => storageClassReadiness(cache) === 'ready', 2_000);
  });

  it('names the missing right when the user may not read', async () => {
    const token = sim.addToken({ user: 'jane', rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets'] }] });
    const denied = new ClusterCache(clientFor(token), deepflowInformers);
    try {
      await assert.rejects(denied.whenReady(), (err: Error) => {
        assert.match(err.message, /Permission denied: user "jane" may not (list|watch) /);
        return true;
      });
    } finally {
      denied.stop();
    }
  });

  it('keeps nodes small and names the node with an old kernel', async () => {
    await cache.whenReady();
    const nodes = cache.objects(cacheKeys.nodes);
    assert.equal(nodes.length, 3);
    assert.deepEqual(Object.keys(nodes[0]?.status as object).sort(), ['conditions', 'nodeInfo']);
  });

  it('runs a shared cache while leased and stops it after the last lease and the linger time', async () => {
    const caches = new ClusterCaches(() => new ClusterCache(clientFor(), deepflowInformers), 50);
    const first = caches.acquire('sim');
    const second = caches.acquire('sim');
    assert.equal(first.cache, second.cache);
    await first.cache.whenReady();
    first.release();
    assert.ok(caches.isRunning('sim'));
    second.release();
    await new Promise((r) => setTimeout(r, 120));
    assert.ok(!caches.isRunning('sim'), 'the cache still runs with no lease');
    caches.clear();
  });
});
