// Activation in a real VS Code: one code-server (the packaged .vsix installed, KUBECONFIG at the simulator, and beside
// it the baseline fixture: an extension that only registers a view) and one headless Chromium; each run reloads the
// window, opens both views (in turn first, so that neither always activates on a busier workbench), waits for both
// trees, lets the requests settle, and reads both activation times VS Code itself shows in "Developer: Show Running
// Extensions".
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startCodeServer, type CodeServer } from '../../test/e2e/codeServer';
import { extensionLogFile, launchBrowser, openViewContainer, runCommand, saveArtifacts, treeLabels, waitForWorkbench, type Browser } from '../../test/e2e/workbench';
import type { SimProcess } from './simProcess';
import { onCleanup, sleep } from './util';

const CONTAINER = 'DeepFlow';
const VIEW = 'Components';
const DISPLAY_NAME = 'DeepFlow for ACP';
/** test/fixtures/baseline-extension: its container, its display name and its one row. */
const BASELINE_CONTAINER = 'Bench Baseline';
const BASELINE_DISPLAY_NAME = 'Bench Baseline View';
const BASELINE_ROW = 'Baseline view ready';
/** The last tree row the view renders once the status read is done. */
const LAST_ROW = 'deepflow-agent';

export interface ActivationRun {
  /** "Activation: N ms" from Show Running Extensions (code loading + activate() call, as VS Code measures it). */
  vscodeActivationMs: number;
  /** The same figure for the baseline extension in the same window (undefined when it is not installed). */
  baselineActivationMs?: number;
  /** Which view was opened first in this run. */
  firstOpened?: 'deepflow' | 'baseline';
  /** What the extension logs itself: the time inside activate(), ms. */
  selfReportedMs?: number;
  /** API requests the simulator served from the window load until no request came for 2 s. */
  requests: number;
  /** Window load (navigation) to the tree's last row rendered, ms (browser-side wall time, informational). */
  loadToTreeMs: number;
}

export interface ActivationSession {
  readonly server: CodeServer;
  readonly browser: Browser;
  run(index: number): Promise<ActivationRun>;
  stop(): Promise<void>;
}

async function waitForTree(page: Page, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let labels: string[] = [];
  while (Date.now() < deadline) {
    labels = await treeLabels(page, VIEW).catch(() => []);
    if (labels.some((l) => l.startsWith(LAST_ROW))) return labels;
    await page.waitForTimeout(100);
  }
  throw new Error(`the ${VIEW} view did not show ${LAST_ROW} within ${timeoutMs / 1000} s; rows: ${labels.join(' | ')}`);
}

async function waitForBaselineTree(page: Page, timeoutMs: number): Promise<void> {
  const row = page.locator('.part.sidebar .monaco-list-row[role="treeitem"]').filter({ hasText: BASELINE_ROW }).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Reads one extension's activation time from the open "Running Extensions" editor. */
async function readActivationTime(page: Page, displayName: string): Promise<number> {
  const row = page.locator('.monaco-list-row').filter({ has: page.locator('.name', { hasText: displayName }) }).first();
  // The list renders only the rows in sight and sorts by activation time: scroll from the top until the row shows.
  const list = page.locator('.monaco-list').filter({ has: page.locator('.activation-time') }).first();
  await list.waitFor({ state: 'visible', timeout: 30_000 });
  await list.hover();
  await page.mouse.wheel(0, -100_000);
  for (let i = 0; i < 30 && (await row.count()) === 0; i++) {
    await page.mouse.wheel(0, 300);
    await sleep(100);
  }
  const cell = row.locator('.activation-time');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const text = ((await cell.textContent({ timeout: 30_000 }).catch(() => '')) ?? '').trim();
    const match = /Activation:\s*(\d+(?:\.\d+)?)\s*ms/i.exec(text);
    if (match) {
      return Number(match[1]);
    }
    if (Date.now() > deadline) throw new Error(`no activation time for ${displayName} in Show Running Extensions (shown: "${text}")`);
    await sleep(200);
  }
}

/** The newest "activated in N ms" line of the newest DeepFlow log (a reload starts a new log folder). */
function selfReported(server: CodeServer): number | undefined {
  const file = extensionLogFile(server);
  if (!file) return undefined;
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => /activated in/.test(l));
  const last = lines[lines.length - 1];
  const match = last ? /activated in ([\d.]+) ms/.exec(last) : null;
  return match ? Number(match[1]) : undefined;
}

/**
 * `fixtures`: more packaged extensions to install first; the baseline's activation is read when `baseline` is among
 * them (test/fixtures/baseline-extension).
 */
export async function startActivationSession(
  vsix: string,
  sim: SimProcess,
  artifactsName: string,
  fixtures: { baseline?: string; others?: string[] } = {},
): Promise<ActivationSession> {
  const alsoInstall = [...(fixtures.baseline ? [fixtures.baseline] : []), ...(fixtures.others ?? [])].map((file) => ({ vsix: file }));
  const server = await startCodeServer({ extension: { vsix }, kubeconfig: sim.kubeconfig, alsoInstall });
  const stopServer = onCleanup('code-server', () => server.stop());
  // A quiet workbench: no welcome editor and no chat side bar competing with the extension host on 2 cores, and no
  // port auto-forwarding or npm script detection, which run `ls`/`ps`/ripgrep from the extension host (the view-open
  // bench counts its children).
  mkdirSync(join(server.userDataDir, 'User'), { recursive: true });
  writeFileSync(
    join(server.userDataDir, 'User', 'settings.json'),
    `${JSON.stringify({ 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'workbench.secondarySideBar.defaultVisibility': 'hidden', 'chat.disableAIFeatures': true, 'remote.autoForwardPorts': false, 'npm.autoDetect': 'off' }, null, 2)}\n`,
  );
  let browser: Browser;
  try {
    browser = await launchBrowser();
  } catch (e) {
    stopServer();
    await server.stop();
    throw e;
  }
  const stopBrowser = onCleanup('chromium', () => browser.close());
  const { page } = browser;

  return {
    server,
    browser,
    async run(index: number): Promise<ActivationRun> {
      try {
        await sim.resetRequests();
        const started = Date.now();
        await page.goto(server.workbenchUrl(), { waitUntil: 'domcontentloaded', timeout: 90_000 });
        await waitForWorkbench(page, CONTAINER, 90_000);
        const baselineFirst = fixtures.baseline !== undefined && index % 2 === 1;
        const openBaseline = async (): Promise<void> => {
          await openViewContainer(page, BASELINE_CONTAINER);
          await waitForBaselineTree(page, 90_000);
        };
        if (baselineFirst) await openBaseline();
        await openViewContainer(page, CONTAINER);
        await waitForTree(page, 90_000);
        const loadToTreeMs = Date.now() - started;
        if (fixtures.baseline && !baselineFirst) await openBaseline();
        const requests = await sim.settledRequests(2000);
        await runCommand(page, 'Developer: Show Running Extensions');
        const vscodeActivationMs = await readActivationTime(page, DISPLAY_NAME);
        const baselineActivationMs = fixtures.baseline ? await readActivationTime(page, BASELINE_DISPLAY_NAME) : undefined;
        await page.keyboard.press('Escape');
        await runCommand(page, 'View: Close All Editors'); // a reload would restore the Running Extensions editor
        // The container showing at a reload is restored (its extension activates during the load): leave the one that
        // goes first in the next run.
        const nextBaselineFirst = fixtures.baseline !== undefined && (index + 1) % 2 === 1;
        await openViewContainer(page, nextBaselineFirst ? BASELINE_CONTAINER : CONTAINER);
        return {
          vscodeActivationMs,
          baselineActivationMs,
          firstOpened: fixtures.baseline ? (baselineFirst ? 'baseline' : 'deepflow') : undefined,
          selfReportedMs: selfReported(server),
          requests,
          loadToTreeMs,
        };
      } catch (e) {
        const dir = await saveArtifacts(`${artifactsName}-run-${index + 1}`, { browser, server });
        throw new Error(`activation run ${index + 1} failed (artifacts in ${dir}): ${e instanceof Error ? e.message : String(e)}`);
      }
    },
    async stop() {
      stopBrowser();
      stopServer();
      await browser.close();
      await server.stop();
    },
  };
}
