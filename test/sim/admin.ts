/**
 * The simulator's control panel: plain HTTP on 127.0.0.1 for tests and people to flip faults, change the node count
 * and read what happened (pushes, API request counts). Not part of anything real; see README.md for curl examples.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Faults, SimulatorInfo, VioletPush } from './contract';

export interface AdminTarget {
  info(): SimulatorInfo & Record<string, unknown>;
  faults: Faults;
  pushes(): VioletPush[];
  requestCount(): number;
  resetRequestCount(): void;
  setNodeCount(n: number, oldKernelNodes?: number): void;
  nodeCount(): number;
}

export interface AdminServer {
  readonly url: string;
  close(): Promise<void>;
}

const FAULT_TYPES: Record<keyof Faults, 'number' | 'boolean' | 'string'> = {
  slowApiMs: 'number',
  apiDown: 'boolean',
  errors500: 'boolean',
  dropWatchesAfterMs: 'number',
  watchGone: 'boolean',
  crashLoop: 'string',
};

function isFaultKey(k: string): k is keyof Faults {
  return Object.hasOwn(FAULT_TYPES, k);
}

/** Merge a JSON patch into the live Faults object; returns an error message for unknown keys or wrong types. */
export function mergeFaults(faults: Faults, patch: unknown): string | undefined {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return 'body must be a JSON object';
  const entries = Object.entries(patch as Record<string, unknown>);
  for (const [k, v] of entries) {
    if (!isFaultKey(k)) return `unknown fault "${k}"; known: ${Object.keys(FAULT_TYPES).join(', ')}`;
    if (typeof v !== FAULT_TYPES[k]) return `fault "${k}" must be a ${FAULT_TYPES[k]}`;
  }
  // Validated above: each value has its key's type. Mutate in place: the API server and controllers read it live.
  Object.assign(faults, Object.fromEntries(entries));
  return undefined;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      try {
        resolve(text === '' ? {} : JSON.parse(text));
      } catch {
        reject(new Error('body is not valid JSON'));
      }
    });
    req.on('error', reject);
  });
}

export async function startAdmin(target: AdminTarget, port = 0): Promise<AdminServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://admin.invalid').pathname.replace(/\/+$/, '') || '/';
    const route = `${req.method ?? 'GET'} ${path}`;
    switch (route) {
      case 'GET /':
        return send(res, 200, { routes: ['GET /info', 'GET /faults', 'POST /faults', 'GET /nodes', 'POST /nodes', 'GET /pushes', 'GET /requests', 'POST /requests/reset'] });
      case 'GET /info':
        return send(res, 200, target.info());
      case 'GET /faults':
        return send(res, 200, target.faults);
      case 'POST /faults': {
        const error = mergeFaults(target.faults, await readJson(req));
        return error ? send(res, 400, { error }) : send(res, 200, target.faults);
      }
      case 'GET /nodes':
        return send(res, 200, { count: target.nodeCount() });
      case 'POST /nodes': {
        const body = (await readJson(req)) as { count?: unknown; oldKernel?: unknown };
        const count = body.count;
        const oldKernel = body.oldKernel;
        if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 5000) return send(res, 400, { error: 'count must be an integer from 1 to 5000' });
        if (oldKernel !== undefined && (typeof oldKernel !== 'number' || !Number.isInteger(oldKernel) || oldKernel < 0)) return send(res, 400, { error: 'oldKernel must be a non-negative integer' });
        target.setNodeCount(count, oldKernel);
        return send(res, 200, { count: target.nodeCount() });
      }
      case 'GET /pushes':
        return send(res, 200, target.pushes());
      case 'GET /requests':
        return send(res, 200, { count: target.requestCount() });
      case 'POST /requests/reset':
        target.resetRequestCount();
        return send(res, 200, { count: 0 });
      default:
        return send(res, 404, { error: `no route ${route}` });
    }
  };
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 400, { error: err instanceof Error ? err.message : String(err) }));
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
