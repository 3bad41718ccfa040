// Drives the VS Code web workbench in Debian Chromium through playwright-core (no browser download).
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { CodeServer } from './codeServer';
import { chromiumPath, extensionId, resultsDir } from './paths';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Everything the page printed to its console, for failure reports. */
  readonly consoleLines: string[];
  close(): Promise<void>;
}

/** Headless Debian Chromium with a fresh profile and its own HOME. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}: apt-get install -y chromium (or npm run setup as root)`);
  const root = mkdtempSync(join(tmpdir(), 'deepflow-chromium-'));
  mkdirSync(join(root, 'home'));
  const context = await chromium.launchPersistentContext(join(root, 'profile'), {
    executablePath: chromiumPath,
    headless: true,
    args: CHROMIUM_FLAGS,
    env: { ...process.env, HOME: join(root, 'home') },
    viewport: { width: 1400, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleLines: string[] = [];
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
  return {
    context,
    page,
    consoleLines,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

export function activityBarItem(page: Page, containerTitle: string) {
  return page.locator(`.part.activitybar .action-item .action-label[aria-label^="${containerTitle}"]`);
}

/**
 * Waits until the workbench has rendered and, when given, the view container's activity-bar entry is there (which
 * means the extension's contributions are registered). Open the palette only after this: earlier it shows "No
 * matching commands" and never refreshes.
 */
export async function waitForWorkbench(page: Page, containerTitle?: string, timeoutMs = 60_000): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
  if (containerTitle) await activityBarItem(page, containerTitle).first().waitFor({ state: 'visible', timeout: timeoutMs });
}

const paletteInput = '.quick-input-widget .quick-input-box input';
const paletteRows = '.quick-input-widget .quick-input-list .monaco-list-row';

async function openPalette(page: Page, text: string): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator(paletteInput);
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(text);
}

/** The command-palette entries that match `query` (their visible labels, "Category: Title"). */
export async function paletteCommands(page: Page, query: string): Promise<string[]> {
  await openPalette(page, `>${query}`);
  const rows = page.locator(paletteRows);
  await rows.first().waitFor({ state: 'visible', timeout: 10_000 }).catch(() => undefined);
  // The list fills asynchronously; wait until its length settles.
  let previous = -1;
  for (let i = 0; i < 20; i++) {
    const count = await rows.count();
    if (count === previous) break;
    previous = count;
    await page.waitForTimeout(150);
  }
  const labels = (await rows.locator('.label-name').allTextContents()).map((s) => s.replace(/\s+/g, ' ').trim());
  await page.keyboard.press('Escape');
  return labels;
}

/** Runs a command through the F1 palette by its full label, e.g. "DeepFlow: Show Log". */
export async function runCommand(page: Page, label: string): Promise<void> {
  await openPalette(page, `>${label}`);
  const row = page.locator(paletteRows).filter({ hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await page.locator(paletteInput).press('Enter');
}

/** The texts of the notification toasts that are showing. */
export async function notifications(page: Page): Promise<string[]> {
  return (await page.locator('.notifications-toasts .notification-list-item-message').allTextContents()).map((s) => s.trim());
}

/** Waits for a notification toast containing `text` and returns its full message. */
export async function waitForNotification(page: Page, text: string | RegExp, timeoutMs = 15_000): Promise<string> {
  const toast = page.locator('.notifications-toasts .notification-list-item-message').filter({ hasText: text }).first();
  await toast.waitFor({ state: 'visible', timeout: timeoutMs });
  return (await toast.textContent())?.trim() ?? '';
}

/**
 * The pane of a view in the side bar, by the view's name. When the container holds one view, VS Code drops the pane
 * header and shows "Container: View" as the side bar's title instead.
 */
export function viewPane(page: Page, viewName: string) {
  const pane = page.locator(`.part.sidebar .pane:has(.pane-header[aria-label*="${viewName}"])`);
  const single = page.locator(`.part.sidebar:has(.composite.title .title-label h2:has-text("${viewName}")) .pane`);
  return pane.or(single);
}

/** The tree items of a view, by the view's name. */
export function treeItems(page: Page, viewName: string) {
  return viewPane(page, viewName).locator('.monaco-list-row[role="treeitem"]');
}

/** The visible text (label and description) of the rendered tree items of a view. */
export async function treeLabels(page: Page, viewName: string): Promise<string[]> {
  const rows = treeItems(page, viewName);
  const labels: string[] = [];
  for (let i = 0, n = await rows.count(); i < n; i++) labels.push((await rows.nth(i).innerText()).replace(/\s+/g, ' ').trim());
  return labels;
}

/** The text of the Output panel's editor (what the selected channel shows). */
export async function outputText(page: Page): Promise<string> {
  return (await page.locator('.part.panel .monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
}

/** Opens a view container from the activity bar (clicking only when it is not already showing). */
export async function openViewContainer(page: Page, containerTitle: string): Promise<void> {
  const item = activityBarItem(page, containerTitle).first();
  const checked = await item.locator('xpath=..').getAttribute('aria-checked').catch(() => null);
  const selected = await item.getAttribute('aria-expanded').catch(() => null);
  if (checked !== 'true' && selected !== 'true') await item.click();
}

function findFiles(dir: string, name: string): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findFiles(full, name));
    else if (entry.name === name) found.push(full);
  }
  return found;
}

/**
 * The extension's LogOutputChannel file: `<user-data-dir>/logs/<session>/exthost<N>/<extension id>/DeepFlow.log`.
 * The newest one when there are several (a window reload starts a new session).
 */
export function extensionLogFile(server: CodeServer, channel = 'DeepFlow'): string | undefined {
  const files = findFiles(join(server.userDataDir, 'logs'), `${channel}.log`).filter((f) => f.includes(extensionId));
  return files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/** A folder name for test-results/ from a test's title. */
export function artifactDirName(title: string): string {
  return title.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100) || 'test';
}

/**
 * Saves what explains a failure under test-results/<name>/: a screenshot, the page console, code-server's log and
 * every log of the server's user-data dir (extension host, the extension's own channel). Never throws.
 */
export async function saveArtifacts(name: string, parts: { page?: Page; browser?: Browser; server?: CodeServer }): Promise<string> {
  const dir = join(resultsDir, artifactDirName(name));
  rmSync(dir, { recursive: true, force: true }); // no leftovers from an earlier run
  mkdirSync(dir, { recursive: true });
  const page = parts.page ?? parts.browser?.page;
  if (page) await page.screenshot({ path: join(dir, 'screenshot.png'), fullPage: true }).catch(() => undefined);
  try {
    if (parts.browser) {
      writeFileSync(join(dir, 'browser-console.log'), parts.browser.consoleLines.join('\n') + '\n');
    }
    if (parts.server) {
      if (existsSync(parts.server.logFile)) copyFileSync(parts.server.logFile, join(dir, 'code-server.log'));
      const logs = join(parts.server.userDataDir, 'logs');
      if (existsSync(logs)) cpSync(logs, join(dir, 'vscode-logs'), { recursive: true });
      const ext = extensionLogFile(parts.server);
      if (ext) copyFileSync(ext, join(dir, 'DeepFlow.log'));
    }
  } catch (e) {
    console.error(`saving artifacts to ${dir}: ${String(e)}`);
  }
  return dir;
}
