// DeepFlow for ACP in a VS Code whose display language is Chinese (code-server --locale zh-cn, with the smallest
// language pack that declares zh-cn, test/fixtures/zh-cn-language-pack). VS Code itself stays English (the pack
// translates none of it), so every Chinese word on the screen comes from the extension's own package.nls.zh-cn.json
// and l10n/bundle.l10n.zh-cn.json: the manifest's titles, the prompts worded in the VS Code layer, and the validation
// messages the domain words through @vscode/l10n.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startCodeServer, type CodeServer } from './codeServer';
import { manifest, packageExtension, packageFixture, paletteLabel } from './extension';
import { choose, inputMessage, waitForStep } from './installHelpers';
import { repoRoot, resultsDir } from './paths';
import { installDeepflow } from '../sim/installDeepflow';
import { startSimulator, type StartedSimulator } from '../sim/index';
import { activityBarItem, launchBrowser, paletteCommands, runCommand, saveArtifacts, treeItems, viewPane, waitForWorkbench, type Browser } from './workbench';

const bundle = JSON.parse(readFileSync(join(repoRoot, 'l10n', 'bundle.l10n.zh-cn.json'), 'utf8')) as Record<string, string>;
const han = /\p{Script=Han}/u;

/** The Chinese the bundle holds for an English message, filled like l10n.t fills it. */
function zh(english: string, ...args: string[]): string {
  const translated = bundle[english];
  assert.ok(translated, `no zh-cn translation for ${JSON.stringify(english)}`);
  assert.match(translated, han, `the zh-cn translation of ${JSON.stringify(english)} is not Chinese`);
  return translated.replace(/\{(\d+)\}/g, (_m, i: string) => args[Number(i)] ?? `{${i}}`);
}

const quickInput = '.quick-input-widget';

async function quickInputText(page: Page): Promise<{ title: string; message: string; placeholder: string }> {
  return {
    title: ((await page.locator(`${quickInput} .quick-input-title`).first().textContent()) ?? '').trim(),
    message: await inputMessage(page),
    placeholder: (await page.locator(`${quickInput} .quick-input-box input`).first().getAttribute('placeholder')) ?? '',
  };
}

async function waitForMessage(page: Page, expected: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let shown = '';
  while (Date.now() < deadline) {
    shown = await inputMessage(page);
    if (shown.startsWith(expected)) return;
    await page.waitForTimeout(100);
  }
  assert.equal(shown, expected, 'the message under the input box (VS Code may append its own English hint)');
}

suite('zh-cn: DeepFlow for ACP in a Chinese VS Code', function () {
  let sim: StartedSimulator | undefined;
  let dir = '';
  let server: CodeServer | undefined;
  let browser: Browser | undefined;

  suiteSetup(async function () {
    const [vsix, languagePack] = [await packageExtension(), await packageFixture('zh-cn-language-pack')];
    sim = await startSimulator({ timeScale: 0.1 });
    dir = mkdtempSync(join(tmpdir(), 'deepflow-l10n-e2e-'));
    sim.writeKubeconfig(join(dir, 'kubeconfig'));
    server = await startCodeServer({ alsoInstall: [{ vsix: languagePack }], extension: { vsix }, kubeconfig: join(dir, 'kubeconfig'), locale: 'zh-cn' });
    browser = await launchBrowser();
    await browser.page.goto(server.workbenchUrl());
    await waitForWorkbench(browser.page, 'DeepFlow', 90_000);
  });

  teardown(async function () {
    if (this.currentTest?.state === 'failed') console.log(`      artifacts: ${await saveArtifacts(this.currentTest.fullTitle(), { browser, server })}`);
  });

  suiteTeardown(async function () {
    await browser?.close();
    await server?.stop();
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the command palette lists every DeepFlow command by its Chinese title, and the views have Chinese names', async function () {
    assert.ok(browser);
    const { page } = browser;
    const chinese = manifest('zh-cn');
    const hidden = new Set((chinese.contributes.menus?.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command));
    const expected = chinese.contributes.commands.filter((c) => !hidden.has(c.command)).map(paletteLabel);
    assert.ok(expected.length >= 10 && expected.every((label) => han.test(label)), `not all palette titles are Chinese: ${expected.join(' | ')}`);
    // One query per title: the palette renders only the rows in sight, and each row here also shows its English alias.
    const missing: string[] = [];
    for (const label of expected) if (!(await paletteCommands(page, label)).includes(label)) missing.push(label);
    assert.deepEqual(missing, [], `not in the palette: ${missing.join(', ')}`);

    await activityBarItem(page, 'DeepFlow').first().click();
    for (const view of chinese.contributes.views.deepflow ?? []) {
      assert.match(view.name, han);
      await viewPane(page, view.name).first().waitFor({ state: 'visible', timeout: 15_000 });
    }
  });

  test("the guided install's first prompts, its choices and a validation message are in Chinese", async function () {
    assert.ok(browser && sim);
    const { page } = browser;
    const guided = manifest('zh-cn').contributes.commands.find((c) => c.command === 'deepflow.install.all');
    assert.ok(guided);
    await runCommand(page, paletteLabel(guided));

    await waitForStep(page, 1);
    const first = await quickInputText(page);
    assert.match(first.title, han, `step 1's title is not Chinese: ${first.title}`);
    // VS Code appends its own hint, "(Press 'Enter' to confirm…)", in VS Code's language: English here.
    const firstPrompt = zh('The ACP platform URL (https), where violet is downloaded from and artifacts are pushed to');
    assert.ok(first.message.startsWith(firstPrompt), `step 1 shows ${JSON.stringify(first.message)}`);
    // A domain validation message (src/acp, worded through @vscode/l10n) in Chinese too.
    await page.locator(`${quickInput} .quick-input-box input`).first().fill('http://acp.example.com');
    await waitForMessage(page, zh('The platform URL must use https:// — violet and the platform API require TLS'));
    await page.locator(`${quickInput} .quick-input-box input`).first().fill(sim.info.platformUrl);
    await waitForMessage(page, firstPrompt);
    await page.locator(`${quickInput} .quick-input-box input`).first().press('Enter');

    await waitForStep(page, 2);
    const second = await quickInputText(page);
    assert.match(second.placeholder, han, `step 2's question is not Chinese: ${second.placeholder}`);
    await choose(page, 2, zh('Username and password'));

    await waitForStep(page, 3);
    const third = await quickInputText(page);
    const thirdPrompt = zh('The platform username (it needs the platform-admin-system role to push)');
    assert.ok(third.message.startsWith(thirdPrompt), `step 3 shows ${JSON.stringify(third.message)}`);
    await page.screenshot({ path: join(resultsDir, 'zh-cn-guided-install.png') });
    await page.keyboard.press('Escape');
  });

  test('with DeepFlow installed, the Components tree and the status bar speak Chinese', async function () {
    assert.ok(browser && sim);
    const { page } = browser;
    await installDeepflow(sim, { grafanaAdminPassword: 'Zh-cn-e2e-Grafana-2026!' });
    const ready = zh('{0}/{1} ready', '1', '1');
    const view = manifest('zh-cn').contributes.views.deepflow?.find((v) => v.id === 'deepflow.views.components')?.name ?? '';
    assert.match(view, han);
    await treeItems(page, view).filter({ hasText: 'deepflow-server' }).filter({ hasText: ready }).first().waitFor({ state: 'visible', timeout: 60_000 });
    const sections = (await treeItems(page, view).allInnerTexts()).join('\n');
    assert.match(sections, new RegExp(zh('Prerequisites')), `no Chinese section row in:\n${sections}`);
    const statusBar = page.locator('.part.statusbar .statusbar-item').filter({ hasText: 'DeepFlow' }).first();
    await statusBar.waitFor({ state: 'visible', timeout: 30_000 });
    const label = (await statusBar.locator('a').first().getAttribute('aria-label')) ?? (await statusBar.getAttribute('aria-label')) ?? '';
    assert.match(label, han, `the status bar's accessible label is not Chinese: ${label}`);
    await page.screenshot({ path: join(resultsDir, 'zh-cn-components.png') });
  });
});
