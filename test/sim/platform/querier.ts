/**
 * deepflow-server's querier API (:20416) and health endpoint (:20417), reached through the API server's service
 * proxy. It answers flow-log rows (DNS, l7_protocol 120; the guide's chained HTTP requests, l7_protocol 20) once
 * DeepFlow's server is ready, the proxy's own 503 before that (a Service without endpoints), and 404 when there is
 * no Service at all. WHERE clauses are evaluated (AND/OR/NOT, comparisons, IN, LIKE), so a wrong filter shows.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiServer, ObjectStore } from '../contract';
import { workloadReady } from '../controllers/workloads';

type Cell = string | number;
type Row = Record<string, Cell>;

/**
 * DNS rows (l7_protocol 120): `_0` columns are the client side. response_status 4 is Client Error (RCODE 3,
 * NXDOMAIN), 3 Server Error (RCODE 2, SERVFAIL). `ago` is how many seconds before the query the request was seen,
 * so "the last hour" always finds the recent ones; the oldest is three hours back.
 */
const DNS_ROWS: (Row & { ago: number })[] = [
  { request_resource: 'kubernetes.default.svc.cluster.local', response_code: 0, response_status: 0, pod_ns_0: 'default', pod_group_0: 'web-frontend', pod_0: 'web-frontend-6c7b9d8f4-qm2lx', ago: 1500 },
  { request_resource: 'api.example.com', response_code: 0, response_status: 0, pod_ns_0: 'default', pod_group_0: 'web-frontend', pod_0: 'web-frontend-6c7b9d8f4-qm2lx', ago: 1200 },
  { request_resource: 'nosuch.example.com', response_code: 3, response_status: 4, pod_ns_0: 'default', pod_group_0: 'web-frontend', pod_0: 'web-frontend-6c7b9d8f4-qm2lx', ago: 900 },
  { request_resource: 'redis.shop.svc.cluster.local', response_code: 0, response_status: 0, pod_ns_0: 'shop', pod_group_0: 'cart', pod_0: 'cart-5f6d7c8b9-tz4wq', ago: 600 },
  // The guide's DNS example: a typo'd cluster domain (".locl") answered NXDOMAIN.
  { request_resource: 'payments.shop.svc.cluster.locl', response_code: 3, response_status: 4, pod_ns_0: 'shop', pod_group_0: 'checkout', pod_0: 'checkout-7d9fb5c6d4-x2k8p', ago: 300 },
  { request_resource: 'ledger.bank.example', response_code: 2, response_status: 3, pod_ns_0: 'shop', pod_group_0: 'checkout', pod_0: 'checkout-7d9fb5c6d4-x2k8p', ago: 420 },
  { request_resource: 'payments.shop.svc.cluster.locl', response_code: 3, response_status: 4, pod_ns_0: 'shop', pod_group_0: 'checkout', pod_0: 'checkout-7d9fb5c6d4-h5r7n', ago: 10_800 },
].map((r, i) => ({ ...r, l7_protocol: 120, l7_protocol_str: 'DNS', request_type: 'A', tap_side: 'c-p', _id: `74${i}0000000000000${i}` }));

const NODE = { ip_0: '192.168.136.239', auto_instance_0: '192.168.136.239', auto_instance_type_0: 14, pod_ns_0: '', pod_group_0: '' };
const PINGER_SERVER = { ip_1: '10.3.0.17', auto_instance_1: 'kube-ovn-pinger-nnsrc', auto_instance_type_1: 10, pod_ns_1: 'kube-system', pod_group_1: 'kube-ovn-pinger' };
const PINGER_CLIENT = { ip_0: '10.3.0.17', auto_instance_0: 'kube-ovn-pinger-nnsrc', auto_instance_type_0: 10, pod_ns_0: 'kube-system', pod_group_0: 'kube-ovn-pinger' };
const EXTERNAL = { ip_1: '192.168.152.146', auto_instance_1: '192.168.152.146', auto_instance_type_1: 0, pod_ns_1: '', pod_group_1: '' };
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const X_REQUEST_ID = 'f3c9a1e2-6b1d-4c8e-9a57-2d4e8b0c1f6a';

/**
 * HTTP/1 rows (l7_protocol 20), one per capture point (tap_side), as the guide's flame graph shows them: a process
 * on node 192.168.136.239 sends GET /foo to pod kube-ovn-pinger-nnsrc, which then sends GET /bar to the external
 * 192.168.152.146, both carrying the same X-Request-ID and trace. Durations are microseconds; `start_us` orders
 * the spans within their second. A second, untraced request (X-Request-ID only) fails with 503 in namespace shop.
 */
const HTTP_ROWS: (Row & { ago: number; start_us: number })[] = [
  { ...NODE, ...PINGER_SERVER, tap_side: 'c-p', span_id: 'b7ad6b7169203331', parent_span_id: '', request_resource: '/foo', request_domain: '10.3.0.17:8080', response_duration: 5200, start_us: 100 },
  { ...NODE, ...PINGER_SERVER, tap_side: 'c-nd', span_id: 'b7ad6b7169203331', parent_span_id: '', request_resource: '/foo', request_domain: '10.3.0.17:8080', response_duration: 4900, start_us: 150 },
  { ...NODE, ...PINGER_SERVER, tap_side: 's-p', span_id: 'b7ad6b7169203331', parent_span_id: '', request_resource: '/foo', request_domain: '10.3.0.17:8080', response_duration: 4100, start_us: 400 },
  { ...PINGER_CLIENT, ...EXTERNAL, tap_side: 'c-p', span_id: '00f067aa0ba902b7', parent_span_id: 'b7ad6b7169203331', request_resource: '/bar', request_domain: '192.168.152.146', response_duration: 2600, start_us: 900 },
  { ...PINGER_CLIENT, ...EXTERNAL, tap_side: 'c', span_id: '00f067aa0ba902b7', parent_span_id: 'b7ad6b7169203331', request_resource: '/bar', request_domain: '192.168.152.146', response_duration: 2400, start_us: 950 },
].map((r) => ({ ...r, trace_id: TRACE, x_request_id_0: X_REQUEST_ID, x_request_id_1: X_REQUEST_ID, request_type: 'GET', response_code: 200, response_status: 0, ago: 240 }));

const CHECKOUT_TO_PAYMENTS = {
  ip_0: '10.3.1.24', auto_instance_0: 'checkout-7d9fb5c6d4-x2k8p', auto_instance_type_0: 10, pod_ns_0: 'shop', pod_group_0: 'checkout',
  ip_1: '10.3.1.31', auto_instance_1: 'payments-6b8f9c7d5-p9v2c', auto_instance_type_1: 10, pod_ns_1: 'shop', pod_group_1: 'payments',
  trace_id: '', span_id: '', parent_span_id: '', x_request_id_0: '7f2c0d4e-1a3b-4c5d-8e9f-0a1b2c3d4e5f', x_request_id_1: '7f2c0d4e-1a3b-4c5d-8e9f-0a1b2c3d4e5f',
  request_type: 'POST', request_resource: '/api/pay', request_domain: 'payments.shop.svc.cluster.local', response_code: 503, response_status: 3, ago: 360,
};
HTTP_ROWS.push({ ...CHECKOUT_TO_PAYMENTS, tap_side: 'c-p', response_duration: 30_400, start_us: 10 }, { ...CHECKOUT_TO_PAYMENTS, tap_side: 's-p', response_duration: 29_800, start_us: 300 });
for (const r of HTTP_ROWS) Object.assign(r, { l7_protocol: 20, l7_protocol_str: 'HTTP' });

/** Columns the querier knows; a WHERE on anything else is refused, as DeepFlow refuses an unknown tag. */
const KNOWN_COLUMNS = new Set(['time', 'start_time', 'end_time', 'l7_protocol', 'l7_protocol_str', 'request_type', 'request_resource', 'request_domain', 'response_code', 'response_status', 'response_duration', 'tap_side', 'observation_point', 'trace_id', 'span_id', 'parent_span_id', 'x_request_id_0', 'x_request_id_1', 'ip_0', 'ip_1', 'pod_0', 'pod_1', 'pod_ns_0', 'pod_ns_1', 'pod_group_0', 'pod_group_1', 'auto_instance_0', 'auto_instance_1', 'auto_instance_type_0', 'auto_instance_type_1', '_id']);

/** The rows as of `nowMs`: times are epoch seconds, start_time/end_time epoch microseconds. */
function flowRows(nowMs: number): Row[] {
  const now = Math.floor(nowMs / 1000);
  return [...DNS_ROWS, ...HTTP_ROWS].map(({ ago, start_us, ...r }) => {
    const time = now - ago;
    const start = time * 1_000_000 + (typeof start_us === 'number' ? start_us : 0);
    const duration = typeof r.response_duration === 'number' ? r.response_duration : 800;
    return { ...r, time, start_time: start, end_time: start + duration, response_duration: duration, observation_point: r.tap_side ?? '' };
  });
}

const DEFAULT_COLUMNS = ['time', 'request_resource', 'response_code', 'response_status', 'pod_ns_0', 'pod_group_0', 'l7_protocol'];

/** A query the stand-in cannot answer; the querier answers 400 INVALID_PARAMETERS with this description. */
export class QuerySyntaxError extends Error {}

/** The SELECT list of a simple query: plain fields, `expr AS alias`, and Count(row)-style aggregates. */
function selectList(sql: string): { name: string; expr: string }[] {
  const m = /^\s*select\s+([\s\S]+?)\s+from\s/i.exec(sql);
  if (!m?.[1]) return [];
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of m[1]) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) parts.push(cur.trim());
  return parts.map((p) => {
    const alias = /^([\s\S]+?)\s+as\s+[`'"]?([\w.]+)[`'"]?$/i.exec(p);
    const expr = (alias?.[1] ?? p).trim().replace(/^`|`$/g, '');
    return { name: alias?.[2] ?? expr, expr };
  });
}

type Token = { kind: 'ident' | 'string' | 'number' | 'op' | 'punct'; text: string };

/** Splits a WHERE clause into tokens; strings take MySQL's escapes (`\'`, `\\`, `''`), as the querier's parser. */
function tokenize(where: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < where.length) {
    const ch = where[i] ?? '';
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= where.length) throw new QuerySyntaxError('unterminated string');
        const c = where[i] ?? '';
        if (c === '\\') {
          value += where[i + 1] ?? '';
          i += 2;
        } else if (c === "'" && where[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (c === "'") {
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
      tokens.push({ kind: 'string', text: value });
    } else if (ch === '`') {
      const end = where.indexOf('`', i + 1);
      if (end < 0) throw new QuerySyntaxError('unterminated identifier');
      tokens.push({ kind: 'ident', text: where.slice(i + 1, end) });
      i = end + 1;
    } else if (/[-\d]/.test(ch) && /^-?\d/.test(where.slice(i))) {
      const m = /^-?\d+(\.\d+)?/.exec(where.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'number', text: m[0] });
      i += m[0].length;
    } else if (/[\w]/.test(ch)) {
      const m = /^\w+/.exec(where.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'ident', text: m[0] });
      i += m[0].length;
    } else {
      const m = /^(!=|<>|<=|>=|=|<|>)/.exec(where.slice(i));
      if (m) {
        tokens.push({ kind: 'op', text: m[0] });
        i += m[0].length;
      } else if (ch === '(' || ch === ')' || ch === ',') {
        tokens.push({ kind: 'punct', text: ch });
        i++;
      } else throw new QuerySyntaxError(`unexpected character ${JSON.stringify(ch)}`);
    }
  }
  return tokens;
}

type Predicate = (r: Row) => boolean;

/** DeepFlow's LIKE: `*` (and ClickHouse's `%`) is any text, `_` one character; case-sensitive. */
function likePattern(pattern: string): RegExp {
  const body = [...pattern].map((c) => (c === '*' || c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 's');
}

function compare(a: Cell | undefined, b: Cell): number {
  const x = a ?? '';
  if (typeof b === 'number' && x !== '' && !Number.isNaN(Number(x))) return Number(x) - b;
  return String(x) < String(b) ? -1 : String(x) > String(b) ? 1 : 0;
}

/** A recursive-descent parser for WHERE: OR, AND, NOT, parentheses, comparisons, [NOT] IN (…), [NOT] LIKE. */
function parseWhere(where: string): Predicate {
  const tokens = tokenize(where);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const keyword = (word: string): boolean => {
    const t = peek();
    if (t?.kind === 'ident' && t.text.toLowerCase() === word) {
      pos++;
      return true;
    }
    return false;
  };
  const expect = (text: string): void => {
    if (peek()?.text !== text) throw new QuerySyntaxError(`expected ${text} near ${peek()?.text ?? 'the end'}`);
    pos++;
  };
  const literal = (): Cell => {
    const t = tokens[pos++];
    if (t?.kind === 'string') return t.text;
    if (t?.kind === 'number') return Number(t.text);
    throw new QuerySyntaxError(`expected a value near ${t?.text ?? 'the end'}`);
  };
  const comparison = (): Predicate => {
    const field = tokens[pos++];
    if (field?.kind !== 'ident') throw new QuerySyntaxError(`expected a column near ${field?.text ?? 'the end'}`);
    const name = field.text;
    if (!KNOWN_COLUMNS.has(name)) throw new QuerySyntaxError(`unknown column ${name}`);
    const negated = keyword('not');
    if (keyword('in')) {
      expect('(');
      const values: Cell[] = [literal()];
      while (peek()?.text === ',') {
        pos++;
        values.push(literal());
      }
      expect(')');
      return (r) => values.some((v) => compare(r[name], v) === 0) !== negated;
    }
    if (keyword('like')) {
      const re = likePattern(String(literal()));
      return (r) => re.test(String(r[name] ?? '')) !== negated;
    }
    if (negated) throw new QuerySyntaxError(`expected IN or LIKE after NOT near ${name}`);
    const op = tokens[pos++];
    if (op?.kind !== 'op') throw new QuerySyntaxError(`expected an operator after ${name}`);
    const value = literal();
    const tests: Record<string, (d: number) => boolean> = { '=': (d) => d === 0, '!=': (d) => d !== 0, '<>': (d) => d !== 0, '<': (d) => d < 0, '<=': (d) => d <= 0, '>': (d) => d > 0, '>=': (d) => d >= 0 };
    const test = tests[op.text] as (d: number) => boolean;
    return (r) => test(compare(r[name], value));
  };
  const factor = (): Predicate => {
    if (keyword('not')) {
      const inner = factor();
      return (r) => !inner(r);
    }
    if (peek()?.text === '(') {
      pos++;
      const inner = disjunction();
      expect(')');
      return inner;
    }
    return comparison();
  };
  const conjunction = (): Predicate => {
    const parts = [factor()];
    while (keyword('and')) parts.push(factor());
    return (r) => parts.every((p) => p(r));
  };
  const disjunction = (): Predicate => {
    const parts = [conjunction()];
    while (keyword('or')) parts.push(conjunction());
    return (r) => parts.some((p) => p(r));
  };
  const predicate = disjunction();
  if (pos < tokens.length) throw new QuerySyntaxError(`unexpected ${tokens[pos]?.text ?? ''}`);
  return predicate;
}

/** The clauses after FROM: WHERE, GROUP BY, ORDER BY, LIMIT (the order SQL gives them). */
function clauses(sql: string): { where: string; orderBy?: { field: string; desc: boolean }; limit?: number } {
  const tail = /\sfrom\s+`?\w+`?\s*([\s\S]*)$/i.exec(sql)?.[1] ?? '';
  const where = /^where\s([\s\S]+?)(?=\s(?:group\s+by|order\s+by|limit)\s|$)/i.exec(tail)?.[1] ?? '';
  const order = /\sorder\s+by\s+`?(\w+)`?(?:\s+(asc|desc))?/i.exec(` ${tail}`);
  const limit = /\slimit\s+(\d+)/i.exec(` ${tail}`);
  return { where, orderBy: order?.[1] ? { field: order[1], desc: (order[2] ?? '').toLowerCase() === 'desc' } : undefined, limit: limit?.[1] ? Number(limit[1]) : undefined };
}

export function answerQuery(sql: string, nowMs = Date.now()): { columns: string[]; values: Cell[][] } {
  const { where, orderBy, limit } = clauses(sql);
  const predicate = where.trim() === '' ? () => true : parseWhere(where);
  let rows = flowRows(nowMs).filter(predicate);
  if (orderBy) {
    const { field, desc } = orderBy;
    rows = [...rows].sort((a, b) => (desc ? -1 : 1) * (compare(a[field], b[field] ?? '') || compare(a.start_time, b.start_time ?? 0)));
  }
  let select = selectList(sql);
  if (select.length === 0 || select.some((s) => s.expr === '*')) select = DEFAULT_COLUMNS.map((c) => ({ name: c, expr: c }));
  const aggregate = select.some((s) => /^(count|sum)\(/i.test(s.expr));
  if (aggregate) {
    // Group by the plain fields; count rows per group.
    const groups = new Map<string, Row[]>();
    for (const r of rows) {
      const k = JSON.stringify(select.filter((s) => !/\(/.test(s.expr)).map((s) => r[s.expr]));
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    const values = [...groups.values()].map((g) => select.map((s) => (/\(/.test(s.expr) ? g.length : (g[0]?.[s.expr] ?? ''))));
    return { columns: select.map((s) => s.name), values: limit === undefined ? values : values.slice(0, limit) };
  }
  const limited = limit === undefined ? rows : rows.slice(0, limit);
  return { columns: select.map((s) => s.name), values: limited.map((r) => select.map((s) => r[s.expr] ?? '')) };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function noEndpoints(res: ServerResponse, service: string): void {
  send(res, 503, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `no endpoints available for service "${service}"`, reason: 'ServiceUnavailable', code: 503 });
}

/** What the API server answers when a service proxy names a Service that does not exist. */
function noService(res: ServerResponse, service: string): void {
  send(res, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `services "${service}" not found`, reason: 'NotFound', details: { name: service, kind: 'services' }, code: 404 });
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const type = req.headers['content-type'] ?? '';
      const boundary = /boundary=([^;]+)/.exec(type)?.[1];
      if (type.startsWith('multipart/form-data') && boundary) {
        // curl -F: a tiny multipart reader for text fields.
        const params = new URLSearchParams();
        for (const part of text.split(`--${boundary}`)) {
          const m = /name="([^"]+)"\r?\n(?:[^\r\n]*\r?\n)*?\r?\n([\s\S]*?)\r?\n$/.exec(part);
          if (m?.[1]) params.append(m[1], m[2] ?? '');
        }
        resolve(params);
      } else resolve(new URLSearchParams(text));
    });
    req.on('error', reject);
  });
}

export function registerQuerier(api: ApiServer, store: ObjectStore): void {
  const serverReady = (): boolean => workloadReady(store.get('apps/v1', 'Deployment', 'cpaas-system', 'deepflow-server')) && store.get('v1', 'Service', 'cpaas-system', 'deepflow-server') !== undefined;
  api.addServiceProxy('cpaas-system', 'deepflow-server:20416', (req, res, subPath) => {
    if (!store.get('v1', 'Service', 'cpaas-system', 'deepflow-server')) return noService(res, 'deepflow-server');
    if (!serverReady()) return noEndpoints(res, 'deepflow-server:20416');
    const path = `/${subPath.replace(/^\/+/, '')}`.replace(/\?.*$/, '');
    if (path !== '/v1/query/' && path !== '/v1/query') return send(res, 404, { OPT_STATUS: 'RESOURCE_NOT_FOUND', DESCRIPTION: `no route ${path}` });
    if (req.method !== 'POST') return send(res, 405, { OPT_STATUS: 'INVALID_PARAMETERS', DESCRIPTION: 'use POST' });
    readForm(req)
      .then((form) => {
        const sql = form.get('sql') ?? '';
        const db = form.get('db') ?? '';
        if (sql.trim() === '') return send(res, 400, { OPT_STATUS: 'INVALID_PARAMETERS', DESCRIPTION: 'sql is required', result: null });
        if (db !== '' && db !== 'flow_log') return send(res, 200, { OPT_STATUS: 'SUCCESS', DESCRIPTION: '', result: { columns: [], values: [] } });
        let result: ReturnType<typeof answerQuery>;
        try {
          result = answerQuery(sql);
        } catch (err) {
          if (!(err instanceof QuerySyntaxError)) throw err;
          return send(res, 400, { OPT_STATUS: 'INVALID_PARAMETERS', DESCRIPTION: err.message, result: null });
        }
        send(res, 200, { OPT_STATUS: 'SUCCESS', DESCRIPTION: '', result, debug: null });
      })
      .catch(() => res.destroy());
  });
  api.addServiceProxy('cpaas-system', 'deepflow-server:20417', (_req, res, subPath) => {
    if (!serverReady()) return noEndpoints(res, 'deepflow-server:20417');
    const path = `/${subPath.replace(/^\/+/, '')}`.replace(/\?.*$/, '');
    if (path.startsWith('/v1/health')) return send(res, 200, { OPT_STATUS: 'SUCCESS', DESCRIPTION: '' });
    send(res, 404, { OPT_STATUS: 'RESOURCE_NOT_FOUND' });
  });
}
