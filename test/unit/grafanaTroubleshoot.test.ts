/**
 * The troubleshooting flows' domain code: SQL built only from validated, quoted values; RCODEs and capture points in
 * words; dashboard links from the real DeepFlow dashboard JSON; requests nested into chains.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterError } from '../../src/cluster/errors';
import { dashboardPath, groupDashboards, parseDashboard, parseSearch, type DashboardDefinition } from '../../src/grafana/dashboards';
import { QuerierError, domainCondition, parseQueryAnswer, sqlString, toQuerierError, validateDomainPattern, validateNamespaceName, validateWorkloadName, type QueryRow } from '../../src/grafana/querier';
import { customRange, rangeSeconds, validateTimeExpression } from '../../src/grafana/timeRange';
import {
  buildChains,
  describeCapturePoint,
  describeRcode,
  dnsFailurePath,
  dnsFailuresSql,
  dnsFlowPath,
  groupHttpCalls,
  httpChainSql,
  httpRequestsSql,
  parseDnsFailures,
  tracePath,
} from '../../src/grafana/troubleshoot';

const DASHBOARDS = join(__dirname, '..', 'sim', 'data', 'deepflow', 'dashboards');

/** A dashboard file as Grafana's `/api/dashboards/uid/<uid>` answers it. */
function dashboardFile(file: string): DashboardDefinition {
  const json = JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')) as Record<string, unknown>;
  return parseDashboard({ dashboard: json, meta: {} });
}

const NOW = Date.UTC(2026, 11, 2, 10, 0, 0);
const LAST_HOUR = { from: 'now-1h', to: 'now' };

describe('troubleshooting domain', () => {
  describe('SQL from validated values', () => {
    it('quotes strings and escapes quotes and backslashes', () => {
      assert.equal(sqlString("O'Brien\\"), "'O\\'Brien\\\\'");
      assert.equal(sqlString('shop'), "'shop'");
    });

    it('accepts Kubernetes names and refuses anything that could leave the string', () => {
      assert.equal(validateNamespaceName('shop'), undefined);
      assert.match(validateNamespaceName("shop' OR 1=1 --") ?? '', /not a namespace name/);
      assert.match(validateNamespaceName('Shop') ?? '', /not a namespace name/);
      assert.equal(validateWorkloadName('checkout.v2'), undefined);
      assert.match(validateWorkloadName('check out') ?? '', /not a workload name/);
      assert.throws(() => dnsFailuresSql({ namespace: "x' OR '1'='1", workload: 'checkout', domain: '', range: LAST_HOUR }, NOW), /not a namespace name/);
    });

    it('takes domains with * wildcards, empty for any, and refuses SQL wildcards and quotes', () => {
      assert.equal(validateDomainPattern(''), undefined);
      assert.equal(validateDomainPattern('*.cluster.locl'), undefined);
      assert.equal(validateDomainPattern('*example.com*'), undefined);
      assert.equal(validateDomainPattern('_http._tcp.example.com'), undefined);
      assert.match(validateDomainPattern('%.example.com') ?? '', /"%" cannot be part of a domain/);
      assert.match(validateDomainPattern("a'.com") ?? '', /"'" cannot be part/);
      assert.match(validateDomainPattern('a..com') ?? '', /non-empty/);
      assert.match(validateDomainPattern('example.com.') ?? '', /trailing dot/);
      assert.match(validateDomainPattern('a b') ?? '', /no spaces/);
    });

    it('matches an exact domain with =, a pattern with LIKE, and any domain with nothing', () => {
      assert.equal(domainCondition('payments.shop.svc.cluster.locl'), "request_resource = 'payments.shop.svc.cluster.locl'");
      assert.equal(domainCondition('*.cluster.locl'), "request_resource LIKE '*.cluster.locl'");
      assert.equal(domainCondition(''), undefined);
      assert.equal(domainCondition('*'), undefined);
      assert.throws(() => domainCondition('%'), /cannot be part of a domain/);
    });

    it('asks for failed DNS requests (status 3/4 or a non-zero RCODE) of the workload, domain and range', () => {
      const sql = dnsFailuresSql({ namespace: 'shop', workload: 'checkout', domain: '*.cluster.locl', range: LAST_HOUR }, NOW);
      const from = NOW / 1000 - 3600;
      assert.equal(
        sql,
        'SELECT time, pod_0, request_resource, request_type, response_code, response_status, pod_ns_0, pod_group_0 FROM l7_flow_log ' +
          "WHERE l7_protocol = 120 AND (response_status IN (3, 4) OR response_code != 0) AND pod_ns_0 = 'shop' AND pod_group_0 = 'checkout' " +
          `AND request_resource LIKE '*.cluster.locl' AND time >= ${from} AND time <= ${NOW / 1000} ORDER BY time DESC LIMIT 500`,
      );
    });

    it('asks for HTTP requests the workload sent or served, and a chain by trace id or X-Request-ID', () => {
      const sql = httpRequestsSql({ namespace: 'kube-system', workload: 'kube-ovn-pinger', range: LAST_HOUR }, NOW);
      assert.match(sql, /l7_protocol IN \(20, 21\) AND \(\(pod_ns_0 = 'kube-system' AND pod_group_0 = 'kube-ovn-pinger'\) OR \(pod_ns_1 = 'kube-system' AND pod_group_1 = 'kube-ovn-pinger'\)\)/);
      assert.match(httpChainSql({ traceId: 'abc123', xRequestId: 'r-1' }, LAST_HOUR, NOW), /trace_id = 'abc123'/);
      assert.match(httpChainSql({ traceId: '', xRequestId: 'r-1' }, LAST_HOUR, NOW), /x_request_id_0 = 'r-1'/);
      assert.throws(() => httpChainSql({ traceId: "x' OR 1=1", xRequestId: '' }, LAST_HOUR, NOW), /not a trace or request id/);
    });
  });

  describe('querier answers', () => {
    it('turns columns and values into rows', () => {
      const r = parseQueryAnswer({ OPT_STATUS: 'SUCCESS', result: { columns: ['a', 'b'], values: [[1, 'x'], [2, null]] } });
      assert.deepEqual(r.rows, [
        { a: 1, b: 'x' },
        { a: 2, b: null },
      ]);
    });

    it('refuses a non-SUCCESS status with the querier description', () => {
      assert.throws(() => parseQueryAnswer({ OPT_STATUS: 'INVALID_PARAMETERS', DESCRIPTION: 'unknown column foo' }), (err: unknown) => err instanceof QuerierError && /INVALID_PARAMETERS.*unknown column foo/.test(err.message));
    });

    it('says deepflow-server is not ready on a 503, and that DeepFlow is missing on the Service 404', () => {
      const notReady = toQuerierError(new ClusterError('server', 'answered 503', { httpStatus: 503, statusMessage: 'no endpoints available for service "deepflow-server:20416"' }));
      assert.match(notReady.message, /^deepflow-server is not ready: no endpoints available/);
      const missing = toQuerierError(new ClusterError('notFound', 'x', { httpStatus: 404, statusMessage: 'services "deepflow-server" not found' }));
      assert.match(missing.message, /DeepFlow is not installed on this cluster/);
    });
  });

  describe('DNS failures', () => {
    it('names RCODEs and says what they mean', () => {
      assert.equal(describeRcode(3), 'NXDOMAIN: the domain does not exist');
      assert.equal(describeRcode(2), 'SERVFAIL: the server failed');
      assert.equal(describeRcode(5), 'REFUSED: the server refused to answer');
      assert.equal(describeRcode(1), 'FORMERR: the server could not understand the query');
      assert.equal(describeRcode(4), 'NOTIMP: the server does not support this kind of query');
      assert.match(describeRcode(42), /RCODE 42/);
      assert.match(describeRcode(undefined, 3), /server failed or did not respond/);
    });

    it('reads rows newest first, with the pod, the domain and the RCODE in words', () => {
      const rows: QueryRow[] = [
        { time: 1796100000, pod_0: 'checkout-a', request_resource: 'a.locl', request_type: 'A', response_code: 3, response_status: 4, pod_ns_0: 'shop', pod_group_0: 'checkout' },
        { time: 1796100060, pod_0: 'checkout-b', request_resource: 'b.example', request_type: 'AAAA', response_code: 2, response_status: 3, pod_ns_0: 'shop', pod_group_0: 'checkout' },
      ];
      const failures = parseDnsFailures(rows);
      assert.deepEqual(
        failures.map((f) => [f.domain, f.clientPod, f.outcome, f.timeMs]),
        [
          ['b.example', 'checkout-b', 'SERVFAIL: the server failed', 1796100060000],
          ['a.locl', 'checkout-a', 'NXDOMAIN: the domain does not exist', 1796100000000],
        ],
      );
    });
  });

  describe('dashboard links from the real dashboard JSON', () => {
    const tracing = dashboardFile('Distributed-Tracing.json');

    it('reads the uid, slug and declared variables', () => {
      assert.equal(tracing.uid, 'Distributed_Tracing');
      assert.equal(tracing.slug, 'distributed-tracing');
      for (const v of ['namespace', 'workload', 'request_resource', 'trace_id']) assert.ok(tracing.variables.includes(v), v);
    });

    it('opens the DNS flow with exactly the chosen namespace, workload, domain and range', () => {
      const path = dnsFlowPath(tracing, { namespace: 'shop', workload: 'checkout', domain: '*.cluster.locl', range: LAST_HOUR });
      assert.equal(path, 'd/Distributed_Tracing/distributed-tracing?orgId=1&var-namespace=shop&var-workload=checkout&var-request_resource=*.cluster.locl&from=now-1h&to=now');
      assert.match(dnsFlowPath(tracing, { namespace: 'shop', workload: 'checkout', domain: '', range: LAST_HOUR }), /var-request_resource=\*&/);
    });

    it('narrows a row to its domain and a minute either side of its time', () => {
      const failure = parseDnsFailures([{ time: 1796100000, pod_0: 'p', request_resource: 'payments.shop.svc.cluster.locl', response_code: 3, response_status: 4, pod_ns_0: 'shop', pod_group_0: 'checkout' }])[0];
      assert.ok(failure);
      const path = dnsFailurePath(tracing, { namespace: 'shop', workload: 'checkout', range: LAST_HOUR }, failure);
      assert.equal(path, 'd/Distributed_Tracing/distributed-tracing?orgId=1&var-namespace=shop&var-workload=checkout&var-request_resource=payments.shop.svc.cluster.locl&from=1796099940000&to=1796100060000');
    });

    it('refuses a variable the dashboard does not declare, naming it', () => {
      const dns = dashboardFile('Application-DNS-Monitoring.json');
      assert.throws(() => dnsFlowPath(dns, { namespace: 'shop', workload: 'checkout', domain: '', range: LAST_HOUR }), /"Application - DNS Monitoring" dashboard has no variable "namespace"/);
      assert.throws(() => dashboardPath(tracing, { variables: { domain: 'x' } }), /no variable "domain"/);
    });

    it('percent-encodes values but keeps * as Grafana reads it', () => {
      assert.equal(dashboardPath(tracing, { variables: { request_resource: 'a b&c=*' } }), 'd/Distributed_Tracing/distributed-tracing?orgId=1&var-request_resource=a%20b%26c%3D*');
      assert.equal(dashboardPath(tracing, { variables: { namespace: ['a', 'b'] } }), 'd/Distributed_Tracing/distributed-tracing?orgId=1&var-namespace=a&var-namespace=b');
    });

    it('lists DeepFlow Templates first, then DeepFlow System, then the rest', () => {
      const entries = parseSearch([
        { type: 'dash-folder', uid: 'f', title: 'DeepFlow Templates' },
        { type: 'dash-db', uid: 'z', title: 'Zeta', folderTitle: 'Ops' },
        { type: 'dash-db', uid: 's', title: 'Server', folderTitle: 'DeepFlow System' },
        { type: 'dash-db', uid: 'g', title: 'Home' },
        { type: 'dash-db', uid: 'b', title: 'B', folderTitle: 'DeepFlow Templates' },
        { type: 'dash-db', uid: 'a', title: 'A', folderTitle: 'DeepFlow Templates' },
      ]);
      assert.deepEqual(
        groupDashboards(entries).map((f) => [f.title, f.dashboards.map((d) => d.uid)]),
        [
          ['DeepFlow Templates', ['a', 'b']],
          ['DeepFlow System', ['s']],
          ['General', ['g']],
          ['Ops', ['z']],
        ],
      );
    });
  });

  describe('chained HTTP requests', () => {
    const base = { request_type: 'GET', response_code: 200, response_status: 0, time: 1796100000 };
    const node = { ip_0: '192.168.136.239', auto_instance_0: '192.168.136.239', auto_instance_type_0: 14 };
    const podServer = { ip_1: '10.3.0.17', auto_instance_1: 'kube-ovn-pinger-nnsrc', auto_instance_type_1: 10 };
    const podClient = { ip_0: '10.3.0.17', auto_instance_0: 'kube-ovn-pinger-nnsrc', auto_instance_type_0: 10 };
    const external = { ip_1: '192.168.152.146', auto_instance_1: '192.168.152.146', auto_instance_type_1: 0 };

    it('names capture points in words with S (process) and N (NIC)', () => {
      assert.equal(describeCapturePoint('c-p'), 'client process (S)');
      assert.equal(describeCapturePoint('s-p'), 'server process (S)');
      assert.equal(describeCapturePoint('c-nd'), 'client container node (N)');
      assert.equal(describeCapturePoint('s'), 'server NIC (N)');
      assert.equal(describeCapturePoint('c'), 'client NIC (N)');
      assert.equal(describeCapturePoint('app'), 'application (A)');
      assert.equal(describeCapturePoint('zz'), 'capture point "zz"');
    });

    it('folds capture points of one span into one request, in the order the request passes them', () => {
      const rows: QueryRow[] = [
        { ...base, ...node, ...podServer, trace_id: 't', span_id: 'a', request_resource: '/foo', tap_side: 's-p', response_duration: 4100 },
        { ...base, ...node, ...podServer, trace_id: 't', span_id: 'a', request_resource: '/foo', tap_side: 'c-p', response_duration: 5200 },
        { ...base, ...node, ...podServer, trace_id: 't', span_id: 'a', request_resource: '/foo', tap_side: 'c-nd', response_duration: 4900 },
      ];
      const calls = groupHttpCalls(rows);
      assert.equal(calls.length, 1);
      assert.deepEqual(calls[0]?.capturePoints, ['c-p', 'c-nd', 's-p']);
      assert.equal(calls[0]?.durationUs, 5200);
    });

    it('nests client → pod /foo → external /bar by parent span, and by X-Request-ID without span ids', () => {
      const bySpan = buildChains(
        groupHttpCalls([
          { ...base, ...podClient, ...external, trace_id: 't', span_id: 'b', parent_span_id: 'a', request_resource: '/bar', tap_side: 'c-p' },
          { ...base, ...node, ...podServer, trace_id: 't', span_id: 'a', parent_span_id: '', request_resource: '/foo', tap_side: 'c-p' },
        ]),
      );
      const shape = (chains: ReturnType<typeof buildChains>): unknown =>
        chains.map((c) => [c.client.name, c.calls.map(function walk(n): unknown {
          return [n.call.path, n.call.server.kind, n.children.map(walk)];
        })]);
      const expected = [['192.168.136.239', [['/foo', 'pod', [['/bar', 'external', []]]]]]];
      assert.deepEqual(shape(bySpan), expected);
      const byRequestId = buildChains(
        groupHttpCalls([
          { ...base, ...podClient, ...external, x_request_id_0: 'r', request_resource: '/bar', tap_side: 'c-p' },
          { ...base, ...node, ...podServer, x_request_id_0: 'r', request_resource: '/foo', tap_side: 's-p' },
        ]),
      );
      assert.deepEqual(shape(byRequestId), expected);
    });

    it('cuts a cycle in bad data instead of hiding the requests', () => {
      const chains = buildChains(
        groupHttpCalls([
          { ...base, ...node, ...podServer, trace_id: 't', span_id: 'a', parent_span_id: 'b', request_resource: '/foo' },
          { ...base, ...podClient, ...external, trace_id: 't', span_id: 'b', parent_span_id: 'a', request_resource: '/bar' },
        ]),
      );
      const count = (nodes: { children: unknown[] }[]): number => nodes.reduce((n, c) => n + 1 + count(c.children as { children: unknown[] }[]), 0);
      assert.equal(chains.reduce((n, c) => n + count(c.calls), 0), 2);
    });

    it('opens a request on its trace', () => {
      const tracing = dashboardFile('Distributed-Tracing.json');
      const [call] = groupHttpCalls([{ ...base, ...node, ...podServer, trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'a', request_resource: '/foo' }]);
      assert.ok(call);
      assert.equal(tracePath(tracing, call, { namespace: 'kube-system', workload: 'kube-ovn-pinger', range: LAST_HOUR }), 'd/Distributed_Tracing/distributed-tracing?orgId=1&var-trace_id=0af7651916cd43dd8448eb211c80319c&from=now-1h&to=now');
    });
  });

  describe('time ranges', () => {
    it('accepts now, now-<n><unit> and ISO times, and refuses the rest as you type', () => {
      for (const ok of ['now', 'now-2h', 'now-15m', '2026-12-02T10:00', '2026-12-02 10:00:30Z', '2026-12-02']) assert.equal(validateTimeExpression(ok), undefined, ok);
      for (const bad of ['yesterday', 'now+1h', 'now-2', '2026-13-45T10:00']) assert.match(validateTimeExpression(bad) ?? '', /not a time/, bad);
      assert.match(validateTimeExpression('') ?? '', /Enter a time/);
    });

    it('turns a custom range into Grafana times and refuses a reversed one', () => {
      assert.deepEqual(customRange('2026-12-02T09:00Z', 'now', NOW), { from: String(Date.UTC(2026, 11, 2, 9)), to: 'now' });
      const reversed = customRange('now', 'now-2h', NOW);
      assert.ok(typeof reversed === 'string' && /range is empty/.test(reversed), JSON.stringify(reversed));
      assert.deepEqual(rangeSeconds(LAST_HOUR, NOW), { from: NOW / 1000 - 3600, to: NOW / 1000 });
    });
  });
});
