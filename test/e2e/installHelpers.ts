// Helpers for driving the install's multi-step input, modal dialogs and the real kubectl in the e2e suite.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { ensureKubectl133 } from '../../scripts/lib/tools.mjs';

const execFileAsync = promisify(execFile);

const widget = '.quick-input-widget';
const inputSelector = `${widget} .quick-input-box input`;
const titleSelector = `${widget} .quick-input-title`;
const messageSelector = `${widget} .quick-input-message`;

/** Waits until the quick input shows step `step` (its title reads "Title (step/total)") and is ready for typing. */
export async function waitForStep(page: Page, step: number, timeoutMs = 30_000): Promise<string> {
  const title = page.locator(titleSelector).filter({ hasText: new RegExp(`\\(${step}/\\d+\\)`) });
  await title.first().waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator(`${inputSelector}:not([disabled])`).first().waitFor({ state: 'visible', timeout: timeoutMs });
  return (await title.first().textContent()) ?? '';
}

/** The value an input box step shows when it appears (its default). */
export async function stepValue(page: Page, step: number): Promise<string> {
  await waitForStep(page, step);
  return page.locator(inputSelector).first().inputValue();
}

/** The validation (or prompt) message under the input box. */
export async function inputMessage(page: Page): Promise<string> {
  return ((await page.locator(messageSelector).first().textContent()) ?? '').trim();
}

/** Types `value` into the input box of `step` and waits until the message under it matches `expected`. */
export async function typeAndExpectMessage(page: Page, step: number, value: string, expected: RegExp, timeoutMs = 10_000): Promise<string> {
  await waitForStep(page, step);
  const input = page.locator(inputSelector).first();
  await input.fill(value);
  const deadline = Date.now() + timeoutMs;
  let message = '';
  while (Date.now() < deadline) {
    message = await inputMessage(page);
    if (expected.test(message)) return message;
    await page.waitForTimeout(100);
  }
  throw new Error(`step ${step}: after typing ${JSON.stringify(value)} the input box shows ${JSON.stringify(message)}, not ${String(expected)}`);
}

/** Enter is refused while the value is invalid: the same step stays on screen. */
export async function pressEnterAndStay(page: Page, step: number): Promise<void> {
  await page.locator(inputSelector).first().press('Enter');
  await page.waitForTimeout(300);
  await waitForStep(page, step, 2_000);
}

/** Answers an input-box step: types `value` (or keeps the default when undefined) and presses Enter. */
export async function answer(page: Page, step: number, value?: string): Promise<void> {
  await waitForStep(page, step);
  const input = page.locator(inputSelector).first();
  if (value !== undefined) await input.fill(value);
  await page.waitForTimeout(150); // the extension validates the new value before Enter is taken
  await input.press('Enter');
  await page
    .locator(titleSelector)
    .filter({ hasText: new RegExp(`\\(${step}/\\d+\\)`) })
    .first()
    .waitFor({ state: 'hidden', timeout: 15_000 });
}

/** Answers a quick-pick step by filtering for `label` and accepting the match. */
export async function choose(page: Page, step: number, label: string): Promise<void> {
  await waitForStep(page, step);
  const row = page.locator(`${widget} .quick-input-list .monaco-list-row`).filter({ hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await row.click();
  await page
    .locator(titleSelector)
    .filter({ hasText: new RegExp(`\\(${step}/\\d+\\)`) })
    .first()
    .waitFor({ state: 'hidden', timeout: 15_000 });
}

/** A modal dialog's message and detail. */
export async function waitForDialog(page: Page, text: string | RegExp, timeoutMs = 60_000): Promise<string> {
  const dialog = page.locator('.monaco-dialog-box').filter({ hasText: text }).first();
  await dialog.waitFor({ state: 'visible', timeout: timeoutMs });
  return ((await dialog.innerText()) ?? '').trim();
}

/** Clicks a button of the modal dialog showing `text`. */
export async function clickDialogButton(page: Page, text: string | RegExp, button: string): Promise<void> {
  const dialog = page.locator('.monaco-dialog-box').filter({ hasText: text }).first();
  await dialog.getByRole('button', { name: button, exact: true }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
}

/** Runs the real kubectl 1.33 against `kubeconfig`, returning stdout. */
export async function kubectl(kubeconfig: string, args: string[]): Promise<string> {
  const binary = ensureKubectl133();
  const { stdout } = await execFileAsync(binary, ['--kubeconfig', kubeconfig, ...args], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** kubectl get -o json, or undefined when NotFound. */
export async function kubectlGet(kubeconfig: string, args: string[]): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await kubectl(kubeconfig, ['get', ...args, '-o', 'json'])) as Record<string, unknown>;
  } catch (err) {
    if (/NotFound|not found/i.test(String((err as { stderr?: unknown }).stderr ?? err))) return undefined;
    throw err;
  }
}

/** Every file under `dir` (skipping what cannot be read), for the secret grep. */
export function filesUnder(dir: string, skip: (path: string) => boolean = () => false): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (skip(full)) continue;
    if (entry.isDirectory()) out.push(...filesUnder(full, skip));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** The files under `dir` whose bytes contain any of `needles` (raw, or JSON-escaped), as "file: which". */
export function filesContaining(dir: string, needles: readonly string[], skip?: (path: string) => boolean): string[] {
  const forms = needles.flatMap((n) => [n, JSON.stringify(n).slice(1, -1)]).filter((f, i, all) => f.length >= 4 && all.indexOf(f) === i);
  const hits: string[] = [];
  for (const file of filesUnder(dir, skip)) {
    if (statSync(file).size > 64 * 1024 * 1024) continue;
    const content = readFileSync(file);
    for (const form of forms) {
      if (content.includes(Buffer.from(form, 'utf8')) || content.includes(Buffer.from(form, 'utf16le'))) hits.push(`${file}: ${form.length} chars secret`);
    }
  }
  return hits;
}

/** Clears every notification, so the next wait sees only new ones (the exact command: never a toggle next to it). */
export async function clearNotifications(page: Page): Promise<void> {
  await runExactCommand(page, 'Notifications: Clear All Notifications');
  await page.locator('.notifications-toasts .notification-list-item').first().waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

/** Clicks a button (e.g. Cancel) of the notification toast whose message matches `text`. */
export async function clickNotificationButton(page: Page, text: string | RegExp, button: string, timeoutMs = 60_000): Promise<void> {
  const toast = page.locator('.notifications-toasts .notification-list-item').filter({ hasText: text }).first();
  await toast.waitFor({ state: 'visible', timeout: timeoutMs });
  await toast.locator('.monaco-button').filter({ hasText: button }).first().click();
}

/** Runs the palette command whose label is exactly `label` (runCommand takes the first match, and "Install DeepFlow" also matches "Install DeepFlow (Guided)"). */
export async function runExactCommand(page: Page, label: string): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator(inputSelector);
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${label}`);
  const exact = new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  const row = page.locator(`${widget} .quick-input-list .monaco-list-row`).filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await row.click();
}

/** "DeepFlow: Select Cluster Context", then the context named `name`. */
export async function selectContext(page: Page, name: string): Promise<void> {
  await runExactCommand(page, 'DeepFlow: Select Cluster Context');
  const row = page.locator(`${widget} .quick-input-list .monaco-list-row`).filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${name}\\s*$`) }) }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await row.click();
  await page.locator(widget).waitFor({ state: 'hidden', timeout: 10_000 });
}
