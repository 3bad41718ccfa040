/**
 * deepflow-server's querier API (:20416) and health endpoint (:20417), reached through the API server's service
 * proxy. It answers a handful of DNS flow-log rows (l7_protocol 120) once DeepFlow's server is ready, and the
 * proxy's own 503 before that, as a Service without endpoints does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiServer, ObjectStore } from '../contract';
import { workloadReady } from '../controllers/workloads';

type Cell = string | number;

/** DNS rows: `_0` columns are the client side. response_status 4 is Client Error (RCODE 3, NXDOMAIN). */
const DNS_ROWS: Record<string, Cell>[] = [
  { request_resource: 'kubernetes.default.svc.cluster.local', response_code: 0, response_status: 0, pod_ns_0: 'default', pod_group_0: 'web-frontend' },
  { request_resource: 'api.example.com', response_code: 0, response_status: 0, pod_ns_0: 'default', pod_group_0: 'web-frontend' },
  { request_resource: 'nosuch.example.com', response_code: 3, response_status: 4, pod_ns_0: 'default', pod_group_0: 'web-frontend' },
  { request_resource: 'redis.shop.svc.cluster.local', response_code: 0, response_status: 0, pod_ns_0: 'shop', pod_group_0: 'cart' },
  { request_resource: 'payments.shop.svc.cluster.locl', response_code: 3, response_status: 4, pod_ns_0: 'shop', pod_group_0: 'checkout' },
].map((r, i) => ({ ...r, l7_protocol: 120, l7_protocol_str: 'DNS', request_type: 'A', time: 1764060000 + i * 7, _id: `74${i}0000000000000${i}` }));

const DEFAULT_COLUMNS = ['time', 'request_resource', 'response_code', 'response_status', 'pod_ns_0', 'pod_group_0', 'l7_protocol'];

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

/** WHERE filters the rows understand: `field = value`, `field != value`, `field LIKE '%x%'`. Others are ignored. */
function filterRows(sql: string, rows: Record<string, Cell>[]): Record<string, Cell>[] {
  const where = /\swhere\s([\s\S]+?)(\s(group|order|limit)\s|$)/i.exec(sql)?.[1] ?? '';
  const tests: ((r: Record<string, Cell>) => boolean)[] = [];
  for (const m of where.matchAll(/(\w+)\s*(=|!=|like)\s*('([^']*)'|(-?\d+))/gi)) {
    const field = m[1] ?? '';
    const op = (m[2] ?? '').toLowerCase();
    const value: Cell = m[4] !== undefined ? m[4] : Number(m[5]);
    if (!DEFAULT_COLUMNS.includes(field) && field !== 'l7_protocol') continue;
    if (op === 'like') {
      const re = new RegExp(`^${String(value).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/\*/g, '.*')}$`, 'i');
      tests.push((r) => re.test(String(r[field])));
    } else {
      tests.push((r) => (String(r[field]) === String(value)) === (op === '='));
    }
  }
  return rows.filter((r) => tests.every((t) => t(r)));
}

export function answerQuery(sql: string): { columns: string[]; values: Cell[][] } {
  const rows = filterRows(sql, DNS_ROWS);
  let select = selectList(sql);
  if (select.length === 0 || select.some((s) => s.expr === '*')) select = DEFAULT_COLUMNS.map((c) => ({ name: c, expr: c }));
  const aggregate = select.some((s) => /^(count|sum)\(/i.test(s.expr));
  if (aggregate) {
    // Group by the plain fields; count rows per group.
    const groups = new Map<string, Record<string, Cell>[]>();
    for (const r of rows) {
      const k = JSON.stringify(select.filter((s) => !/\(/.test(s.expr)).map((s) => r[s.expr]));
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    const values = [...groups.values()].map((g) => select.map((s) => (/\(/.test(s.expr) ? g.length : (g[0]?.[s.expr] ?? ''))));
    return { columns: select.map((s) => s.name), values };
  }
  return { columns: select.map((s) => s.name), values: rows.map((r) => select.map((s) => r[s.expr] ?? '')) };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function noEndpoints(res: ServerResponse, service: string): void {
  send(res, 503, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `no endpoints available for service "${service}"`, reason: 'ServiceUnavailable', code: 503 });
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
        send(res, 200, { OPT_STATUS: 'SUCCESS', DESCRIPTION: '', result: answerQuery(sql), debug: null });
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
