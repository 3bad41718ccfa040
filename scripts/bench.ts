// `npm run bench`: benchmarks of DeepFlow for ACP, as medians over several runs (no pass/fail thresholds).
//   1. activation time as VS Code reports it (code-server + Chromium, one window reload per run), beside a baseline
//      extension that only registers a view, in the same window;
//   2. bundle size (production build) and .vsix size;
//   3. simulator API requests for one activation (window load until 2 s without a request);
//   4. the status read the view shows, the extension's way vs the kubectl way, at 5 and at 5,000 nodes;
//   5. the Grafana proxy's added latency per dashboard API call against a direct verified request;
//   6. opening the Components view (extension active, cache warm) → all six component rows ready, with the API
//      requests, the processes the extension host spawned and its memory, at 5 and at 5,000 nodes; the API requests
//      of a warm status read through the extension's API at both sizes;
//   7. a cluster change → the new text in code-server's DOM, p50 and p95, with its phases.
// Writes bench-results/latest.json. Environment: BENCH_RUNS (default 6), BENCH_ACTIVATION_RUNS (default 20, even: each extension goes first as often), BENCH_SKIP_VSCODE=1 (skip parts 1, 3, 6
// and 7), BENCH_GRAFANA_REQUESTS (default 200), BENCH_CHANGES (default 20).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDeepflowStatus } from '../src/acp/deepflowStatus';
import { firstPaintOf } from './lib/firstPaint';
import { startActivationSession, type ActivationRun, type ActivationSession } from './bench/activation';
import { checkSpawnWatch } from './bench/extensionHost';
import { packageFixture } from './bench/fixtures';
import { benchGrafanaPanel, type GrafanaPanelBench } from './bench/grafanaPanel';
import { benchGrafanaProxy, type GrafanaProxyBench } from './bench/grafanaProxy';
import { allReady, clientFor, installDeepflow, readerFor } from './bench/install';
import { repoRoot } from './bench/paths';
import type { ReadReport } from './bench/readStatusChild';
import { benchChangeToDom, benchViewOpen, benchWarmRead, type ChangeToDomBench, type ViewOpenBench, type WarmReadBench } from './bench/sidebar';
import { startSimProcess, type SimProcess } from './bench/simProcess';
import { extensionReads, kubectl133, kubectlReads, type KubectlReport } from './bench/statusReads';
import { bytes, describeError, mib, ms, onCleanup, run, runCleanups, series, sleep, type Series } from './bench/util';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? '6') || 6);
/** Window loads for activation (BENCH_ACTIVATION_RUNS, default 20): ten per position, the noisiest figure here. */
const ACTIVATION_RUNS = Math.max(2, Number(process.env.BENCH_ACTIVATION_RUNS ?? '20') || 20);
const SKIP_VSCODE = process.env.BENCH_SKIP_VSCODE === '1';
/** BENCH_ONLY=activation: sizes and activation only (a few minutes), for working on load time. */
const ONLY_ACTIVATION = process.env.BENCH_ONLY === 'activation';
const SMALL_CLUSTER = 5;
const BIG_CLUSTER = 5000;
const CHANGES = Math.max(4, Number(process.env.BENCH_CHANGES ?? '20') || 20);
const GRAFANA_REQUESTS = Math.max(20, Number(process.env.BENCH_GRAFANA_REQUESTS ?? '200') || 200);
/** The Grafana password installDeepflow (bench/install.ts) gives the chart. */
const BENCH_GRAFANA_PASSWORD = 'deepflow';

interface ReadComparison {
  nodes: number;
  extension: {
    coldMs: Series;
    coldRequests: Series;
    warmMs: Series;
    warmRequests: Series;
    memory: ReadReport['memory'];
  };
  kubectl: { wallMs: Series; requests: Series; parallelMs: Series; coldCacheRequests: number; coldCacheMs: number; peakRssPerProcess?: number };
  /** kubectl (one after another) wall time median / extension wall time median. */
  ratioVsCold: number;
  ratioVsWarm: number;
  /** kubectl (7 at once) wall time median / extension (new client) wall time median. */
  ratioParallelVsCold: number;
  agentDetail: string;
}

interface Results {
  date: string;
  runs: number;
  machine: { cpus: number; node: string; loadavgStart: number[]; loadavgEnd?: number[] };
  sizes?: { bundleBytes: number; firstPaintBytes: number; firstPaintFiles: number; allChunksBytes: number; vsixBytes: number; packageMs: number };
  activation?: {
    vscodeActivationMs: Series;
    /** The baseline fixture's activation time in the same windows, and ours minus it (medians). */
    baselineActivationMs?: Series;
    differenceMs?: number;
    /**
     * Like with like: the extension whose container shows at a reload activates during the window load, the other
     * one after it, when it is clicked; the two positions differ by far more than the extensions do, so each is
     * compared within its position (runs alternate which extension goes first).
     */
    duringLoad?: PositionComparison;
    afterLoad?: PositionComparison;
    selfReportedMs?: Series;
    requests: Series;
    loadToTreeMs: Series;
    runs: ActivationRun[];
  };
  reads: ReadComparison[];
  grafanaProxy?: GrafanaProxyBench;
  grafanaPanel?: GrafanaPanelBench;
  /** Opening the Components view at 5 and at 5,000 nodes. */
  viewOpen: ViewOpenBench[];
  /** RSS after the view opened, median at 5,000 nodes minus median at 5 nodes. */
  viewOpenRssGrowth?: number;
  warmReads: WarmReadBench[];
  changeToDom?: ChangeToDomBench;
  errors: string[];
}

interface PositionComparison {
  deepflowMs: Series;
  baselineMs: Series;
  /** DeepFlow's median minus the baseline's, in this position. */
  differenceMs: number;
}

/** The two extensions' activation times in one position: `first` true for the one whose container was restored. */
function comparePosition(runs: ActivationRun[], first: boolean): PositionComparison | undefined {
  const deepflow = runs.filter((r) => (r.firstOpened === 'deepflow') === first).map((r) => r.vscodeActivationMs);
  const baseline = runs.filter((r) => (r.firstOpened === 'baseline') === first && r.baselineActivationMs !== undefined).map((r) => r.baselineActivationMs as number);
  if (deepflow.length === 0 || baseline.length === 0) return undefined;
  const deepflowMs = series(deepflow);
  const baselineMs = series(baseline);
  return { deepflowMs, baselineMs, differenceMs: deepflowMs.median - baselineMs.median };
}

function section(title: string): void {
  console.log(`\n== ${title}`);
}

function table(rows: [string, string, string][]): void {
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  for (const [a, b, c] of rows) console.log(`  ${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`);
}

function nStr(s: Series): string {
  return `n=${s.n}`;
}

function range(s: Series, fmt: (v: number) => string): string {
  return `n=${s.n}, ${fmt(s.min)} … ${fmt(s.max)}`;
}

async function measureSizes(): Promise<NonNullable<Results['sizes']>> {
  mkdirSync(join(repoRoot, 'dist-vsix'), { recursive: true }); // vsce -o does not create the folder
  const result = await run('npm', ['run', '--silent', 'package'], { cwd: repoRoot, timeoutMs: 300_000 });
  if (result.code !== 0) throw new Error(`npm run package failed (${result.code}):\n${result.stdout}${result.stderr}`);
  const firstPaint = firstPaintOf(join(repoRoot, 'dist'));
  return {
    bundleBytes: statSync(join(repoRoot, 'dist', 'extension.js')).size,
    firstPaintBytes: firstPaint.bytes,
    firstPaintFiles: firstPaint.files.length,
    allChunksBytes: [join(repoRoot, 'dist', 'extension.js'), ...readdirSync(join(repoRoot, 'dist', 'chunks')).filter((f) => f.endsWith('.js')).map((f) => join(repoRoot, 'dist', 'chunks', f))].reduce((sum, f) => sum + statSync(f).size, 0),
    vsixBytes: statSync(join(repoRoot, 'dist-vsix', 'deepflow-acp.vsix')).size,
    packageMs: result.ms,
  };
}

async function compareReads(sim: SimProcess, workDir: string, nodes: number): Promise<ReadComparison> {
  const ext = await extensionReads(sim, RUNS);
  const kc: KubectlReport = await kubectlReads(sim, workDir, RUNS);
  const extension = {
    coldMs: series(ext.coldMs),
    coldRequests: series(ext.coldRequests),
    warmMs: series(ext.warmMs),
    warmRequests: series(ext.warmRequests),
    memory: ext.memory,
  };
  const kubectl = { ...kc, wallMs: series(kc.wallMs), requests: series(kc.requests), parallelMs: series(kc.parallelMs) };
  return {
    nodes,
    extension,
    kubectl,
    ratioVsCold: kubectl.wallMs.median / extension.coldMs.median,
    ratioVsWarm: kubectl.wallMs.median / extension.warmMs.median,
    ratioParallelVsCold: kubectl.parallelMs.median / extension.coldMs.median,
    agentDetail: ext.details.find((d) => d.startsWith('deepflow-agent')) ?? '?',
  };
}

async function waitForAgents(sim: SimProcess, nodes: number): Promise<void> {
  const client = clientFor(sim.kubeconfig);
  const reader = readerFor(() => client);
  const deadline = Date.now() + 180_000;
  for (;;) {
    const status = await readDeepflowStatus(reader);
    const agent = status.components.find((c) => c.spec.name === 'deepflow-agent');
    if (allReady(status) && agent?.desired === nodes) return;
    if (Date.now() > deadline) throw new Error(`the agent DaemonSet did not reach ${nodes}/${nodes} ready: ${agent?.detail ?? 'missing'}`);
    await sleep(1000);
  }
}

function printReads(r: ReadComparison): void {
  section(`DeepFlow status read at ${r.nodes} nodes (agent ${r.agentDetail}), extension vs kubectl 1.33`);
  const e = r.extension;
  const k = r.kubectl;
  table([
    ['extension, new client (as on activation)', ms(e.coldMs.median), `${range(e.coldMs, ms)}; ${e.coldRequests.median} requests (discovery included)`],
    ['extension, reused client (as on Refresh)', ms(e.warmMs.median), `${range(e.warmMs, ms)}; ${e.warmRequests.median} requests`],
    ['kubectl, 7 `get -o json` one after another', ms(k.wallMs.median), `${range(k.wallMs, ms)}; ${k.requests.median} requests (discovery cache warm; cold cache: ${k.coldCacheRequests} requests, ${ms(k.coldCacheMs)})`],
    ['kubectl, the same 7 started at once', ms(k.parallelMs.median), range(k.parallelMs, ms)],
    ['ratio kubectl one-by-one / extension, new client', `${r.ratioVsCold.toFixed(1)}×`, 'wall-time medians'],
    ['ratio kubectl one-by-one / extension, reused client', `${r.ratioVsWarm.toFixed(1)}×`, 'wall-time medians'],
    ['ratio kubectl 7-at-once / extension, new client', `${r.ratioParallelVsCold.toFixed(1)}×`, 'wall-time medians'],
  ]);
  console.log('  (the extension makes its 7 reads in parallel in one warm process; each kubectl is a process of its own)');
  const m = e.memory;
  console.log('  memory (extension-host equivalent: the read in its own Node 20 process, first read, result kept):');
  table([
    ['    heap used: before → after the read', `${mib(m.baselineHeapUsed)} → ${mib(m.afterReadHeapUsed)}`, `delta ${mib(m.afterReadHeapUsed - m.baselineHeapUsed)} (no GC in between)`],
    ['    heap retained after GC', mib(m.retainedHeapUsed), `delta ${mib(m.retainedHeapUsed - m.baselineHeapUsed)} over the baseline`],
    ['    RSS: before → after the read', `${mib(m.baselineRss)} → ${mib(m.afterReadRss)}`, `peak RSS of the process ${mib(m.peakRss)} (includes tsx and all ${RUNS * 2} reads)`],
    ['    kubectl, peak RSS of one process', k.peakRssPerProcess === undefined ? 'n/a' : mib(k.peakRssPerProcess), 'largest of the 7 processes of one read (GNU time %M)'],
  ]);
}

/** Parts 6 and 7 at one cluster size; each failure is recorded and the others still run. */
async function sidebarBenches(session: ActivationSession, sim: SimProcess, nodes: number, results: Results): Promise<void> {
  console.log(`opening the Components view at ${nodes} nodes (extension active, cache warm), ${RUNS} window loads …`);
  try {
    results.viewOpen.push(await benchViewOpen(session, sim, nodes, RUNS, (line) => console.log(line)));
  } catch (e) {
    results.errors.push(`view open at ${nodes} nodes: ${describeError(e)}`);
    console.error(describeError(e));
  }
  try {
    results.warmReads.push(await benchWarmRead(session, sim, nodes));
  } catch (e) {
    results.errors.push(`warm status read at ${nodes} nodes: ${describeError(e)}`);
    console.error(`warm status read failed: ${describeError(e)}`);
  }
  if (nodes !== SMALL_CLUSTER) return;
  console.log(`a cluster change → the DOM: ${CHANGES} changes spaced, 10 back to back …`);
  try {
    results.changeToDom = await benchChangeToDom(session, sim, CHANGES);
  } catch (e) {
    results.errors.push(`change → DOM: ${describeError(e)}`);
    console.error(describeError(e));
  }
}

function printSidebar(results: Results): void {
  if (results.viewOpen.length === 0 && results.warmReads.length === 0 && !results.changeToDom) return;
  section('The Components view in code-server (extension active and its watch cache warm; one window reload per open)');
  const rows: [string, string, string][] = [];
  for (const v of results.viewOpen) {
    rows.push([`${v.nodes} nodes: click on DeepFlow → six rows "N/M ready"`, ms(v.clickToReadyMs.median), `${range(v.clickToReadyMs, ms)}; goal ≤ 300 ms`]);
    rows.push([`${v.nodes} nodes: API requests, processes spawned`, `${v.requests.median}, ${v.spawnedNotVsCode.median}`, `requests ${range(v.requests, String)}; processes ${range(v.spawnedNotVsCode, String)}, goal 0 (new children of the extension host, /proc polled every 5 ms; VS Code's own port finder and ripgrep left out, ${range(v.spawnedProcesses, String)} with them)`]);
    rows.push([`${v.nodes} nodes: extension host RSS before → after`, `${mib(v.rssBefore.median)} → ${mib(v.rssAfter.median)}`, `after: ${range(v.rssAfter, mib)}; RssAnon ${mib(v.rssAnonAfter.median)}`]);
  }
  if (results.viewOpenRssGrowth !== undefined) rows.push([`extension host RSS after the open, ${BIG_CLUSTER} − ${SMALL_CLUSTER} nodes`, mib(results.viewOpenRssGrowth), 'medians; goal ≤ 60 MB']);
  for (const w of results.warmReads) rows.push([`${w.nodes} nodes: 10 warm status reads through the API`, `${w.requests} requests`, `goal 0; ${w.probe}`]);
  const c = results.changeToDom;
  if (c) {
    for (const [name, p] of [['one row, spaced ≥ 400 ms', c.spaced], ['two rows at once, spaced', c.twoRows], ['one row, back to back', c.backToBack]] as const) {
      rows.push([`change answered → new text in the DOM, ${name}`, `p50 ${ms(p.p50)}, p95 ${ms(p.p95)}`, `${range(p.answeredToDomMs, ms)}${p === c.spaced ? '; goal p95 ≤ 200 ms' : ''}`]);
      rows.push([`  of which: answered → a second watch holds it`, `p50 ${ms(p.answeredToWatchMs.median)}, p95 ${ms(p.watchP95)}`, `then the view's ${c.redrawDebounceMs} ms redraw debounce, the extension host, VS Code's tree view and the renderer`]);
    }
  }
  table(rows);
}

async function main(): Promise<void> {
  const results: Results = {
    date: new Date().toISOString(),
    runs: RUNS,
    machine: { cpus: cpus().length, node: process.version, loadavgStart: loadavg() },
    reads: [],
    viewOpen: [],
    warmReads: [],
    errors: [],
  };
  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), 'deepflow-bench-'));
  onCleanup('work dir', () => rmSync(workDir, { recursive: true, force: true, maxRetries: 3 }));
  console.log(`DeepFlow for ACP benchmarks: medians over ${RUNS} runs; ${cpus().length} CPUs, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  console.log('packaging (production build + vsce package) …');
  results.sizes = await measureSizes();

  console.log('starting the ACP simulator and installing DeepFlow (violet pushes, then the guide\'s objects) …');
  const sim = await startSimProcess(join(workDir, 'sim'), { timeScale: 0.05, nodes: SMALL_CLUSTER });
  await installDeepflow(sim.info, sim.kubeconfig, join(workDir, 'install'));

  if (!ONLY_ACTIVATION) {
    console.log(`Grafana proxy: ${GRAFANA_REQUESTS} dashboard API calls direct and through the proxy …`);
    try {
      results.grafanaProxy = await benchGrafanaProxy(sim.info, BENCH_GRAFANA_PASSWORD, GRAFANA_REQUESTS);
    } catch (e) {
      results.errors.push(`grafana proxy: ${describeError(e)}`);
      console.error(`Grafana proxy benchmark failed: ${describeError(e)}`);
    }
    console.log(`status reads at ${SMALL_CLUSTER} nodes …`);
    results.reads.push(await compareReads(sim, workDir, SMALL_CLUSTER));
  }

  let session: ActivationSession | undefined;
  if (!SKIP_VSCODE) {
    try {
      console.log('packaging the fixture extensions (baseline view, status probe) …');
      const baseline = await packageFixture('baseline-extension', workDir);
      const probe = await packageFixture('status-probe-extension', workDir);
      await checkSpawnWatch(await kubectl133());
      console.log(`starting code-server with the .vsix, the fixtures and Chromium; ${ACTIVATION_RUNS} window loads …`);
      session = await startActivationSession(join(repoRoot, 'dist-vsix', 'deepflow-acp.vsix'), sim, 'bench-activation', { baseline, others: [probe] });
      const runs: ActivationRun[] = [];
      for (let i = 0; i < ACTIVATION_RUNS; i++) {
        const r = await session.run(i);
        const base = r.baselineActivationMs === undefined ? '' : `, baseline ${ms(r.baselineActivationMs)} (${r.firstOpened} first)`;
        console.log(`  run ${i + 1}: VS Code says ${ms(r.vscodeActivationMs)}${base}, ${r.requests} requests, tree after ${ms(r.loadToTreeMs)}`);
        runs.push(r);
      }
      const self = runs.map((r) => r.selfReportedMs).filter((v): v is number => v !== undefined);
      const baselineTimes = runs.map((r) => r.baselineActivationMs).filter((v): v is number => v !== undefined);
      const vscodeActivationMs = series(runs.map((r) => r.vscodeActivationMs));
      const baselineActivationMs = baselineTimes.length > 0 ? series(baselineTimes) : undefined;
      results.activation = {
        vscodeActivationMs,
        baselineActivationMs,
        differenceMs: baselineActivationMs ? vscodeActivationMs.median - baselineActivationMs.median : undefined,
        duringLoad: comparePosition(runs, true),
        afterLoad: comparePosition(runs, false),
        selfReportedMs: self.length > 0 ? series(self) : undefined,
        requests: series(runs.map((r) => r.requests)),
        loadToTreeMs: series(runs.map((r) => r.loadToTreeMs)),
        runs,
      };
    } catch (e) {
      results.errors.push(`activation: ${describeError(e)}`);
      console.error(`activation benchmark failed: ${describeError(e)}`);
    }
    if (session && !ONLY_ACTIVATION) {
      await sidebarBenches(session, sim, SMALL_CLUSTER, results);
      console.log(`the Grafana panel: ${RUNS} opens from the command to Grafana's content in the frame …`);
      try {
        results.grafanaPanel = await benchGrafanaPanel(session, sim, RUNS);
      } catch (e) {
        results.errors.push(`grafana panel: ${describeError(e)}`);
        console.error(`Grafana panel benchmark failed: ${describeError(e)}`);
      }
    }
  }

  if (!ONLY_ACTIVATION) {
    console.log(`growing the cluster to ${BIG_CLUSTER} nodes …`);
    await sim.setNodes(BIG_CLUSTER);
    await waitForAgents(sim, BIG_CLUSTER);
    if (session) await sidebarBenches(session, sim, BIG_CLUSTER, results);
    console.log(`status reads at ${BIG_CLUSTER} nodes …`);
    results.reads.push(await compareReads(sim, workDir, BIG_CLUSTER));
  }
  await session?.stop();
  await sim.stop();
  results.machine.loadavgEnd = loadavg();
  const small = results.viewOpen.find((v) => v.nodes === SMALL_CLUSTER);
  const big = results.viewOpen.find((v) => v.nodes === BIG_CLUSTER);
  if (small && big) results.viewOpenRssGrowth = big.rssAfter.median - small.rssAfter.median;

  // The report.
  if (results.sizes) {
    section('Size (production build; deterministic, n=1)');
    table([
      ['loaded on activation: dist/extension.js and its static chunks', bytes(results.sizes.firstPaintBytes), `${results.sizes.firstPaintFiles === 1 ? "1 file" : `${results.sizes.firstPaintFiles} files`}; esbuild --production, minified`],
      ['every chunk (features load on first use)', bytes(results.sizes.allChunksBytes), 'dist/extension.js + dist/chunks/*.js'],
      ['package dist-vsix/deepflow-acp.vsix', bytes(results.sizes.vsixBytes), `npm run package took ${ms(results.sizes.packageMs)}`],
    ]);
  }
  const a = results.activation;
  if (a) {
    section('Activation in a real VS Code (code-server 4.139 / VS Code 1.139, headless Chromium; one window reload per run)');
    table([
      ['activation time, as VS Code reports it', ms(a.vscodeActivationMs.median), `${range(a.vscodeActivationMs, ms)}; "Developer: Show Running Extensions" (code loading + activate())`],
      ...(a.baselineActivationMs && a.differenceMs !== undefined
        ? ([
            ['the baseline extension (one view), same windows', ms(a.baselineActivationMs.median), range(a.baselineActivationMs, ms)],
            ['DeepFlow − baseline', `${a.differenceMs >= 0 ? '+' : ''}${ms(a.differenceMs)}`, 'medians of all runs, whichever went first'],
          ] as [string, string, string][])
        : []),
      ...([
        ['during the window load (its container restored)', a.duringLoad],
        ['after the load (its container clicked)', a.afterLoad],
      ] as const).flatMap(([label, c]): [string, string, string][] =>
        c
          ? [[`  ${label}: DeepFlow − baseline`, `${c.differenceMs >= 0 ? '+' : ''}${ms(c.differenceMs)}`, `${ms(c.deepflowMs.median)} (${nStr(c.deepflowMs)}) vs ${ms(c.baselineMs.median)} (${nStr(c.baselineMs)}); goal within 50 ms`]]
          : [],
      ),
      ...(a.selfReportedMs ? [['time inside activate(), from the extension log', ms(a.selfReportedMs.median), range(a.selfReportedMs, ms)] as [string, string, string]] : []),
      ['simulator API requests per activation', String(a.requests.median), `${nStr(a.requests)}; window load until the tree shows and 2 s pass without a request`],
      ['window load → tree rendered (informational)', ms(a.loadToTreeMs.median), range(a.loadToTreeMs, ms)],
    ]);
  } else if (SKIP_VSCODE) {
    section('Activation: skipped (BENCH_SKIP_VSCODE=1)');
  }
  for (const r of results.reads) printReads(r);
  printSidebar(results);
  const panel = results.grafanaPanel;
  if (panel) {
    section('The Grafana panel in code-server (panel closed between runs: proxy start, check, login, frame)');
    table([['"DeepFlow: Open Grafana" → Grafana\'s content in the frame', ms(panel.commandToContentMs.median), range(panel.commandToContentMs, ms)]]);
  }
  const g = results.grafanaProxy;
  if (g) {
    section(`Grafana proxy: GET ${g.path}, ${g.requests} requests each way, interleaved (median, p95)`);
    table([
      ['direct to the platform (pinned TLS, session cookie)', `${ms(g.directMs.median)}, p95 ${ms(g.directMs.p95)}`, range(g.directMs, ms)],
      ['through the local proxy (loopback HTTP, then the same)', `${ms(g.proxiedMs.median)}, p95 ${ms(g.proxiedMs.p95)}`, range(g.proxiedMs, ms)],
      ['added by the proxy', `${ms(g.addedMedianMs)}, p95 ${ms(g.addedP95Ms)}`, 'proxied − direct'],
    ]);
  }
  if (results.errors.length > 0) {
    section('Errors');
    for (const e of results.errors) console.log(`  ${e}`);
  }
  const out = join(repoRoot, 'bench-results', 'latest.json');
  mkdirSync(join(repoRoot, 'bench-results'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nload average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}; total ${ms(Date.now() - started)}; wrote ${out}`);
  if (results.errors.length > 0) process.exitCode = 1;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping code-server, Chromium and the simulator`);
    void runCleanups().finally(() => process.exit(130));
  });
}

main()
  .catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exitCode = 1;
  })
  .finally(() => runCleanups());
