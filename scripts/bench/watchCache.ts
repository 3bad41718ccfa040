// The watch cache's figures, with the simulator in its own process so this process's heap holds only the cache:
// API requests to warm it and for a warm status read at 5 and at 5,000 nodes, the heap it keeps at each size,
// and the delay from a change on the server (a scale) to the new readiness in the cache, p50 and p95.
// Usage: npx tsx --expose-gc scripts/bench/watchCache.ts   (or node --expose-gc --import tsx ...)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deepflowInformers, deepflowStatusFromCache } from '../../src/acp/deepflowStatus';
import { ClusterCache } from '../../src/cluster';
import { clientFor, installDeepflow } from './install';
import { startSimProcess } from './simProcess';
import { mib, ms, sleep } from './util';

const SIZES = [5, 5000] as const;
const DELAY_SAMPLES = 40;

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'deepflow-bench-cache-'));
  const sim = await startSimProcess(dir, { nodes: SIZES[0], timeScale: 0.05 });
  try {
    await installDeepflow(sim.info, sim.kubeconfig, join(dir, 'install'));
    const rows: string[] = [];
    for (const nodes of SIZES) {
      await sim.setNodes(nodes);
      await sleep(nodes > 100 ? 8000 : 500); // the DaemonSet's pods follow the nodes
      const before = heapAfterGc();
      await sim.resetRequests();
      const cache = new ClusterCache(clientFor(sim.kubeconfig), deepflowInformers);
      const started = Date.now();
      await cache.whenReady();
      const warmMs = Date.now() - started;
      const warmRequests = await sim.settledRequests(300);
      await sim.resetRequests();
      for (let i = 0; i < 100; i++) deepflowStatusFromCache(cache);
      const readRequests = await sim.requests();
      const heap = heapAfterGc() - before;
      rows.push(`${nodes} nodes: warm-up ${warmRequests} requests in ${ms(warmMs)}; 100 status reads ${readRequests} requests; cache heap ${mib(heap)}`);
      cache.stop();
    }

    // Change → cache delay: scale a kubectl-style deployment up and down and time each readiness change.
    const client = clientFor(sim.kubeconfig);
    const cache = new ClusterCache(client, deepflowInformers);
    await cache.whenReady();
    const labels = { app: 'deepflow', component: 'bench-scale' };
    const deployment = (replicas: number) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'bench-scale', namespace: 'cpaas-system', labels },
      spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'bench' }] } } },
    });
    const replicasSeen = (): number | undefined => {
      const found = cache.objects('workloads/Deployment').find((d) => d.metadata.name === 'bench-scale');
      return (found?.spec as { replicas?: number } | undefined)?.replicas;
    };
    const delays: number[] = [];
    for (let i = 0; i < DELAY_SAMPLES; i++) {
      const want = (i % 3) + 1;
      const sent = Date.now();
      await client.apply(deployment(want));
      const answered = Date.now();
      while (replicasSeen() !== want) await new Promise((r) => setImmediate(r));
      delays.push(Date.now() - answered);
      if (Date.now() - sent > 5000) throw new Error('a change took more than 5 s to reach the cache');
    }
    cache.stop();
    rows.push(`server answered the change → cache holds it: p50 ${ms(percentile(delays, 50))}, p95 ${ms(percentile(delays, 95))} (n=${DELAY_SAMPLES})`);
    console.log('watch cache:');
    for (const row of rows) console.log(`  ${row}`);
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
