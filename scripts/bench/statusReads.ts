// The same DeepFlow status read two ways against a simulator with DeepFlow installed: the extension's
// (readDeepflowStatus over its ClusterClient, in a child Node process) and the kubectl way (the 7 `kubectl get`
// invocations a person or a script would run, one after another).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ReadReport } from './readStatusChild';
import type { SimProcess } from './simProcess';
import { repoRoot } from './paths';
import { run } from './util';

/** The kubectl equivalent of readDeepflowStatus: 4 gets and 3 label-selected lists, as JSON. */
export const KUBECTL_READS: readonly (readonly string[])[] = [
  ['get', 'ars', 'nfs', '-n', 'cpaas-system', '-o', 'json'],
  ['get', 'storageclass', 'nfs', '-o', 'json'],
  ['get', 'application', 'deepflow', '-n', 'cpaas-system', '-o', 'json'],
  ['get', 'ingress', 'deepflow-grafana', '-n', 'cpaas-system', '-o', 'json'],
  ['get', 'deployments', '-n', 'cpaas-system', '-l', 'app=deepflow', '-o', 'json'],
  ['get', 'statefulsets', '-n', 'cpaas-system', '-l', 'app=deepflow', '-o', 'json'],
  ['get', 'daemonsets', '-n', 'cpaas-system', '-l', 'app=deepflow', '-o', 'json'],
];

export async function kubectl133(): Promise<string> {
  // Imported by URL: scripts/lib/tools.mjs is plain JS (types in tools.d.mts).
  const tools = (await import(pathToFileURL(join(repoRoot, 'scripts', 'lib', 'tools.mjs')).href)) as typeof import('../lib/tools.mjs');
  return tools.ensureKubectl133();
}

export interface KubectlReport {
  /** Wall time of the 7 invocations, one after another, ms (discovery cache warm). */
  wallMs: number[];
  requests: number[];
  /** Requests of the very first read, with an empty discovery cache. */
  coldCacheRequests: number;
  coldCacheMs: number;
  /** Wall time of the same 7 invocations started all at once (as the extension runs its 7 reads), ms. */
  parallelMs: number[];
  /** Largest max-RSS of the 7 kubectl processes of one read (GNU time), bytes; undefined without /usr/bin/time. */
  peakRssPerProcess?: number;
}

function kubectlEnv(sim: SimProcess, home: string): NodeJS.ProcessEnv {
  return { ...process.env, HOME: home, KUBECONFIG: sim.kubeconfig };
}

async function kubectlParallel(kubectl: string, sim: SimProcess, home: string): Promise<number> {
  const env = kubectlEnv(sim, home);
  const started = performance.now();
  const results = await Promise.all(KUBECTL_READS.map((args) => run(kubectl, [...args, '--cache-dir', join(home, '.kube', 'cache')], { env, timeoutMs: 120_000 })));
  const ms = performance.now() - started;
  const failed = results.find((r) => r.code !== 0);
  if (failed) throw new Error(`kubectl failed (${failed.code}): ${failed.stderr}`);
  return ms;
}

async function kubectlRead(kubectl: string, sim: SimProcess, home: string, withTime: boolean): Promise<{ ms: number; requests: number; peakRss?: number }> {
  const env = kubectlEnv(sim, home);
  await sim.resetRequests();
  let peak = 0;
  const started = performance.now();
  for (const args of KUBECTL_READS) {
    const full = [...args, '--cache-dir', join(home, '.kube', 'cache')];
    const result = withTime ? await run('/usr/bin/time', ['-f', '%M', kubectl, ...full], { env, timeoutMs: 120_000 }) : await run(kubectl, full, { env, timeoutMs: 120_000 });
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    if (withTime) {
      const kb = Number(result.stderr.trim().split('\n').pop());
      if (Number.isFinite(kb)) peak = Math.max(peak, kb * 1024);
    }
  }
  const ms = performance.now() - started;
  return { ms, requests: await sim.requests(), peakRss: withTime ? peak : undefined };
}

export async function kubectlReads(sim: SimProcess, workDir: string, runs: number): Promise<KubectlReport> {
  const kubectl = await kubectl133();
  const home = join(workDir, `kubectl-home-${Date.now()}`);
  mkdirSync(home, { recursive: true });
  const cold = await kubectlRead(kubectl, sim, home, false);
  const wallMs: number[] = [];
  const requests: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await kubectlRead(kubectl, sim, home, false);
    wallMs.push(r.ms);
    requests.push(r.requests);
  }
  const parallelMs: number[] = [];
  for (let i = 0; i < runs; i++) parallelMs.push(await kubectlParallel(kubectl, sim, home));
  const timed = existsSync('/usr/bin/time') ? await kubectlRead(kubectl, sim, home, true) : undefined;
  return { wallMs, requests, parallelMs, coldCacheRequests: cold.requests, coldCacheMs: cold.ms, peakRssPerProcess: timed?.peakRss };
}

export async function extensionReads(sim: SimProcess, runs: number): Promise<ReadReport> {
  const child = join(repoRoot, 'scripts', 'bench', 'readStatusChild.ts');
  const result = await run(process.execPath, ['--expose-gc', '--import', 'tsx', child, sim.kubeconfig, sim.info.adminUrl, String(runs)], {
    cwd: repoRoot,
    env: { ...process.env, NODE_OPTIONS: '' },
    timeoutMs: 180_000,
  });
  if (result.code !== 0) throw new Error(`the status reader failed (${result.code}):\n${result.stderr}`);
  const line = result.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as ReadReport;
}
