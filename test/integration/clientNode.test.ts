/**
 * The real @kubernetes/client-node 1.4 against the simulated API server: paging, watches, an informer through
 * dropped watches and 410 Gone, server-side apply with conflicts, and 401/403 as ApiException.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { KubeObject } from '../sim/contract';
import { startTestApiServer, type TestApiServer } from '../sim/api/harness';

function configMap(namespace: string, name: string, data: Record<string, string>, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data };
}

function namespace(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase: 'Active' } };
}

async function eventually(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function apiError(promise: Promise<unknown>): Promise<k8s.ApiException<unknown>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof k8s.ApiException) return error as k8s.ApiException<unknown>;
    throw error;
  }
  throw new Error('expected the call to fail');
}

function bodyText(error: k8s.ApiException<unknown>): string {
  return typeof error.body === 'string' ? error.body : JSON.stringify(error.body);
}

describe('@kubernetes/client-node against the simulated API server', function () {
  this.timeout(30_000);
  let sim: TestApiServer;
  let dir: string;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;

  function kubeConfigFor(token: string): k8s.KubeConfig {
    const file = join(dir, `kubeconfig-${token.slice(0, 8)}`);
    sim.writeKubeconfig(file, token);
    const config = new k8s.KubeConfig();
    config.loadFromFile(file);
    return config;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sim-client-node-'));
    sim = await startTestApiServer();
    kc = kubeConfigFor(sim.adminToken);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });

  after(async () => {
    await sim.api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    Object.assign(sim.faults, { watchGone: false, dropWatchesAfterMs: 0, errors500: false, slowApiMs: 0 });
  });

  it('lists with limit and continue, without losing or repeating items', async () => {
    sim.store.put(namespace('paging'));
    for (let i = 0; i < 1234; i++) {
      sim.store.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${String(i).padStart(4, '0')}`, namespace: 'paging' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    }
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page: k8s.V1PodList = await core.listNamespacedPod({ namespace: 'paging', limit: 500, _continue: token });
      names.push(...page.items.map((p) => p.metadata?.name ?? ''));
      token = page.metadata?._continue;
      pages++;
    } while (token);
    assert.equal(pages, 3);
    assert.equal(names.length, 1234);
    assert.equal(new Set(names).size, 1234);
  });

  it('filters lists with label and field selectors', async () => {
    sim.store.put(configMap('default', 'sel-a', {}, { tier: 'web', env: 'prod' }));
    sim.store.put(configMap('default', 'sel-b', {}, { tier: 'db' }));
    sim.store.put(configMap('default', 'sel-c', {}, { env: 'dev' }));
    const names = async (labelSelector?: string, fieldSelector?: string): Promise<string[]> =>
      (await core.listNamespacedConfigMap({ namespace: 'default', labelSelector, fieldSelector })).items.map((c) => c.metadata?.name ?? '').filter((n) => n.startsWith('sel-'));
    assert.deepEqual(await names('tier=web'), ['sel-a']);
    assert.deepEqual(await names('tier!=web'), ['sel-b', 'sel-c']);
    assert.deepEqual(await names('tier in (web,db)'), ['sel-a', 'sel-b']);
    assert.deepEqual(await names('tier notin (web)'), ['sel-b', 'sel-c']);
    assert.deepEqual(await names('env'), ['sel-a', 'sel-c']);
    assert.deepEqual(await names('!env'), ['sel-b']);
    assert.deepEqual(await names(undefined, 'metadata.name=sel-b'), ['sel-b']);
  });

  it('watches: synthetic ADDED, then changes, and selector transitions as ADDED/DELETED', async () => {
    sim.store.put(namespace('watched'));
    sim.store.put(configMap('watched', 'before', {}, { tier: 'web' }));
    const all: string[] = [];
    const web: string[] = [];
    const watch = new k8s.Watch(kc);
    const path = '/api/v1/namespaces/watched/configmaps';
    const controllers = [
      await watch.watch(path, { allowWatchBookmarks: true }, (type: string, obj: KubeObject) => all.push(`${type} ${obj.metadata.name}`), () => undefined),
      await watch.watch(path, { labelSelector: 'tier=web' }, (type: string, obj: KubeObject) => web.push(`${type} ${obj.metadata.name}`), () => undefined),
    ];
    try {
      await eventually(() => all.length >= 1 && web.length >= 1, 'the synthetic ADDED');
      await core.createNamespacedConfigMap({ namespace: 'watched', body: { metadata: { name: 'later', labels: { tier: 'web' } }, data: { a: '1' } } });
      await core.patchNamespacedConfigMap({ namespace: 'watched', name: 'later', body: { metadata: { labels: { tier: 'db' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await core.deleteNamespacedConfigMap({ namespace: 'watched', name: 'later' });
      await eventually(() => all.length >= 4 && web.length >= 3, 'the change events');
      assert.deepEqual(all, ['ADDED before', 'ADDED later', 'MODIFIED later', 'DELETED later']);
      assert.deepEqual(web, ['ADDED before', 'ADDED later', 'DELETED later']);
    } finally {
      for (const controller of controllers) controller.abort();
    }
  });

  it('an informer survives a dropped watch and a 410 relist', async () => {
    sim.store.put(namespace('informed'));
    sim.store.put(configMap('informed', 'one', {}));
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/informed/configmaps', () => core.listNamespacedConfigMap({ namespace: 'informed' }));
    const errors: unknown[] = [];
    informer.on('error', (error: unknown) => errors.push(error));
    const names = (): string[] => informer.list().map((c) => c.metadata?.name ?? '').sort();
    await informer.start();
    try {
      await eventually(() => names().join() === 'one', 'the first list');

      // A dropped watch: the server ends the stream; the informer resumes from its resourceVersion.
      sim.faults.dropWatchesAfterMs = 1;
      await new Promise((resolve) => setTimeout(resolve, 150));
      sim.faults.dropWatchesAfterMs = 0;
      sim.store.put(configMap('informed', 'two', {}));
      await eventually(() => names().join() === 'one,two', 'the object created after the drop');

      // 410 Gone: every resumed watch expires, so the informer relists; deletions made meanwhile disappear.
      sim.faults.watchGone = true;
      sim.faults.dropWatchesAfterMs = 1;
      sim.store.delete('v1', 'ConfigMap', 'informed', 'one');
      sim.store.put(configMap('informed', 'three', {}));
      await new Promise((resolve) => setTimeout(resolve, 200));
      sim.faults.watchGone = false;
      sim.faults.dropWatchesAfterMs = 0;
      await eventually(() => names().join() === 'three,two', 'the relisted state');
      sim.store.put(configMap('informed', 'four', {}));
      await eventually(() => names().join() === 'four,three,two', 'an event on the new watch');
      assert.deepEqual(errors, []);
    } finally {
      await informer.stop();
    }
  });

  it('server-side apply creates, updates, removes dropped fields, and reports conflicts', async () => {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const applied = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ssa', namespace: 'default', labels: { owner: 'deepflow', extra: 'yes' } },
      data: { mode: 'a', keep: 'k' },
    };
    const created = await objects.patch(applied, undefined, undefined, 'deepflow-acp', true, k8s.PatchStrategy.ServerSideApply);
    assert.equal(created.metadata?.name, 'ssa');
    const updated = await objects.patch({ ...applied, metadata: { ...applied.metadata, labels: { owner: 'deepflow' } }, data: { mode: 'b', keep: 'k' } }, undefined, undefined, 'deepflow-acp', true, k8s.PatchStrategy.ServerSideApply);
    const stored = sim.store.get('v1', 'ConfigMap', 'default', 'ssa');
    assert.deepEqual(stored?.data, { mode: 'b', keep: 'k' });
    assert.deepEqual(stored?.metadata.labels, { owner: 'deepflow' });
    assert.notEqual((updated as k8s.KubernetesObject).metadata?.resourceVersion, (created as k8s.KubernetesObject).metadata?.resourceVersion);

    const conflict = await apiError(objects.patch({ ...applied, data: { mode: 'c' } }, undefined, undefined, 'someone-else', false, k8s.PatchStrategy.ServerSideApply));
    assert.equal(conflict.code, 409);
    assert.match(bodyText(conflict), /FieldManagerConflict/);
    assert.match(bodyText(conflict), /conflict with \\"deepflow-acp\\"/);
    await objects.patch({ ...applied, data: { mode: 'c' } }, undefined, undefined, 'someone-else', true, k8s.PatchStrategy.ServerSideApply);
    assert.equal(sim.store.get('v1', 'ConfigMap', 'default', 'ssa')?.data?.['mode' as never], 'c');
  });

  it('reads and patches custom resources through the custom-objects API', async () => {
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    sim.store.put({ apiVersion: 'operator.alauda.io/v1alpha1', kind: 'AppRelease', metadata: { name: 'nfs', namespace: 'cpaas-system' }, spec: {} });
    const list = (await custom.listNamespacedCustomObject({ group: 'operator.alauda.io', version: 'v1alpha1', namespace: 'cpaas-system', plural: 'appreleases' })) as { items: KubeObject[] };
    assert.deepEqual(list.items.map((i) => i.metadata.name), ['nfs']);
    await custom.patchNamespacedCustomObject(
      { group: 'operator.alauda.io', version: 'v1alpha1', namespace: 'cpaas-system', plural: 'appreleases', name: 'nfs', body: { metadata: { labels: { touched: 'yes' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.equal(sim.store.get('operator.alauda.io/v1alpha1', 'AppRelease', 'cpaas-system', 'nfs')?.metadata.labels?.touched, 'yes');
  });

  it('surfaces 401 and 403 as ApiException with the right code', async () => {
    const stranger = kubeConfigFor('not-a-known-token').makeApiClient(k8s.CoreV1Api);
    assert.equal((await apiError(stranger.listNamespace())).code, 401);
    const viewerToken = sim.addToken({ user: 'viewer', rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'], namespaces: ['default'] }] });
    const viewer = kubeConfigFor(viewerToken).makeApiClient(k8s.CoreV1Api);
    await viewer.listNamespacedConfigMap({ namespace: 'default' });
    const denied = await apiError(viewer.listNamespacedSecret({ namespace: 'default' }));
    assert.equal(denied.code, 403);
    assert.match(bodyText(denied), /User \\"viewer\\" cannot list resource \\"secrets\\" in API group \\"\\" in the namespace \\"default\\"/);
    assert.equal((await apiError(viewer.listNamespacedConfigMap({ namespace: 'kube-system' }))).code, 403);
  });

  it('answers a SelfSubjectAccessReview from the token grant', async () => {
    const viewerToken = sim.addToken({ user: 'viewer', rules: [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] }] });
    const authz = kubeConfigFor(viewerToken).makeApiClient(k8s.AuthorizationV1Api);
    const ask = async (verb: string): Promise<boolean | undefined> =>
      (await authz.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { verb, group: 'apps', resource: 'deployments', namespace: 'cpaas-system' } } } })).status?.allowed;
    assert.equal(await ask('get'), true);
    assert.equal(await ask('delete'), false);
  });

  it('answers 500 while the errors500 fault is on, and recovers', async () => {
    sim.faults.errors500 = true;
    assert.equal((await apiError(core.listNamespace())).code, 500);
    sim.faults.errors500 = false;
    await core.listNamespace();
  });
});
