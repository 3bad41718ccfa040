/**
 * The ACP simulator's own behaviour beyond the guide's happy path: the admin endpoint, violet's refusals, a chart
 * that was never pushed, DaemonSet pods following the node count, the crash-loop fault, the Grafana stand-in behind
 * the ingress path, and the querier behind the service proxy.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { KubeObject } from '../sim/contract';
import { startSimulator, type StartedSimulator } from '../sim/index';
import { call, type Reply } from './httpCall';

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function run(file: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    execFile(file, args, { cwd, timeout: 30_000, ...(env ? { env } : {}) }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolvePromise({ code, stdout, stderr });
    });
  });
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').pop() ?? '';
}

function application(version: string, values: unknown, valuesText?: string): KubeObject {
  return {
    apiVersion: 'app.k8s.io/v1beta1',
    kind: 'Application',
    metadata: {
      name: 'deepflow',
      namespace: 'cpaas-system',
      annotations: {
        'app.cpaas.io/chart.source': 'public-charts/deepflow-plugin',
        'app.cpaas.io/chart.version': version,
        'app.cpaas.io/chart.values': valuesText ?? JSON.stringify(values),
        'cpaas.io/display-name': 'DeepFlow',
      },
      labels: { 'sync-from-helmrequest': 'true' },
    },
    spec: {},
  };
}

function ingress(cluster: string): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'deepflow-grafana', namespace: 'cpaas-system' },
    spec: {
      ingressClassName: 'cpaas-system',
      rules: [{ http: { paths: [{ backend: { service: { name: 'deepflow-grafana', port: { number: 80 } } }, path: `/clusters/${cluster}/deepflow($|/)(.*)`, pathType: 'ImplementationSpecific' }] } }],
    },
  };
}

const VALUES = {
  global: { storageClass: 'nfs' },
  grafana: { adminUser: 'admin', adminPassword: 'p"w$\\1', 'grafana.ini': { server: { root_url: '%(protocol)s://%(domain)s/clusters/cluster1/deepflow', serve_from_sub_path: true } } },
  mysql: { storageConfig: { persistence: { size: '20Gi' } } },
};

describe('ACP simulator', function () {
  this.timeout(60_000);
  let sim: StartedSimulator;
  let work: string;
  let violet: string;

  const api = (path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Reply> =>
    call(`${sim.info.apiUrl}${path}`, { ...init, ca: sim.caPem, headers: { authorization: `Bearer ${sim.adminToken}`, ...init.headers } });
  const admin = (path: string, body?: unknown): Promise<Reply> =>
    call(`${sim.info.adminUrl}${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const platform = (path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Reply> =>
    call(`${sim.info.platformUrl}${path}`, { ...init, ca: sim.platformCaPem });
  const store = (): StartedSimulator['api']['store'] => sim.api.store;
  const push = (file: string, ...extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    run(violet, ['push', '--platform-address', sim.info.platformUrl, ...extra, file], work);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'sim-test-'));
    sim = await startSimulator({ timeScale: 0.02, nodes: 3 });
    const download = await platform('/platform/tools/download/violet/violet_linux_amd64');
    assert.equal(download.status, 200);
    violet = join(work, 'violet');
    writeFileSync(violet, download.body);
    chmodSync(violet, 0o755);
    for (const f of ['deepflow-v1.0.0.tgz', 'nfs.amd64.v4.0.2.tgz']) writeFileSync(join(work, f), Buffer.from(`dummy ${f}`));
  });

  after(async () => {
    await sim?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe('admin endpoint', () => {
    it('flips faults that the API server obeys, and rejects unknown ones', async () => {
      assert.equal((await api('/api/v1/namespaces')).status, 200);
      const on = await admin('/faults', { errors500: true });
      assert.equal(on.status, 200);
      assert.equal(sim.faults.errors500, true);
      assert.equal((await api('/api/v1/namespaces')).status, 500);
      await admin('/faults', { errors500: false });
      assert.equal((await api('/api/v1/namespaces')).status, 200);
      assert.equal((await admin('/faults', { noSuchFault: true })).status, 400);
      assert.equal((await admin('/faults', { apiDown: 'yes' })).status, 400);
      assert.deepEqual(JSON.parse((await admin('/faults')).body), sim.faults);
    });

    it('takes the API server down and back with apiDown', async () => {
      assert.equal((await admin('/faults', { apiDown: true })).status, 200);
      await until('connection refused', async () => api('/api/v1/namespaces').then(() => false, () => true));
      await admin('/faults', { apiDown: false });
      await until('back up', async () => api('/api/v1/namespaces').then((r) => r.status === 200, () => false));
    });

    it('counts and resets API requests, and reports info', async () => {
      await admin('/requests/reset', {});
      await api('/api/v1/nodes');
      await api('/api/v1/nodes');
      assert.equal(record(JSON.parse((await admin('/requests')).body)).count, 2);
      const info = record(JSON.parse((await admin('/info')).body));
      assert.equal(info.platformUrl, sim.info.platformUrl);
      assert.equal(info.platformFingerprint, sim.info.platformFingerprint);
    });
  });

  describe('violet stand-in', () => {
    it('prints its version', async () => {
      const r = await run(violet, ['version'], work);
      assert.equal(r.stdout.trim(), 'violet v3.0.0');
    });

    it('refuses bad credentials with a 401 error line and exits non-zero', async () => {
      const r = await push('nfs.amd64.v4.0.2.tgz', '--platform-username', sim.info.platformUsername, '--platform-password', 'wrong');
      assert.notEqual(r.code, 0);
      assert.match(lastLine(r.stderr), /^ERRO.*401 Unauthorized/);
      assert.equal(sim.pushes().length, 0);
    });

    it('refuses an IPv6 platform address', async () => {
      const r = await run(violet, ['push', '--platform-address', 'https://[::1]:8443', '--platform-username', 'u', '--platform-password', 'p', 'nfs.amd64.v4.0.2.tgz'], work);
      assert.notEqual(r.code, 0);
      assert.match(lastLine(r.stderr), /IPv6 .*not supported/);
    });

    it('refuses token and password together, a missing file, and an account without platform-admin-system', async () => {
      const both = await push('nfs.amd64.v4.0.2.tgz', '--platform-token', sim.platformToken, '--platform-password', 'x', '--platform-username', 'y');
      assert.notEqual(both.code, 0);
      assert.match(lastLine(both.stderr), /cannot be used together/);
      const missing = await push('nope.tgz', '--platform-token', sim.platformToken);
      assert.notEqual(missing.code, 0);
      assert.match(lastLine(missing.stderr), /no such file/);
      const viewer = await push('nfs.amd64.v4.0.2.tgz', '--platform-username', sim.viewerUsername, '--platform-password', sim.info.platformPassword);
      assert.notEqual(viewer.code, 0);
      assert.match(lastLine(viewer.stderr), /403.*platform-admin-system/);
      assert.equal(sim.pushes().length, 0);
    });

    it('pushes with a token; like the real violet it accepts any certificate, and it goes through HTTPS_PROXY', async () => {
      const r = await push('nfs.amd64.v4.0.2.tgz', '--platform-token', sim.platformToken, '--clusters', 'cluster1,cluster2');
      assert.equal(r.code, 0, r.stderr);
      assert.match(lastLine(r.stdout), /Push nfs.amd64.v4.0.2.tgz succeeded/);
      const [p] = sim.pushes();
      assert.deepEqual({ file: p?.file, user: p?.user, repo: p?.targetChartRepo, clusters: p?.clusters }, { file: 'nfs.amd64.v4.0.2.tgz', user: 'token', repo: 'public-charts', clusters: ['cluster1', 'cluster2'] });
      // A server with another certificate (the API server): no TLS complaint, it gets the request (and refuses it).
      const other = await run(violet, ['push', '--platform-address', sim.info.apiUrl, '--platform-token', sim.platformToken, 'nfs.amd64.v4.0.2.tgz'], work);
      assert.notEqual(other.code, 0);
      assert.doesNotMatch(lastLine(other.stderr), /certificate|self.signed|issuer/i);
      assert.match(lastLine(other.stderr), /401|403|404/);
      // A proxy that is not there: the push goes to it (CONNECT), not around it; NO_PROXY lets it through directly.
      const proxied = await run(violet, ['push', '--platform-address', sim.info.platformUrl, '--platform-token', sim.platformToken, 'nfs.amd64.v4.0.2.tgz'], work, { ...process.env, HTTPS_PROXY: 'http://127.0.0.1:9' });
      assert.notEqual(proxied.code, 0);
      assert.match(lastLine(proxied.stderr), /proxyconnect tcp: .*ECONNREFUSED/);
      const bypassed = await run(violet, ['push', '--platform-address', sim.info.platformUrl, '--platform-token', sim.platformToken, 'nfs.amd64.v4.0.2.tgz'], work, { ...process.env, HTTPS_PROXY: 'http://127.0.0.1:9', NO_PROXY: '127.0.0.1' });
      assert.equal(bypassed.code, 0, bypassed.stderr);
    });
  });

  describe('cluster-transformer', () => {
    it('turns ars/nfs healthy after the push, and deletes it with the ClusterPluginInstance', async () => {
      const body = JSON.stringify({ apiVersion: 'cluster.alauda.io/v1alpha1', kind: 'ClusterPluginInstance', metadata: { name: 'nfs' }, spec: { pluginName: 'nfs' } });
      const created = await api('/apis/cluster.alauda.io/v1alpha1/clusterplugininstances', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      assert.equal(created.status, 201, created.body);
      await until('Health True', () => {
        const conditions = record(store().get('operator.alauda.io/v1alpha1', 'AppRelease', 'cpaas-system', 'nfs')?.status).conditions;
        return Array.isArray(conditions) && conditions.some((c) => record(c).type === 'Health' && record(c).status === 'True');
      });
      const deleted = await api('/apis/cluster.alauda.io/v1alpha1/clusterplugininstances/nfs', { method: 'DELETE' });
      assert.equal(deleted.status, 200, deleted.body);
      await until('ars gone', () => store().get('operator.alauda.io/v1alpha1', 'AppRelease', 'cpaas-system', 'nfs') === undefined);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(store().get('operator.alauda.io/v1alpha1', 'AppRelease', 'cpaas-system', 'nfs'), undefined, 'not recreated');
    });
  });

  describe('Application controller', () => {
    it('fails an Application whose chart version was never pushed, naming the chart', async () => {
      store().put(application('v9.9.9', VALUES));
      const app = await until('assemblyPhase Failed', () => {
        const a = store().get('app.k8s.io/v1beta1', 'Application', 'cpaas-system', 'deepflow');
        return record(a?.spec).assemblyPhase === 'Failed' ? a : undefined;
      });
      assert.match(String(record(app.status).message), /deepflow-plugin version v9\.9\.9 not found.*deepflow-v9\.9\.9\.tgz/);
      assert.equal(store().get('apps/v1', 'Deployment', 'cpaas-system', 'deepflow-server'), undefined);
    });

    it('fails on values that are not JSON', async () => {
      store().put(application('v1.0.0', undefined, '{"global": '));
      const app = await until('Failed on bad JSON', () => {
        const a = store().get('app.k8s.io/v1beta1', 'Application', 'cpaas-system', 'deepflow');
        return /not valid JSON/.test(String(record(a?.status).message)) ? a : undefined;
      });
      assert.equal(record(app.spec).assemblyPhase, 'Failed');
    });
  });

  describe('DeepFlow installed', () => {
    before(async () => {
      const r = await push('deepflow-v1.0.0.tgz', '--platform-username', sim.info.platformUsername, '--platform-password', sim.info.platformPassword);
      assert.equal(r.code, 0, r.stderr);
      store().put({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'nfs' }, provisioner: 'nfs.csi.k8s.io' });
      store().put(application('v1.0.0', VALUES));
      await until('assemblyPhase Succeeded', () => record(store().get('app.k8s.io/v1beta1', 'Application', 'cpaas-system', 'deepflow')?.spec).assemblyPhase === 'Succeeded');
    });

    it('renders six workloads with app/component labels, Services and PVCs from the values', () => {
      for (const [kind, name] of [
        ['Deployment', 'deepflow-server'],
        ['Deployment', 'deepflow-app'],
        ['Deployment', 'deepflow-mysql'],
        ['Deployment', 'deepflow-grafana'],
        ['StatefulSet', 'deepflow-clickhouse'],
        ['DaemonSet', 'deepflow-agent'],
      ] as const) {
        const w = store().get('apps/v1', kind, 'cpaas-system', name);
        assert.deepEqual({ app: w?.metadata.labels?.app, component: w?.metadata.labels?.component }, { app: 'deepflow', component: name });
      }
      const ports = (name: string): unknown[] => (record(store().get('v1', 'Service', 'cpaas-system', name)?.spec).ports as unknown[]).map((p) => record(p).port);
      assert.deepEqual(ports('deepflow-server'), [20416, 20417]);
      assert.deepEqual(ports('deepflow-grafana'), [80]);
      const mysql = store().get('v1', 'PersistentVolumeClaim', 'cpaas-system', 'deepflow-mysql');
      assert.equal(record(record(record(mysql?.spec).resources).requests).storage, '20Gi');
      assert.equal(record(mysql?.spec).storageClassName, 'nfs');
      const ck = store().get('v1', 'PersistentVolumeClaim', 'cpaas-system', 'clickhouse-storage-path-deepflow-clickhouse-0');
      assert.equal(record(record(record(ck?.spec).resources).requests).storage, '200Gi');
    });

    it('keeps DaemonSet pods in step with the node count', async () => {
      const agentPods = (): KubeObject[] => store().list('v1', 'Pod', 'cpaas-system').filter((p) => p.metadata.labels?.component === 'deepflow-agent');
      assert.equal(agentPods().length, 3);
      assert.equal((await admin('/nodes', { count: 40 })).status, 200);
      await until('40 ready agents', () => {
        const s = record(store().get('apps/v1', 'DaemonSet', 'cpaas-system', 'deepflow-agent')?.status);
        return s.desiredNumberScheduled === 40 && s.numberReady === 40;
      });
      assert.equal(agentPods().length, 40);
      assert.equal(new Set(agentPods().map((p) => record(p.spec).nodeName)).size, 40);
      sim.setNodeCount(2, 1);
      await until('2 agents', () => agentPods().length === 2 && record(store().get('apps/v1', 'DaemonSet', 'cpaas-system', 'deepflow-agent')?.status).numberReady === 2);
      const kernels = store().list('v1', 'Node').map((n) => record(record(n.status).nodeInfo).kernelVersion);
      assert.deepEqual(kernels, ['3.10.0-1160.el7.x86_64', '5.15.0-91-generic']);
      assert.equal((await admin('/nodes', { count: 0 })).status, 400);
      sim.setNodeCount(3, 0);
    });

    it('crash-loops a workload on the crashLoop fault and recovers when it is lifted', async () => {
      await admin('/faults', { crashLoop: 'deepflow-app' });
      const appPod = (): KubeObject | undefined => store().list('v1', 'Pod', 'cpaas-system').find((p) => p.metadata.labels?.component === 'deepflow-app');
      const restarts = (): number => Number(record(((record(appPod()?.status).containerStatuses as unknown[] | undefined) ?? [])[0]).restartCount ?? 0);
      await until('restartCount >= 2', () => restarts() >= 2);
      const cs = record(((record(appPod()?.status).containerStatuses as unknown[] | undefined) ?? [])[0]);
      assert.equal(record(record(cs.state).waiting).reason, 'CrashLoopBackOff');
      await until('deployment unready', () => record(store().get('apps/v1', 'Deployment', 'cpaas-system', 'deepflow-app')?.status).readyReplicas === 0);
      await until('Application Pending', () => record(store().get('app.k8s.io/v1beta1', 'Application', 'cpaas-system', 'deepflow')?.spec).assemblyPhase === 'Pending');
      await admin('/faults', { crashLoop: '' });
      await until('Application Succeeded again', () => record(store().get('app.k8s.io/v1beta1', 'Application', 'cpaas-system', 'deepflow')?.spec).assemblyPhase === 'Succeeded');
    });

    it('reverts a direct edit of a chart-managed workload', async () => {
      const d = store().get('apps/v1', 'Deployment', 'cpaas-system', 'deepflow-server');
      assert.ok(d);
      store().put({ ...d, spec: { ...record(d.spec), replicas: 0 } });
      await until('replicas back to 1', () => record(store().get('apps/v1', 'Deployment', 'cpaas-system', 'deepflow-server')?.spec).replicas === 1);
      await until('Application Succeeded again', () => record(store().get('app.k8s.io/v1beta1', 'Application', 'cpaas-system', 'deepflow')?.spec).assemblyPhase === 'Succeeded');
    });

    describe('Grafana behind the ingress path', () => {
      const base = '/clusters/cluster1/deepflow';

      it('answers 404 before the Ingress exists', async () => {
        const r = await platform(`${base}/login`);
        assert.equal(r.status, 404);
      });

      it('serves login with X-Frame-Options deny, redirects pages, and a SameSite=Lax session', async () => {
        store().put(ingress('cluster1'));
        const login = await platform(`${base}/login`);
        assert.equal(login.status, 200);
        assert.equal(login.headers['x-frame-options'], 'deny');
        const page = await platform(`${base}/d/Distributed_Tracing/distributed-tracing`);
        assert.equal(page.status, 302);
        assert.equal(page.headers.location, `${base}/login`);
        assert.equal(page.headers['x-frame-options'], 'deny');
        const bad = await platform(`${base}/login`, { method: 'POST', body: JSON.stringify({ user: 'admin', password: 'deepflow' }), headers: { 'content-type': 'application/json' } });
        assert.equal(bad.status, 401);
        const ok = await platform(`${base}/login`, { method: 'POST', body: JSON.stringify({ user: 'admin', password: VALUES.grafana.adminPassword }), headers: { 'content-type': 'application/json' } });
        assert.equal(ok.status, 200);
        const cookie = String(ok.headers['set-cookie']?.[0] ?? '');
        assert.match(cookie, /^grafana_session=\w+;.*SameSite=Lax/);
        const withCookie = await platform(`${base}/d/Distributed_Tracing/distributed-tracing?orgId=1&var-namespace=shop&var-request_resource=*example.com*`, { headers: { cookie: cookie.split(';')[0] ?? '' } });
        assert.equal(withCookie.status, 200);
        // Grafana's index page: the frontend renders the dashboard from appSubUrl, the server only boots it.
        assert.match(withCookie.body, new RegExp(`<base href="${base}/" />`));
        assert.match(withCookie.body, new RegExp(`"appSubUrl":"${base}"`));
        assert.match(withCookie.body, /"login":"admin"/);
        const script = /<script src="(public\/build\/app\.[0-9a-f]+\.js)"/.exec(withCookie.body)?.[1];
        assert.ok(script, 'the index page loads the bundle by a path relative to the base href');
        const bundle = await platform(`${base}/${script}`);
        assert.equal(bundle.status, 200, 'the bundle is public, as Grafana serves public/ without a login');
        assert.match(bundle.body, /grafanaBootData/);
        assert.equal((await platform(`${base}/login`, { headers: { cookie: cookie.split(';')[0] ?? '' } })).headers.location, `${base}/`, 'a signed-in user is sent home from /login');
      });

      it('serves the real Distributed_Tracing dashboard by uid and lists both folders', async () => {
        const auth = { authorization: `Basic ${Buffer.from(`admin:${VALUES.grafana.adminPassword}`).toString('base64')}` };
        const r = await platform(`${base}/api/dashboards/uid/Distributed_Tracing`, { headers: auth });
        assert.equal(r.status, 200);
        assert.equal(r.headers['x-frame-options'], 'deny');
        const file = JSON.parse(readFileSync(resolve(__dirname, '..', 'sim', 'data', 'deepflow', 'dashboards', 'Distributed-Tracing.json'), 'utf8')) as Record<string, unknown>;
        const served = record(JSON.parse(r.body));
        assert.equal(record(served.dashboard).title, file.title);
        assert.deepEqual(record(served.dashboard).templating, file.templating);
        assert.equal(record(served.meta).folderTitle, 'DeepFlow Templates');
        const folders = (JSON.parse((await platform(`${base}/api/search?type=dash-folder`, { headers: auth })).body) as unknown[]).map((f) => record(f).title);
        assert.deepEqual(folders, ['DeepFlow Templates', 'DeepFlow System']);
        assert.equal((await platform(`${base}/api/search`)).status, 401);
        assert.equal((await platform(`${base}/api/health`)).status, 200);
      });

      it('accepts a websocket at /api/live/ws and echoes a text frame', async () => {
        const { connect } = await import('node:tls');
        const u = new URL(sim.info.platformUrl);
        const socket = connect({ host: u.hostname, port: Number(u.port), ca: sim.platformCaPem });
        const auth = Buffer.from(`admin:${VALUES.grafana.adminPassword}`).toString('base64');
        socket.write(`GET ${base}/api/live/ws HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Basic ${auth}\r\n\r\n`);
        const payload = Buffer.from('{"id":1}');
        const mask = Buffer.from([1, 2, 3, 4]);
        const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] ?? 0)));
        socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
        const received = await new Promise<string>((resolvePromise, reject) => {
          let data = Buffer.alloc(0);
          socket.on('data', (c: Buffer) => {
            data = Buffer.concat([data, c]);
            const end = data.indexOf('\r\n\r\n');
            if (end >= 0 && data.length >= end + 4 + 2 + payload.length) resolvePromise(data.toString('latin1'));
          });
          socket.on('error', reject);
        });
        socket.destroy();
        assert.match(received, /^HTTP\/1.1 101 /);
        assert.ok(received.endsWith('{"id":1}'));
      });

      it('answers 503 while the Grafana deployment is not ready', async () => {
        await admin('/faults', { crashLoop: 'deepflow-grafana' });
        await until('grafana unready', () => record(store().get('apps/v1', 'Deployment', 'cpaas-system', 'deepflow-grafana')?.status).readyReplicas === 0);
        assert.equal((await platform(`${base}/login`)).status, 503);
        await admin('/faults', { crashLoop: '' });
        await until('grafana ready', () => record(store().get('apps/v1', 'Deployment', 'cpaas-system', 'deepflow-grafana')?.status).readyReplicas === 1);
      });
    });

    describe('afterwards', () => {
      it('answers querier SQL with DNS rows through the service proxy', async () => {
        const form = new URLSearchParams({ db: 'flow_log', sql: "SELECT request_resource, response_code, response_status, pod_ns_0 FROM l7_flow_log WHERE l7_protocol = 120 AND response_status = 4" });
        const r = await api('/api/v1/namespaces/cpaas-system/services/deepflow-server:20416/proxy/v1/query/', {
          method: 'POST',
          body: form.toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        assert.equal(r.status, 200, r.body);
        const body = record(JSON.parse(r.body));
        assert.equal(body.OPT_STATUS, 'SUCCESS');
        const result = record(body.result);
        assert.deepEqual(result.columns, ['request_resource', 'response_code', 'response_status', 'pod_ns_0']);
        const values = result.values as unknown[][];
        assert.ok(values.length >= 1);
        for (const row of values) assert.equal(row[2], 4);
      });

      it('deletes the workloads with the Application but keeps the MySQL PVC', async () => {
        const r = await api('/apis/app.k8s.io/v1beta1/namespaces/cpaas-system/applications/deepflow', { method: 'DELETE' });
        assert.equal(r.status, 200, r.body);
        await until('workloads gone', () => store().get('apps/v1', 'Deployment', 'cpaas-system', 'deepflow-server') === undefined && store().list('v1', 'Pod', 'cpaas-system').length === 0);
        assert.equal(store().get('v1', 'Service', 'cpaas-system', 'deepflow-grafana'), undefined);
        assert.ok(store().get('v1', 'PersistentVolumeClaim', 'cpaas-system', 'deepflow-mysql'));
      });
    });
  });
});
