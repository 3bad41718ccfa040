/**
 * The guide's two troubleshooting flows as data: failed DNS requests of a workload, and chained HTTP requests with
 * their capture points. Queries go to the querier (querier.ts); links go to the Distributed Tracing dashboard with
 * the dashboard's own variables (dashboards.ts). No `vscode`: the tree view and commands only render these.
 */
import * as l10n from '@vscode/l10n';
import { dashboardPath, type DashboardDefinition } from './dashboards';
import { domainCondition, nameCondition, sqlNumber, sqlString, validateNamespaceName, validateWorkloadName, type Cell, type QueryRow } from './querier';
import { rangeAround, rangeSeconds, type TimeRange } from './timeRange';

/** DeepFlow's l7_protocol values (server/querier/db_descriptions/clickhouse/tag/enum/l7_protocol). */
export const L7_PROTOCOL = { http: 20, http2: 21, dns: 120 } as const;

/** DeepFlow's response_status values. */
export const RESPONSE_STATUS = { success: 0, unknown: 2, serverError: 3, clientError: 4 } as const;

/** Rows a flow asks for at most; the newest come first. */
export const ROW_LIMIT = 500;

export interface WorkloadFilter {
  namespace: string;
  workload: string;
  range: TimeRange;
}

export interface DnsFilter extends WorkloadFilter {
  /** A domain pattern with `*` wildcards; empty means any domain. */
  domain: string;
}

function timeConditions(range: TimeRange, nowMs: number): string[] {
  const { from, to } = rangeSeconds(range, nowMs);
  return [`time >= ${sqlNumber(from)}`, `time <= ${sqlNumber(to)}`];
}

function text(cell: Cell | undefined): string {
  return cell === null || cell === undefined ? '' : String(cell);
}

function num(cell: Cell | undefined): number | undefined {
  if (cell === null || cell === undefined || cell === '') return undefined;
  const n = Number(cell);
  return Number.isFinite(n) ? n : undefined;
}

/** A `time` cell (epoch seconds, epoch milliseconds, or a date string) in epoch milliseconds. */
export function timeOf(cell: Cell | undefined): number {
  const n = num(cell);
  if (n !== undefined) return n > 1e12 ? n : n * 1000;
  const parsed = Date.parse(text(cell));
  return Number.isNaN(parsed) ? 0 : parsed;
}

// ---------------------------------------------------------------------------------------------------------------
// DNS failures

/** DNS RCODEs (RFC 1035, RFC 2136, RFC 6895) with what they mean for the one who asked (looked up when shown). */
const RCODES: Record<number, { name: string; meaning: () => string }> = {
  0: { name: 'NOERROR', meaning: () => l10n.t('no error') },
  1: { name: 'FORMERR', meaning: () => l10n.t('the server could not understand the query') },
  2: { name: 'SERVFAIL', meaning: () => l10n.t('the server failed') },
  3: { name: 'NXDOMAIN', meaning: () => l10n.t('the domain does not exist') },
  4: { name: 'NOTIMP', meaning: () => l10n.t('the server does not support this kind of query') },
  5: { name: 'REFUSED', meaning: () => l10n.t('the server refused to answer') },
  6: { name: 'YXDOMAIN', meaning: () => l10n.t('a name exists that should not') },
  7: { name: 'YXRRSET', meaning: () => l10n.t('a record set exists that should not') },
  8: { name: 'NXRRSET', meaning: () => l10n.t('a record set that should exist does not') },
  9: { name: 'NOTAUTH', meaning: () => l10n.t('the server is not authoritative for the zone') },
  10: { name: 'NOTZONE', meaning: () => l10n.t('the name is not in the zone') },
};

/** "NXDOMAIN: the domain does not exist"; without an RCODE, DeepFlow's status in words. */
export function describeRcode(rcode: number | undefined, responseStatus?: number): string {
  if (rcode !== undefined) {
    const known = RCODES[rcode];
    return known ? `${known.name}: ${known.meaning()}` : l10n.t('RCODE {0}: a response code DNS does not define', rcode);
  }
  if (responseStatus === RESPONSE_STATUS.serverError) return l10n.t('no answer: the server failed or did not respond');
  if (responseStatus === RESPONSE_STATUS.clientError) return l10n.t('client error: the query was refused');
  return l10n.t('unknown: DeepFlow saw no response code');
}

/** The querier SQL for failed DNS requests of one workload (client side) in a range. */
export function dnsFailuresSql(filter: DnsFilter, nowMs: number): string {
  const conditions = [
    `l7_protocol = ${L7_PROTOCOL.dns}`,
    `(response_status IN (${RESPONSE_STATUS.serverError}, ${RESPONSE_STATUS.clientError}) OR response_code != 0)`,
    nameCondition('pod_ns_0', filter.namespace, validateNamespaceName),
    nameCondition('pod_group_0', filter.workload, validateWorkloadName),
    domainCondition(filter.domain),
    ...timeConditions(filter.range, nowMs),
  ].filter((c): c is string => c !== undefined);
  const columns = ['time', 'pod_0', 'request_resource', 'request_type', 'response_code', 'response_status', 'pod_ns_0', 'pod_group_0'];
  return `SELECT ${columns.join(', ')} FROM l7_flow_log WHERE ${conditions.join(' AND ')} ORDER BY time DESC LIMIT ${ROW_LIMIT}`;
}

export interface DnsFailure {
  timeMs: number;
  clientPod: string;
  namespace: string;
  workload: string;
  domain: string;
  queryType: string;
  rcode: number | undefined;
  responseStatus: number | undefined;
  /** "NXDOMAIN: the domain does not exist". */
  outcome: string;
}

export function parseDnsFailures(rows: readonly QueryRow[]): DnsFailure[] {
  return rows
    .map((row) => {
      const rcode = num(row.response_code);
      const responseStatus = num(row.response_status);
      return {
        timeMs: timeOf(row.time),
        clientPod: text(row.pod_0),
        namespace: text(row.pod_ns_0),
        workload: text(row.pod_group_0),
        domain: text(row.request_resource),
        queryType: text(row.request_type),
        rcode,
        responseStatus,
        outcome: describeRcode(rcode, responseStatus),
      };
    })
    .sort((a, b) => b.timeMs - a.timeMs);
}

/** Distributed Tracing for the flow: the namespace, workload, domain (`request_resource`) and range, as chosen. */
export function dnsFlowPath(dashboard: DashboardDefinition, filter: DnsFilter): string {
  return dashboardPath(dashboard, {
    variables: { namespace: filter.namespace, workload: filter.workload, request_resource: filter.domain === '' ? '*' : filter.domain },
    range: filter.range,
  });
}

/** Distributed Tracing narrowed to one failed request: its domain, a minute either side of its time. */
export function dnsFailurePath(dashboard: DashboardDefinition, filter: WorkloadFilter, failure: DnsFailure): string {
  return dashboardPath(dashboard, {
    variables: { namespace: filter.namespace, workload: filter.workload, request_resource: failure.domain },
    range: rangeAround(failure.timeMs),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Chained HTTP requests

/**
 * DeepFlow's capture points (`tap_side`, later `observation_point`, in
 * server/querier/db_descriptions/clickhouse/tag/enum/tap_side), in the order a request passes them. "S" marks the
 * system (process) side and "N" the network (NIC) side, as the flame graph does; "A" an application span.
 */
const CAPTURE_POINTS: readonly { value: string; words: () => string; side: 'S' | 'N' | 'A' }[] = [
  { value: 'c-app', words: () => l10n.t('client application'), side: 'A' },
  { value: 'c-p', words: () => l10n.t('client process'), side: 'S' },
  { value: 'c', words: () => l10n.t('client NIC'), side: 'N' },
  { value: 'c-nd', words: () => l10n.t('client container node'), side: 'N' },
  { value: 'c-hv', words: () => l10n.t('client hypervisor'), side: 'N' },
  { value: 'c-gw-hv', words: () => l10n.t('client to gateway hypervisor'), side: 'N' },
  { value: 'c-gw', words: () => l10n.t('client to gateway'), side: 'N' },
  { value: 'local', words: () => l10n.t('local NIC'), side: 'N' },
  { value: 'rest', words: () => l10n.t('other NIC'), side: 'N' },
  { value: 's-gw', words: () => l10n.t('gateway to server'), side: 'N' },
  { value: 's-gw-hv', words: () => l10n.t('gateway hypervisor to server'), side: 'N' },
  { value: 's-hv', words: () => l10n.t('server hypervisor'), side: 'N' },
  { value: 's-nd', words: () => l10n.t('server container node'), side: 'N' },
  { value: 's', words: () => l10n.t('server NIC'), side: 'N' },
  { value: 's-p', words: () => l10n.t('server process'), side: 'S' },
  { value: 's-app', words: () => l10n.t('server application'), side: 'A' },
  { value: 'app', words: () => l10n.t('application'), side: 'A' },
];

/** "server process (S)"; an unknown value is shown as it came. */
export function describeCapturePoint(tapSide: string): string {
  const point = CAPTURE_POINTS.find((p) => p.value === tapSide);
  return point ? `${point.words()} (${point.side})` : l10n.t('capture point "{0}"', tapSide);
}

function captureOrder(tapSide: string): number {
  const i = CAPTURE_POINTS.findIndex((p) => p.value === tapSide);
  return i < 0 ? CAPTURE_POINTS.length : i;
}

const HTTP_COLUMNS = [
  'time',
  'request_type',
  'request_domain',
  'request_resource',
  'response_code',
  'response_status',
  'response_duration',
  'trace_id',
  'span_id',
  'parent_span_id',
  'x_request_id_0',
  'x_request_id_1',
  'tap_side',
  'ip_0',
  'ip_1',
  'auto_instance_0',
  'auto_instance_type_0',
  'auto_instance_1',
  'auto_instance_type_1',
  'pod_ns_0',
  'pod_group_0',
  'pod_ns_1',
  'pod_group_1',
];

const httpProtocols = `l7_protocol IN (${L7_PROTOCOL.http}, ${L7_PROTOCOL.http2})`;

/** HTTP requests a workload sent or served in a range. */
export function httpRequestsSql(filter: WorkloadFilter, nowMs: number): string {
  const ns = (side: 0 | 1): string => nameCondition(`pod_ns_${side}`, filter.namespace, validateNamespaceName);
  const wl = (side: 0 | 1): string => nameCondition(`pod_group_${side}`, filter.workload, validateWorkloadName);
  const conditions = [httpProtocols, `((${ns(0)} AND ${wl(0)}) OR (${ns(1)} AND ${wl(1)}))`, ...timeConditions(filter.range, nowMs)];
  return `SELECT ${HTTP_COLUMNS.join(', ')} FROM l7_flow_log WHERE ${conditions.join(' AND ')} ORDER BY time DESC LIMIT ${ROW_LIMIT}`;
}

/** Trace, span and request ids come back from the querier; only plain id characters go back into SQL. */
export function validateTraceId(value: string): string | undefined {
  return /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? undefined : l10n.t('"{0}" is not a trace or request id', value);
}

/** Every HTTP span of one trace (or, without a trace id, of one X-Request-ID) in a range. */
export function httpChainSql(call: Pick<HttpCall, 'traceId' | 'xRequestId'>, range: TimeRange, nowMs: number): string {
  const [field, id] = call.traceId !== '' ? ['trace_id', call.traceId] : ['x_request_id_0', call.xRequestId];
  const invalid = validateTraceId(id);
  if (invalid) throw new Error(l10n.t('This request has no trace id or X-Request-ID to follow: {0}.', invalid));
  const conditions = [httpProtocols, `${field} = ${sqlString(id)}`, ...timeConditions(range, nowMs)];
  return `SELECT ${HTTP_COLUMNS.join(', ')} FROM l7_flow_log WHERE ${conditions.join(' AND ')} ORDER BY time ASC LIMIT ${ROW_LIMIT}`;
}

export type EndpointKind = 'pod' | 'node' | 'external' | 'host';

export interface Endpoint {
  kind: EndpointKind;
  /** The pod or node name, or the address. */
  name: string;
  ip: string;
  namespace: string;
  workload: string;
}

/** DeepFlow's auto_instance_type: 10 K8s POD, 14 K8s Node, 0 Internet IP, 255 IP. */
function endpointOf(row: QueryRow, side: 0 | 1): Endpoint {
  const type = num(row[`auto_instance_type_${side}`]);
  const ip = text(row[`ip_${side}`]);
  const name = text(row[`auto_instance_${side}`]) || ip;
  const kind: EndpointKind = type === 10 ? 'pod' : type === 14 ? 'node' : type === 0 || type === 255 || type === undefined ? 'external' : 'host';
  return { kind, name, ip, namespace: text(row[`pod_ns_${side}`]), workload: text(row[`pod_group_${side}`]) };
}

/** "pod kube-ovn-pinger-nnsrc", "node 192.168.136.239", "external 192.168.152.146". */
export function describeEndpoint(endpoint: Endpoint): string {
  const named = endpoint.name !== '' ? endpoint.name : l10n.t('an unknown address');
  switch (endpoint.kind) {
    case 'pod':
      return l10n.t('pod {0}', named);
    case 'node':
      return l10n.t('node {0}', named);
    case 'external':
      return l10n.t('external {0}', named);
    case 'host':
      return named;
  }
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return (a.name !== '' && a.name === b.name) || (a.ip !== '' && a.ip === b.ip);
}

/** One HTTP request, seen at one or more capture points. */
export interface HttpCall {
  /** Stable within one answer: trace and span id, or the request's identity. */
  key: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  xRequestId: string;
  method: string;
  domain: string;
  path: string;
  statusCode: number | undefined;
  /** The longest duration any capture point measured (the client's, usually), in microseconds. */
  durationUs: number | undefined;
  timeMs: number;
  client: Endpoint;
  server: Endpoint;
  /** The tap_side values, in the order the request passes them. */
  capturePoints: string[];
}

function callKey(row: QueryRow): string {
  const spanId = text(row.span_id);
  if (spanId !== '') return `span:${text(row.trace_id)}/${spanId}`;
  return ['req', text(row.x_request_id_0), text(row.request_type), text(row.request_resource), text(row.ip_0), text(row.ip_1)].join('|');
}

/** Folds the querier's rows (one per capture point) into requests, newest first. */
export function groupHttpCalls(rows: readonly QueryRow[]): HttpCall[] {
  const calls = new Map<string, HttpCall>();
  for (const row of rows) {
    const key = callKey(row);
    const duration = num(row.response_duration);
    const timeMs = timeOf(row.time);
    const tapSide = text(row.tap_side);
    const existing = calls.get(key);
    if (existing) {
      if (tapSide !== '' && !existing.capturePoints.includes(tapSide)) existing.capturePoints.push(tapSide);
      if (duration !== undefined && (existing.durationUs === undefined || duration > existing.durationUs)) existing.durationUs = duration;
      existing.timeMs = Math.min(existing.timeMs, timeMs);
      existing.statusCode ??= num(row.response_code);
      continue;
    }
    calls.set(key, {
      key,
      traceId: text(row.trace_id),
      spanId: text(row.span_id),
      parentSpanId: text(row.parent_span_id),
      xRequestId: text(row.x_request_id_0) || text(row.x_request_id_1),
      method: text(row.request_type),
      domain: text(row.request_domain),
      path: text(row.request_resource),
      statusCode: num(row.response_code),
      durationUs: duration,
      timeMs,
      client: endpointOf(row, 0),
      server: endpointOf(row, 1),
      capturePoints: tapSide === '' ? [] : [tapSide],
    });
  }
  for (const call of calls.values()) call.capturePoints.sort((a, b) => captureOrder(a) - captureOrder(b));
  return [...calls.values()].sort((a, b) => b.timeMs - a.timeMs);
}

/**
 * The request that caused `call`: the span its parent_span_id names, or else the request with the same X-Request-ID
 * that reached the process which then sent `call` (its server is `call`'s client) no later than `call` started.
 */
function parentOf(call: HttpCall, calls: readonly HttpCall[]): HttpCall | undefined {
  if (call.parentSpanId !== '') {
    const bySpan = calls.find((c) => c !== call && c.spanId === call.parentSpanId);
    if (bySpan) return bySpan;
  }
  if (call.xRequestId === '') return undefined;
  return calls
    .filter((c) => c !== call && c.xRequestId === call.xRequestId && sameEndpoint(c.server, call.client) && c.timeMs <= call.timeMs)
    .sort((a, b) => b.timeMs - a.timeMs)[0];
}

export interface ChainCallNode {
  call: HttpCall;
  children: ChainCallNode[];
}

/** One chain: the client that started it, and the requests it caused, nested. */
export interface Chain {
  client: Endpoint;
  calls: ChainCallNode[];
}

/** Nests the requests of one trace: client → pod `/foo` → external `/bar`. Cycles in bad data are cut. */
export function buildChains(calls: readonly HttpCall[]): Chain[] {
  const ordered = [...calls].sort((a, b) => a.timeMs - b.timeMs);
  const parents = new Map<HttpCall, HttpCall | undefined>(ordered.map((c) => [c, parentOf(c, ordered)]));
  const nodes = new Map<HttpCall, ChainCallNode>(ordered.map((c) => [c, { call: c, children: [] }]));
  const roots: ChainCallNode[] = [];
  for (const call of ordered) {
    const node = nodes.get(call) as ChainCallNode;
    let parent = parents.get(call);
    // A parent whose own ancestry leads back to this call would make a cycle: treat the call as a root instead.
    for (let p = parent, hops = 0; p && hops <= ordered.length; p = parents.get(p), hops++) {
      if (p === call) parent = undefined;
    }
    const parentNode = parent ? nodes.get(parent) : undefined;
    if (parentNode) parentNode.children.push(node);
    else roots.push(node);
  }
  const chains: Chain[] = [];
  for (const root of roots) {
    const chain = chains.find((c) => sameEndpoint(c.client, root.call.client));
    if (chain) chain.calls.push(root);
    else chains.push({ client: root.call.client, calls: [root] });
  }
  return chains;
}

/** "GET /foo". */
export function describeRequest(call: HttpCall): string {
  return `${call.method || 'HTTP'} ${call.path || '/'}`;
}

/** "200 · 12.3 ms"; parts that are unknown are left out. */
export function describeOutcome(call: HttpCall): string {
  const parts: string[] = [];
  if (call.statusCode !== undefined) parts.push(String(call.statusCode));
  if (call.durationUs !== undefined) parts.push(call.durationUs >= 1000 ? `${(call.durationUs / 1000).toFixed(1)} ms` : `${call.durationUs} µs`);
  return parts.join(' · ');
}

/** Distributed Tracing on one trace, where the DeepFlow Flame Graph panel shows the chain. */
export function tracePath(dashboard: DashboardDefinition, call: HttpCall, filter: WorkloadFilter): string {
  if (call.traceId === '') throw new Error(l10n.t('{0} has no trace id: DeepFlow linked it by X-Request-ID only.', describeRequest(call)));
  return dashboardPath(dashboard, { variables: { trace_id: call.traceId }, range: filter.range });
}
