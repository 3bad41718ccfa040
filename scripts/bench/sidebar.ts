// The Components view in code-server, measured from the user's side (Chromium's DOM) and from /proc (the extension
// host's memory and child processes), in the session scripts/bench/activation.ts starts:
//   - opening the view with the extension already active: the click on the activity-bar entry → all six component
//     rows showing "N/M ready", the API requests and child processes meanwhile, the extension host's memory;
//   - a warm status read through the extension's API (test/fixtures/status-probe-extension): its API requests;
//   - a cluster change → the new text in the DOM, p50 and p95, with the phases that can be seen from outside.
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { deepflowComponents, deepflowPrerequisites } from '../../src/acp/components';
import { cacheKeys, deepflowInformers } from '../../src/acp/deepflowStatus';
import { buildGrafanaIngress, buildNfsStorageClass } from '../../src/acp/manifests';
import { ClusterCache, type KubeObject } from '../../src/cluster';
import { activityBarItem, openViewContainer, runCommand, saveArtifacts, waitForNotification, waitForWorkbench } from '../../test/e2e/workbench';
import type { ActivationSession } from './activation';
import { findExtensionHost, processMemory, watchSpawns, type ProcessMemory } from './extensionHost';
import { clientFor } from './install';
import { repoRoot } from './paths';
import { toolsDir } from '../../test/e2e/paths';
import type { SimProcess } from './simProcess';
import { series, sleep, type Series } from './util';

const CONTAINER = 'DeepFlow';
const COMPONENT_NAMES = deepflowComponents.map((c) => c.name);
/** What VS Code's port auto-forwarding runs from a Linux extension host to find listening ports (even when it is off). */
const VSCODE_PORT_FINDER = /\/bin\/sh -c (ls -l \/proc\/\[0-9\]\*\/fd\/\[0-9\]\* \| grep socket:|ps -F -A -l \| grep root)$/;
/** Time between one change showing and the next: more than the 200 ms within which VS Code's tree view holds refreshes. */
const SPACING_MS = 400;

export interface ViewOpenRun {
  /** mousedown on the activity-bar entry → the last of the six component rows showing "N/M ready" (in the page). */
  clickToReadyMs: number;
  /** API requests from just before the click until 1 s without one. */
  requests: number;
  /** Child processes the extension host started from the click until the requests settled ("pid command line"). */
  spawned: string[];
  /** Those of them that are not VS Code's own: its port finder's shell commands, programs of its install (ripgrep). */
  notVsCode: string[];
  /** The extension host's memory with the extension active and the view closed, then after the view settled. */
  before: ProcessMemory;
  after: ProcessMemory;
}

export interface ViewOpenBench {
  nodes: number;
  /** "warm": the status bar's lease keeps the watch cache running from activation, so the view finds it filled. */
  cache: 'warm';
  clickToReadyMs: Series;
  requests: Series;
  spawnedProcesses: Series;
  /** Without VS Code's own: what the extension (or another extension) started. The goal: 0. */
  spawnedNotVsCode: Series;
  rssBefore: Series;
  rssAfter: Series;
  rssAnonAfter: Series;
  runs: ViewOpenRun[];
}

export interface WarmReadBench {
  nodes: number;
  /** API requests for 10 status reads through the extension's API while the cache is warm. */
  requests: number;
  /** What the probe reported. */
  probe: string;
}

export interface ChangeToDomBench {
  /** One row changes; changes spaced so that VS Code's tree view passes each refresh at once (≥ 400 ms apart). */
  spaced: ChangePhases;
  /** Two rows change at once (storage class and Ingress), spaced the same way: the time to the later row. */
  twoRows: ChangePhases;
  /** Each change sent as soon as the previous one showed: VS Code's tree view holds refreshes within 200 ms. */
  backToBack: ChangePhases;
  redrawDebounceMs: number;
}

export interface ChangePhases {
  /** The API server answered the change → a second watch (in this process) holds it. */
  answeredToWatchMs: Series;
  /** The API server answered the change → the row's new text is in the DOM (MutationObserver in the page). */
  answeredToDomMs: Series;
  p50: number;
  p95: number;
  watchP95: number;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Installs a MutationObserver that notes when all six component rows show "N/M ready" after the next mousedown. */
function installReadyProbe(page: Page): Promise<void> {
  return page.evaluate(`(() => {
    const names = ${JSON.stringify(COMPONENT_NAMES)};
    const state = { clickAt: undefined, readyAt: undefined };
    window.__deepflowBenchOpen = state;
    const ready = () => {
      const rows = [...document.querySelectorAll('.part.sidebar .monaco-list-row[role="treeitem"]')];
      return names.every((name) => rows.some((row) => row.querySelector('.label-name')?.textContent === name && /\\d+\\/\\d+ ready/.test(row.textContent ?? '')));
    };
    const observer = new MutationObserver(() => {
      if (state.clickAt === undefined || state.readyAt !== undefined || !ready()) return;
      state.readyAt = performance.now();
      observer.disconnect();
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    document.addEventListener('mousedown', () => { state.clickAt ??= performance.now(); }, { capture: true, once: true });
  })()`);
}

/** runCommand, again until the palette lists the command: right after a load it may not list extension commands yet. */
async function runListedCommand(page: Page, label: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await runCommand(page, label);
      return;
    } catch (e) {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw e;
      await sleep(1000);
    }
  }
}

async function statusBarSays(page: Page, text: RegExp, timeoutMs: number): Promise<void> {
  await page.locator('.part.statusbar .statusbar-item').filter({ hasText: text }).first().waitFor({ state: 'visible', timeout: timeoutMs });
}

/**
 * One open of the view on a fresh window: Explorer showing at the reload, the extension activated by a command (its
 * status bar starts the watch cache), then a click on the DeepFlow entry.
 */
async function viewOpenRun(session: ActivationSession, sim: SimProcess, previousHost: number | undefined): Promise<{ run: ViewOpenRun; host: number }> {
  const { page } = session.browser;
  // The container showing at a load is restored: show the Explorer, so that the reload leaves the DeepFlow view closed.
  if ((await page.locator('.monaco-workbench').count()) > 0) await openViewContainer(page, 'Explorer');
  await page.goto(session.server.workbenchUrl(), { waitUntil: 'domcontentloaded', timeout: 90_000 });
  await waitForWorkbench(page, CONTAINER, 90_000);
  if (await page.locator('.part.sidebar .monaco-list-row').filter({ hasText: 'deepflow-agent' }).count()) throw new Error('the DeepFlow view is already showing after the reload');
  // Activates the extension without showing its view or a panel; its status bar item starts the watch cache.
  await runListedCommand(page, 'DeepFlow: Select Cluster Context');
  await page.locator('.quick-input-widget .quick-input-title').filter({ hasText: 'DeepFlow: Select Cluster Context' }).first().waitFor({ state: 'visible', timeout: 90_000 });
  await page.keyboard.press('Escape');
  await statusBarSays(page, /DeepFlow 6\/6/, 90_000);
  await sim.settledRequests(1500);
  const host = await findExtensionHost(session.server.process.pid ?? 0, previousHost);
  await sleep(500);
  const before = processMemory(host);
  await installReadyProbe(page);
  await sim.resetRequests();
  const spawns = watchSpawns(host);
  await activityBarItem(page, CONTAINER).first().click();
  await page.waitForFunction('window.__deepflowBenchOpen?.readyAt !== undefined', undefined, { polling: 50, timeout: 60_000 });
  const timing = await page.evaluate<{ clickAt: number; readyAt: number }>('window.__deepflowBenchOpen');
  const requests = await sim.settledRequests(1000);
  const spawned = await spawns.stop();
  const after = processMemory(host);
  const vscodeDir = `${realpathSync(join(toolsDir, 'code-server', 'node_modules', 'code-server', 'lib', 'vscode'))}/`;
  const notVsCode = spawned.filter((p) => !VSCODE_PORT_FINDER.test(p) && !p.split(' ')[1]?.startsWith(vscodeDir));
  return { run: { clickToReadyMs: timing.readyAt - timing.clickAt, requests, spawned, notVsCode, before, after }, host };
}

export async function benchViewOpen(session: ActivationSession, sim: SimProcess, nodes: number, runs: number, log: (line: string) => void): Promise<ViewOpenBench> {
  const results: ViewOpenRun[] = [];
  let host: number | undefined;
  try {
    for (let i = 0; i < runs; i++) {
      const r = await viewOpenRun(session, sim, host);
      host = r.host;
      results.push(r.run);
      const mem = `RSS ${(r.run.before.rss / 2 ** 20).toFixed(1)} → ${(r.run.after.rss / 2 ** 20).toFixed(1)} MiB`;
      const spawned = r.run.spawned.length > 0 ? ` (${r.run.spawned.join('; ')})` : '';
      log(`  run ${i + 1}: click → 6 rows ready ${r.run.clickToReadyMs.toFixed(0)} ms, ${r.run.requests} requests, ${r.run.spawned.length} processes${spawned}, ${mem}`);
    }
  } catch (e) {
    const dir = await saveArtifacts(`bench-view-open-${nodes}`, { browser: session.browser, server: session.server });
    throw new Error(`the view-open benchmark at ${nodes} nodes failed (artifacts in ${dir}): ${e instanceof Error ? e.message : String(e)}`);
  }
  return {
    nodes,
    cache: 'warm',
    clickToReadyMs: series(results.map((r) => r.clickToReadyMs)),
    requests: series(results.map((r) => r.requests)),
    spawnedProcesses: series(results.map((r) => r.spawned.length)),
    spawnedNotVsCode: series(results.map((r) => r.notVsCode.length)),
    rssBefore: series(results.map((r) => r.before.rss)),
    rssAfter: series(results.map((r) => r.after.rss)),
    rssAnonAfter: series(results.map((r) => r.after.rssAnon)),
    runs: results,
  };
}

/** 10 status reads through the extension's API by the probe extension, with the view open (the cache warm). */
export async function benchWarmRead(session: ActivationSession, sim: SimProcess, nodes: number): Promise<WarmReadBench> {
  const { page } = session.browser;
  await sim.settledRequests(1000);
  await sim.resetRequests();
  await runListedCommand(page, 'Bench Probe: Read the DeepFlow Status 10 Times');
  const probe = await waitForNotification(page, /Bench probe: 10 status reads/, 60_000);
  const requests = await sim.settledRequests(1000);
  await runCommand(page, 'Notifications: Clear All Notifications');
  return { nodes, requests, probe };
}

/** A prerequisite the bench deletes and re-applies: its row's label, its object and its cache key. */
interface ChangeTarget {
  label: string;
  object: KubeObject;
  key: string;
}

function prerequisiteTarget(id: 'storageClass' | 'ingress', object: ChangeTarget['object']): ChangeTarget {
  const spec = deepflowPrerequisites.find((p) => p.id === id);
  if (!spec) throw new Error(`no prerequisite ${id}`);
  return { label: spec.label, object, key: cacheKeys.prerequisite(id) };
}

/**
 * Deletes the targets together, then applies them together, `count` times in turn (starting with a delete, so an even
 * count leaves them as they were); each time, from the last answer of the API server to every row's new text in
 * the DOM ("not created" / "present"), and to a second watch (in this process) holding the change.
 */
async function measureChanges(page: Page, sim: SimProcess, targets: readonly ChangeTarget[], count: number, gapMs: number): Promise<ChangePhases> {
  const client = clientFor(sim.kubeconfig);
  const watch = new ClusterCache(client, deepflowInformers);
  await watch.whenReady();
  let expectPresent = true;
  let watchedAt: number | undefined;
  const offWatch = watch.onChange(() => {
    if (watchedAt === undefined && targets.every((t) => (watch.objects(t.key).length > 0) === expectPresent)) watchedAt = Date.now();
  });
  const toWatch: number[] = [];
  const toDom: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      expectPresent = i % 2 === 1;
      const expected = expectPresent ? 'present' : 'not created';
      await page.evaluate(`(() => {
        const state = { at: undefined };
        window.__deepflowBenchChange = state;
        const labels = ${JSON.stringify(targets.map((t) => t.label))};
        const rows = () => [...document.querySelectorAll('.part.sidebar .monaco-list-row[role="treeitem"]')];
        const shows = () => labels.every((label) => rows().some((row) => row.querySelector('.label-name')?.textContent === label && (row.textContent ?? '').includes(${JSON.stringify(expected)})));
        const observer = new MutationObserver(() => {
          if (state.at !== undefined || !shows()) return;
          state.at = performance.timeOrigin + performance.now();
          observer.disconnect();
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      })()`);
      watchedAt = undefined;
      await Promise.all(
        targets.map((t) =>
          expectPresent ? client.apply(t.object, { force: true }) : client.delete({ apiVersion: t.object.apiVersion, kind: t.object.kind, name: t.object.metadata.name ?? '', namespace: t.object.metadata.namespace }),
        ),
      );
      const answered = Date.now();
      await page.waitForFunction('window.__deepflowBenchChange?.at !== undefined', undefined, { polling: 20, timeout: 10_000 });
      const domAt = await page.evaluate<number>('window.__deepflowBenchChange.at');
      toDom.push(domAt - answered);
      if (watchedAt !== undefined) toWatch.push(Math.max(0, watchedAt - answered));
      if (gapMs > 0) await sleep(gapMs);
    }
  } finally {
    offWatch();
    watch.stop();
  }
  return {
    answeredToWatchMs: series(toWatch),
    answeredToDomMs: series(toDom),
    p50: percentile(toDom, 50),
    p95: percentile(toDom, 95),
    watchP95: percentile(toWatch, 95),
  };
}

/** REDRAW_DEBOUNCE_MS of src/views/componentsTree.ts (that module needs vscode, so it is read, not imported). */
function redrawDebounceMs(): number {
  const match = /REDRAW_DEBOUNCE_MS = (\d+)/.exec(readFileSync(join(repoRoot, 'src', 'views', 'componentsTree.ts'), 'utf8'));
  return match ? Number(match[1]) : Number.NaN;
}

/**
 * Storage class nfs deleted and re-applied (as the components e2e suite does) with the view open: spaced, back to
 * back, and together with the Grafana Ingress (two rows in one redraw).
 */
export async function benchChangeToDom(session: ActivationSession, sim: SimProcess, samples: number): Promise<ChangeToDomBench> {
  const { page } = session.browser;
  const storageClass = prerequisiteTarget('storageClass', buildNfsStorageClass({ name: 'nfs', server: '127.0.0.1', share: '/nfs' }));
  const ingress = prerequisiteTarget('ingress', buildGrafanaIngress(sim.info.clusterName));
  const even = (n: number): number => n + (n % 2);
  try {
    const spaced = await measureChanges(page, sim, [storageClass], even(samples), SPACING_MS);
    const twoRows = await measureChanges(page, sim, [storageClass, ingress], even(Math.ceil(samples / 2)), SPACING_MS);
    const backToBack = await measureChanges(page, sim, [storageClass], 10, 0);
    return { spaced, twoRows, backToBack, redrawDebounceMs: redrawDebounceMs() };
  } catch (e) {
    const dir = await saveArtifacts('bench-change-to-dom', { browser: session.browser, server: session.server });
    throw new Error(`the change → DOM benchmark failed (artifacts in ${dir}): ${e instanceof Error ? e.message : String(e)}`);
  }
}
