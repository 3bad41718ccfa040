/**
 * The simulated ACP controllers on a bare MemoryStore (no HTTP): the cluster-transformer's push gate, the chart's
 * value rendering (including the guide's empty MySQL size), workload status as `kubectl rollout status` reads it,
 * the querier's SQL answers and the admin endpoint's fault merge.
 */
import { strict as assert } from 'node:assert';
import { mergeFaults } from '../sim/admin';
import type { Faults, KubeObject } from '../sim/contract';
import { ApplicationController, renderValues } from '../sim/controllers/application';
import { ClusterTransformer } from '../sim/controllers/clusterTransformer';
import { Scheduler } from '../sim/controllers/runtime';
import { WorkloadController, workloadReady } from '../sim/controllers/workloads';
import { QuerySyntaxError, answerQuery } from '../sim/platform/querier';
import { PushRegistry } from '../sim/platform/pushes';
import { MemoryStore } from '../sim/store';

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function noFaults(): Faults {
  return { slowApiMs: 0, apiDown: false, errors500: false, dropWatchesAfterMs: 0, watchGone: false, crashLoop: '' };
}

function push(file: string): Parameters<PushRegistry['add']>[0] {
  return { file, sizeBytes: 1, user: 'admin@cpaas.io', targetChartRepo: 'public-charts', clusters: [], at: new Date().toISOString() };
}

describe('simulated ACP controllers', () => {
  let store: MemoryStore;
  let scheduler: Scheduler;
  let pushes: PushRegistry;
  let faults: Faults;
  let stops: (() => void)[];

  beforeEach(() => {
    store = new MemoryStore();
    scheduler = new Scheduler(0.01);
    pushes = new PushRegistry();
    faults = noFaults();
    stops = [];
    for (const n of ['node-1', 'node-2']) store.put({ apiVersion: 'v1', kind: 'Node', metadata: { name: n } });
    const workloads = new WorkloadController(store, scheduler, faults);
    const transformer = new ClusterTransformer(store, scheduler, pushes);
    const apps = new ApplicationController(store, scheduler, pushes);
    for (const c of [workloads, transformer, apps]) {
      c.start();
      stops.push(() => c.stop());
    }
  });

  afterEach(() => {
    for (const s of stops) s();
    scheduler.stop();
  });

  describe('cluster-transformer', () => {
    const cpi: KubeObject = { apiVersion: 'cluster.alauda.io/v1alpha1', kind: 'ClusterPluginInstance', metadata: { name: 'nfs' }, spec: { pluginName: 'nfs' } };
    const health = (): Record<string, unknown> => {
      const ars = store.get('operator.alauda.io/v1alpha1', 'AppRelease', 'cpaas-system', 'nfs');
      const conditions = record(ars?.status).conditions;
      return record(Array.isArray(conditions) ? conditions.find((c) => record(c).type === 'Health') : undefined);
    };

    it('creates ars/nfs owned by the instance, ChartNotFound until the nfs artifact is pushed, then Health True', async () => {
      const owner = store.put(cpi);
      await until('ChartNotFound', () => health().reason === 'ChartNotFound');
      assert.equal(health().status, 'False');
      assert.match(String(health().message), /push the nfs artifact/);
      const ars = store.get('operator.alauda.io/v1alpha1', 'AppRelease', 'cpaas-system', 'nfs');
      assert.equal(ars?.metadata.ownerReferences?.[0]?.uid, owner.metadata.uid);
      pushes.add(push('nfs.amd64.v4.0.2.tgz'));
      await until('Health True', () => health().status === 'True');
    });

    it('ignores pushes into another chart repository', async () => {
      pushes.add({ ...push('nfs.amd64.v4.0.2.tgz'), targetChartRepo: 'private' });
      store.put(cpi);
      await until('ChartNotFound', () => health().reason === 'ChartNotFound');
    });
  });

  describe('chart values', () => {
    it('applies chart defaults, including for the guide\'s empty MySQL size', () => {
      const v = renderValues({
        global: { storageClass: 'nfs' },
        mysql: { storageConfig: { persistence: { size: '' } } },
        clickhouse: { storageConfig: { persistence: [{ name: 'clickhouse-path', size: '100Gi', storageClass: '{{ .Values.global.storageClass }}' }] } },
      });
      assert.equal(v.mysqlSize, '50Gi');
      assert.deepEqual(v.clickhouse[0], { name: 'clickhouse-path', size: '100Gi', storageClass: 'nfs', accessModes: ['ReadWriteOnce'] });
      assert.equal(v.grafanaPassword, 'deepflow');
      assert.equal(v.grafanaUser, 'admin');
      const defaults = renderValues({});
      assert.deepEqual(
        defaults.clickhouse.map((c) => [c.name, c.size]),
        [
          ['clickhouse-path', '100Gi'],
          ['clickhouse-storage-path', '200Gi'],
        ],
      );
    });
  });

  describe('Application', () => {
    const app = (values: unknown): KubeObject => ({
      apiVersion: 'app.k8s.io/v1beta1',
      kind: 'Application',
      metadata: {
        name: 'deepflow',
        namespace: 'cpaas-system',
        annotations: { 'app.cpaas.io/chart.source': 'public-charts/deepflow-plugin', 'app.cpaas.io/chart.version': 'v1', 'app.cpaas.io/chart.values': JSON.stringify(values) },
      },
      spec: {},
    });
    const phase = (): unknown => record(store.get('app.k8s.io/v1beta1', 'Application', 'cpaas-system', 'deepflow')?.spec).assemblyPhase;

    it('goes Pending then Succeeded once the pushed chart\'s workloads are ready, and re-renders on a values change', async () => {
      pushes.add(push('deepflow-v1.tgz'));
      store.put(app({ grafana: { adminPassword: 'one' } }));
      await until('Pending', () => phase() === 'Pending');
      await until('Succeeded', () => phase() === 'Succeeded');
      const secret = (): string => Buffer.from(String(record(store.get('v1', 'Secret', 'cpaas-system', 'deepflow-grafana')?.data)['admin-password']), 'base64').toString();
      assert.equal(secret(), 'one');
      const before = store.get('apps/v1', 'Deployment', 'cpaas-system', 'deepflow-grafana')?.metadata.generation ?? 0;
      const current = store.get('app.k8s.io/v1beta1', 'Application', 'cpaas-system', 'deepflow');
      assert.ok(current);
      current.metadata.annotations = { ...current.metadata.annotations, 'app.cpaas.io/chart.values': JSON.stringify({ grafana: { adminPassword: 'two' } }) };
      store.put(current);
      await until('new password', () => secret() === 'two');
      // The Grafana pods roll (checksum annotation), as the Grafana chart makes them.
      await until('grafana rolled', () => (store.get('apps/v1', 'Deployment', 'cpaas-system', 'deepflow-grafana')?.metadata.generation ?? 0) > before);
      await until('Succeeded again', () => phase() === 'Succeeded');
    });
  });

  describe('workloads', () => {
    const deployment: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'main', image: 'nginx' }] } } },
    };

    it('gives any Deployment pods and the status fields rollout status reads', async () => {
      store.put(deployment);
      const d = await until('ready', () => {
        const w = store.get('apps/v1', 'Deployment', 'default', 'web');
        return workloadReady(w) ? w : undefined;
      });
      assert.deepEqual(
        ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas'].map((k) => record(d.status)[k]),
        [1, 2, 2, 2, 2],
      );
      const pods = store.list('v1', 'Pod', 'default');
      assert.equal(pods.length, 2);
      for (const p of pods) assert.equal(p.metadata.ownerReferences?.[0]?.name, 'web');
    });

    it('rolls a StatefulSet to a new revision', async () => {
      const sts: KubeObject = { ...deployment, kind: 'StatefulSet', spec: { ...record(deployment.spec), replicas: 1 } };
      store.put(sts);
      const first = await until('ready', () => {
        const w = store.get('apps/v1', 'StatefulSet', 'default', 'web');
        return workloadReady(w) ? w : undefined;
      });
      const changed = store.get('apps/v1', 'StatefulSet', 'default', 'web');
      assert.ok(changed);
      record(record(record(changed.spec).template).metadata).annotations = { restartedAt: 'now' };
      store.put(changed);
      const second = await until('rolled', () => {
        const w = store.get('apps/v1', 'StatefulSet', 'default', 'web');
        return workloadReady(w) && record(w?.status).currentRevision !== record(first.status).currentRevision ? w : undefined;
      });
      assert.equal(record(second.status).updateRevision, record(second.status).currentRevision);
      assert.equal(store.list('v1', 'Pod', 'default')[0]?.metadata.name, 'web-0');
    });

    it('crash-loops the named workload\'s pods while the fault is on', async () => {
      faults.crashLoop = 'web';
      store.put(deployment);
      await until('restarts', () => store.list('v1', 'Pod', 'default').every((p) => Number(record(record(p.status).containerStatuses && (record(p.status).containerStatuses as unknown[])[0]).restartCount) >= 1));
      assert.equal(workloadReady(store.get('apps/v1', 'Deployment', 'default', 'web')), false);
      faults.crashLoop = '';
      await until('recovered', () => workloadReady(store.get('apps/v1', 'Deployment', 'default', 'web')));
    });
  });

  describe('querier and admin helpers', () => {
    it('answers selected columns and filters DNS rows', () => {
      const r = answerQuery("SELECT request_resource, response_status AS status FROM l7_flow_log WHERE request_resource LIKE '%example.com' AND response_status = 4");
      assert.deepEqual(r.columns, ['request_resource', 'status']);
      assert.deepEqual(r.values, [['nosuch.example.com', 4]]);
      const counted = answerQuery('SELECT pod_ns_0, Count(row) AS n FROM l7_flow_log WHERE l7_protocol = 120 GROUP BY pod_ns_0');
      assert.deepEqual(counted.values, [
        ['default', 3],
        ['shop', 4],
      ]);
    });

    it('evaluates OR, NOT, IN, parentheses, escaped quotes and the time range, and refuses unknown columns', () => {
      const now = Date.UTC(2026, 11, 2, 10);
      const failed = answerQuery("SELECT request_resource FROM l7_flow_log WHERE l7_protocol = 120 AND (pod_ns_0 = 'shop' OR pod_ns_0 = 'default') AND NOT response_status IN (0) ORDER BY request_resource ASC", now);
      assert.deepEqual(failed.values.map((v) => v[0]), ['ledger.bank.example', 'nosuch.example.com', 'payments.shop.svc.cluster.locl', 'payments.shop.svc.cluster.locl']);
      const lastHour = answerQuery(`SELECT request_resource FROM l7_flow_log WHERE l7_protocol = 120 AND response_status = 4 AND time >= ${now / 1000 - 3600} AND time <= ${now / 1000}`, now);
      assert.equal(lastHour.values.length, 2, 'the three-hour-old NXDOMAIN is outside the last hour');
      assert.deepEqual(answerQuery("SELECT request_resource FROM l7_flow_log WHERE request_resource = 'it\\'s' OR request_resource = 'x''y'", now).values, []);
      assert.throws(() => answerQuery('SELECT time FROM l7_flow_log WHERE nope = 1'), QuerySyntaxError);
      assert.throws(() => answerQuery("SELECT time FROM l7_flow_log WHERE pod_ns_0 = 'open"), /unterminated string/);
    });

    it('merges known faults and rejects unknown keys and wrong types', () => {
      const f = noFaults();
      assert.equal(mergeFaults(f, { apiDown: true, slowApiMs: 50 }), undefined);
      assert.equal(f.apiDown, true);
      assert.equal(f.slowApiMs, 50);
      assert.match(mergeFaults(f, { nope: 1 }) ?? '', /unknown fault/);
      assert.match(mergeFaults(f, { crashLoop: 3 }) ?? '', /must be a string/);
      assert.equal(f.crashLoop, '');
    });
  });
});
