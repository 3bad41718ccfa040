// Child process of the benchmark: reads the DeepFlow status exactly as the extension does (readDeepflowStatus over
// ClusterConnection's client, as src/services.ts builds it), away from the simulator's event loop and heap.
// Usage: node --expose-gc --import tsx scripts/bench/readStatusChild.ts <kubeconfig> <adminUrl> <runs>
// Prints one JSON line (ReadReport) on stdout.
import { readDeepflowStatus } from '../../src/acp/deepflowStatus';
import { ClusterConnection } from '../../src/cluster/connection';
import { silentLogger } from '../../src/cluster';
import { readerFor } from './install';

export interface ReadReport {
  /** Wall time of each read with a new connection and client (discovery included), ms. */
  coldMs: number[];
  /** API requests of each such read. */
  coldRequests: number[];
  /** Wall time of each read with an already used client (discovery cached), ms. */
  warmMs: number[];
  warmRequests: number[];
  memory: {
    /** After imports and a GC, before any read. */
    baselineHeapUsed: number;
    baselineRss: number;
    /** Right after the first read, result still referenced, no GC in between. */
    afterReadHeapUsed: number;
    afterReadRss: number;
    /** After a GC, result still referenced. */
    retainedHeapUsed: number;
    /** process.resourceUsage().maxRSS at the end, bytes. */
    peakRss: number;
  };
  /** Items the first read saw, as a sanity check: the component details. */
  details: string[];
}

async function admin(adminUrl: string, method: 'GET' | 'POST', path: string): Promise<number> {
  const res = await fetch(`${adminUrl}${path}`, { method });
  const body = (await res.json()) as { count: number };
  return body.count;
}

function connection(kubeconfig: string): ClusterConnection {
  return new ClusterConnection(() => ({ kubeconfig, context: '', requestTimeoutMs: 30_000 }), silentLogger);
}

async function main(): Promise<void> {
  const [kubeconfig, adminUrl, runsText] = process.argv.slice(2);
  if (!kubeconfig || !adminUrl) throw new Error('usage: readStatusChild.ts <kubeconfig> <adminUrl> <runs>');
  const runs = Number(runsText ?? '5');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');

  gc();
  const baseline = process.memoryUsage();
  await admin(adminUrl, 'POST', '/requests/reset');
  const firstConn = connection(kubeconfig);
  let t = performance.now();
  const first = await readDeepflowStatus(readerFor(() => firstConn.currentClient()));
  const firstMs = performance.now() - t;
  const afterRead = process.memoryUsage();
  const firstRequests = await admin(adminUrl, 'GET', '/requests');
  gc();
  const retained = process.memoryUsage();

  const coldMs = [firstMs];
  const coldRequests = [firstRequests];
  for (let i = 1; i < runs; i++) {
    const conn = connection(kubeconfig);
    await admin(adminUrl, 'POST', '/requests/reset');
    t = performance.now();
    await readDeepflowStatus(readerFor(() => conn.currentClient()));
    coldMs.push(performance.now() - t);
    coldRequests.push(await admin(adminUrl, 'GET', '/requests'));
  }

  const warmMs: number[] = [];
  const warmRequests: number[] = [];
  const reader = readerFor(() => firstConn.currentClient());
  for (let i = 0; i < runs; i++) {
    await admin(adminUrl, 'POST', '/requests/reset');
    t = performance.now();
    await readDeepflowStatus(reader);
    warmMs.push(performance.now() - t);
    warmRequests.push(await admin(adminUrl, 'GET', '/requests'));
  }

  const report: ReadReport = {
    coldMs,
    coldRequests,
    warmMs,
    warmRequests,
    memory: {
      baselineHeapUsed: baseline.heapUsed,
      baselineRss: baseline.rss,
      afterReadHeapUsed: afterRead.heapUsed,
      afterReadRss: afterRead.rss,
      retainedHeapUsed: retained.heapUsed,
      peakRss: process.resourceUsage().maxRSS * 1024,
    },
    details: [...first.prerequisites, ...first.components].map((s) => `${s.spec.name}: ${s.detail}`),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
