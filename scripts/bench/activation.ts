// Activation in a real VS Code: one code-server (the packaged .vsix installed, KUBECONFIG at the simulator) and one
// headless Chromium; each run reloads the window, opens the DeepFlow view, waits for its tree, lets the requests
// settle, and reads the activation time VS Code itself shows in "Developer: Show Running Extensions".
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
/** The last tree row the view renders once the status read is done. */
const LAST_ROW = 'deepflow-agent';

export interface ActivationRun {
  /** "Activation: N ms" from Show Running Extensions (code loading + activate() call, as VS Code measures it). */
  vscodeActivationMs: number;
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

async function readActivationTime(page: Page): Promise<number> {
  await runCommand(page, 'Developer: Show Running Extensions');
  const row = page.locator('.monaco-list-row').filter({ has: page.locator('.name', { hasText: DISPLAY_NAME }) }).first();
  const cell = row.locator('.activation-time');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const text = ((await cell.textContent({ timeout: 30_000 }).catch(() => '')) ?? '').trim();
    const match = /Activation:\s*(\d+(?:\.\d+)?)\s*ms/i.exec(text);
    if (match) {
      return Number(match[1]);
    }
    if (Date.now() > deadline) throw new Error(`no activation time for ${DISPLAY_NAME} in Show Running Extensions (shown: "${text}")`);
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

export async function startActivationSession(vsix: string, sim: SimProcess, artifactsName: string): Promise<ActivationSession> {
  const server = await startCodeServer({ extension: { vsix }, kubeconfig: sim.kubeconfig });
  const stopServer = onCleanup('code-server', () => server.stop());
  // A quiet workbench: no welcome editor and no chat side bar competing with the extension host on 2 cores.
  mkdirSync(join(server.userDataDir, 'User'), { recursive: true });
  writeFileSync(
    join(server.userDataDir, 'User', 'settings.json'),
    `${JSON.stringify({ 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'workbench.secondarySideBar.defaultVisibility': 'hidden', 'chat.disableAIFeatures': true }, null, 2)}\n`,
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
        await openViewContainer(page, CONTAINER);
        await waitForTree(page, 90_000);
        const loadToTreeMs = Date.now() - started;
        const requests = await sim.settledRequests(2000);
        const vscodeActivationMs = await readActivationTime(page);
        await page.keyboard.press('Escape');
        return { vscodeActivationMs, selfReportedMs: selfReported(server), requests, loadToTreeMs };
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
