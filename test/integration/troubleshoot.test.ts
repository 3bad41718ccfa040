/**
 * The troubleshooting flows against the ACP simulator, over real transports: the querier through the API server's
 * service proxy with the cluster client (rows filtered by the SQL we send; 404 before DeepFlow exists, 503 while
 * deepflow-server is not ready), and Grafana's API over HTTPS with basic auth, verified against the platform's CA.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDeepflowApplication, buildGrafanaIngress } from '../../src/acp/manifests';
import { ClusterClient } from '../../src/cluster/client';
import { loadKubeconfig } from '../../src/cluster/kubeconfig';
import type { GrafanaApi } from '../../src/grafana/contract';
import { DISTRIBUTED_TRACING, findDashboard, listDashboards } from '../../src/grafana/dashboards';
import { QuerierClient, QuerierError } from '../../src/grafana/querier';
import { buildChains, describeCapturePoint, dnsFailuresSql, dnsFlowPath, groupHttpCalls, httpChainSql, httpRequestsSql, parseDnsFailures, type DnsFilter, type WorkloadFilter } from '../../src/grafana/troubleshoot';
import { startSimulator, type StartedSimulator } from '../sim/index';

const GRAFANA_USER = 'admin';
const GRAFANA_PASSWORD = 'Tr0ubleshoot "me"';
const LAST_HOUR = { from: 'now-1h', to: 'now' };

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function httpsCall(url: string, ca: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(url), { method: options.method ?? 'GET', headers: options.headers, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Grafana's API with basic auth over HTTPS that trusts only the platform's CA: a real transport, no mock. */
function basicAuthGrafana(sim: StartedSimulator): GrafanaApi {
  const root = `${sim.info.platformUrl}/clusters/${sim.info.clusterName}/deepflow/`;
  const authorization = `Basic ${Buffer.from(`${GRAFANA_USER}:${GRAFANA_PASSWORD}`).toString('base64')}`;
  return {
    async getJson(path: string): Promise<unknown> {
      const reply = await httpsCall(root + path, sim.platformCaPem, { headers: { authorization, accept: 'application/json' } });
      if (reply.status < 200 || reply.status > 299) throw new Error(`Grafana answered ${reply.status} for ${path}`);
      return JSON.parse(reply.body) as unknown;
    },
  };
}

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function rejectsWith(promise: Promise<unknown>, kind: QuerierError['kind'], message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof QuerierError, `expected a QuerierError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    assert.match(err.message, message);
    return true;
  });
}

describe('troubleshooting flows against the simulator', function () {
  this.timeout(120_000);
  let sim: StartedSimulator;
  let dir: string;
  let client: ClusterClient;
  let querier: QuerierClient;

  const dnsFailures = async (filter: Partial<DnsFilter>): Promise<ReturnType<typeof parseDnsFailures>> => {
    const full: DnsFilter = { namespace: 'shop', workload: 'checkout', domain: '', range: LAST_HOUR, ...filter };
    return parseDnsFailures((await querier.query(dnsFailuresSql(full, Date.now()))).rows);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'deepflow-troubleshoot-'));
    sim = await startSimulator({ timeScale: 0.05, nodes: 2 });
    const kubeconfig = join(dir, 'kubeconfig');
    sim.writeKubeconfig(kubeconfig);
    client = ClusterClient.forContext(loadKubeconfig({ settingValue: kubeconfig }));
    querier = new QuerierClient(client);
  });

  after(async () => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says DeepFlow is not installed while the deepflow-server Service does not exist', async () => {
    await rejectsWith(querier.query('SELECT time FROM l7_flow_log'), 'notInstalled', /DeepFlow is not installed on this cluster/);
  });

  it('says deepflow-server is not ready while it has no ready pod (the proxy answers 503)', async () => {
    const pushed = await httpsCall(`${sim.info.platformUrl}/sim/violet/push?file=deepflow-v1.0.0.tgz`, sim.platformCaPem, { method: 'POST', headers: { authorization: `Bearer ${sim.platformToken}` }, body: 'chart' });
    assert.equal(pushed.status, 200, pushed.body);
    sim.faults.crashLoop = 'deepflow-server';
    await client.apply(
      buildDeepflowApplication({
        chartVersion: 'v1.0.0',
        clusterName: sim.info.clusterName,
        grafanaAdminUser: GRAFANA_USER,
        grafanaAdminPassword: GRAFANA_PASSWORD,
        storageClass: 'nfs',
        mysqlSize: '50Gi',
        clickhousePathSize: '100Gi',
        clickhouseStoragePathSize: '200Gi',
      }),
    );
    await client.apply(buildGrafanaIngress(sim.info.clusterName));
    await until('the deepflow-server Service', () => client.find({ apiVersion: 'v1', kind: 'Service', namespace: 'cpaas-system', name: 'deepflow-server' }));
    await rejectsWith(querier.query('SELECT time FROM l7_flow_log'), 'notReady', /^deepflow-server is not ready: no endpoints available for service "deepflow-server:20416"/);
    sim.faults.crashLoop = '';
    await until('deepflow-server ready', async () => {
      try {
        return await querier.query('SELECT time FROM l7_flow_log LIMIT 1');
      } catch (err) {
        if (err instanceof QuerierError && err.kind === 'notReady') return undefined;
        throw err;
      }
    });
  });

  it("finds the guide's NXDOMAIN for *.cluster.locl of shop/checkout in the last hour, and nothing else", async () => {
    const rows = await dnsFailures({ domain: '*.cluster.locl' });
    assert.deepEqual(
      rows.map((r) => [r.domain, r.clientPod, r.outcome]),
      [['payments.shop.svc.cluster.locl', 'checkout-7d9fb5c6d4-x2k8p', 'NXDOMAIN: the domain does not exist']],
    );
    assert.ok(Date.now() - (rows[0]?.timeMs ?? 0) < 3_600_000, 'the row is within the last hour');
  });

  it('filters by workload, exact domain and time range, newest first', async () => {
    assert.deepEqual(
      (await dnsFailures({})).map((r) => [r.domain, r.outcome]),
      [
        ['payments.shop.svc.cluster.locl', 'NXDOMAIN: the domain does not exist'],
        ['ledger.bank.example', 'SERVFAIL: the server failed'],
      ],
    );
    assert.equal((await dnsFailures({ range: { from: 'now-6h', to: 'now' } })).length, 3, 'a three-hour-old failure shows in the last 6 hours');
    assert.deepEqual((await dnsFailures({ domain: 'ledger.bank.example' })).map((r) => r.domain), ['ledger.bank.example']);
    assert.deepEqual(await dnsFailures({ workload: 'cart' }), [], 'cart only had answered lookups');
    assert.deepEqual((await dnsFailures({ namespace: 'default', workload: 'web-frontend', domain: '*example.com' })).map((r) => r.domain), ['nosuch.example.com']);
    assert.deepEqual(await dnsFailures({ domain: 'payments.shop.svc.cluster.locl', range: { from: 'now-6h', to: 'now-2h' } }).then((r) => r.map((x) => x.clientPod)), ['checkout-7d9fb5c6d4-h5r7n']);
  });

  it("lists kube-ovn-pinger's HTTP requests and nests the guide's chain: node → pod /foo → external /bar", async () => {
    const filter: WorkloadFilter = { namespace: 'kube-system', workload: 'kube-ovn-pinger', range: LAST_HOUR };
    const calls = groupHttpCalls((await querier.query(httpRequestsSql(filter, Date.now()))).rows);
    assert.deepEqual(calls.map((c) => `${c.method} ${c.path} ${c.statusCode}`).sort(), ['GET /bar 200', 'GET /foo 200']);
    const foo = calls.find((c) => c.path === '/foo');
    assert.ok(foo);
    assert.equal(foo.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.deepEqual(foo.capturePoints.map(describeCapturePoint), ['client process (S)', 'client container node (N)', 'server process (S)']);
    const chains = buildChains(groupHttpCalls((await querier.query(httpChainSql(foo, filter.range, Date.now()))).rows));
    assert.equal(chains.length, 1);
    const [chain] = chains;
    assert.equal(`${chain?.client.kind} ${chain?.client.name}`, 'node 192.168.136.239');
    const first = chain?.calls[0];
    assert.equal(`${first?.call.path} → ${first?.call.server.kind} ${first?.call.server.name}`, '/foo → pod kube-ovn-pinger-nnsrc');
    const second = first?.children[0];
    assert.equal(`${second?.call.path} → ${second?.call.server.kind} ${second?.call.server.name}`, '/bar → external 192.168.152.146');
    assert.equal(second?.children.length, 0);
  });

  it('follows a request that carries only an X-Request-ID', async () => {
    const filter: WorkloadFilter = { namespace: 'shop', workload: 'checkout', range: LAST_HOUR };
    const [call] = groupHttpCalls((await querier.query(httpRequestsSql(filter, Date.now()))).rows);
    assert.ok(call);
    assert.equal(`${call.method} ${call.path} ${call.statusCode} ${call.traceId === '' ? 'untraced' : call.traceId}`, 'POST /api/pay 503 untraced');
    const chains = buildChains(groupHttpCalls((await querier.query(httpChainSql(call, filter.range, Date.now()))).rows));
    assert.deepEqual(chains.map((c) => c.calls.map((n) => `${n.call.path} → ${n.call.server.name}`)), [['/api/pay → payments-6b8f9c7d5-p9v2c']]);
  });

  it("passes on the querier's refusal of a query it cannot run", async () => {
    await rejectsWith(querier.query('SELECT time FROM l7_flow_log WHERE no_such_tag = 1'), 'rejected', /INVALID_PARAMETERS: unknown column no_such_tag/);
  });

  describe("Grafana's API over HTTPS with basic auth", () => {
    let grafana: GrafanaApi;

    before(async () => {
      grafana = basicAuthGrafana(sim);
      await until('Grafana ready', async () => (await httpsCall(`${sim.info.platformUrl}/clusters/${sim.info.clusterName}/deepflow/api/health`, sim.platformCaPem)).status === 200);
    });

    it('lists the DeepFlow Templates folder first, with Distributed Tracing in it', async () => {
      const folders = await listDashboards(grafana);
      assert.equal(folders[0]?.title, 'DeepFlow Templates');
      assert.ok(folders[0]?.dashboards.some((d) => d.uid === 'Distributed_Tracing' && d.title === 'Distributed Tracing'));
    });

    it("builds the DNS flow's link from the served dashboard, and Grafana's frontend reads back exactly those variables", async () => {
      const dashboard = await findDashboard(grafana, DISTRIBUTED_TRACING);
      const path = dnsFlowPath(dashboard, { namespace: 'shop', workload: 'checkout', domain: '*.cluster.locl', range: LAST_HOUR });
      assert.equal(path, 'd/Distributed_Tracing/distributed-tracing?orgId=1&var-namespace=shop&var-workload=checkout&var-request_resource=*.cluster.locl&from=now-1h&to=now');
      const root = `${sim.info.platformUrl}/clusters/${sim.info.clusterName}/deepflow/`;
      const login = await httpsCall(`${root}login`, sim.platformCaPem, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: GRAFANA_USER, password: GRAFANA_PASSWORD }) });
      assert.equal(login.status, 200, login.body);
      const cookie = String(login.headers['set-cookie']).split(';')[0] ?? '';
      const page = await httpsCall(root + path, sim.platformCaPem, { headers: { cookie } });
      assert.equal(page.status, 200, 'Grafana serves the dashboard page at the link');
      // Grafana's frontend reads the variables with URLSearchParams, as here.
      const params = new URLSearchParams(path.slice(path.indexOf('?')));
      assert.deepEqual(
        [...params.entries()].filter(([k]) => k.startsWith('var-') || k === 'from' || k === 'to'),
        [
          ['var-namespace', 'shop'],
          ['var-workload', 'checkout'],
          ['var-request_resource', '*.cluster.locl'],
          ['from', 'now-1h'],
          ['to', 'now'],
        ],
      );
    });

    it('names a dashboard this Grafana does not have', async () => {
      await assert.rejects(findDashboard(grafana, { uid: 'nope', title: 'No Such Board' }), /no "No Such Board" dashboard \(uid nope\)/);
    });
  });
});
