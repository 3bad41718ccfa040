// The smoke journey in a real VS Code (code-server) driven by real Chromium: the packaged extension shows its view
// container, its commands, its Components view, and activates without an error in its log.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startCodeServer, type CodeServer } from './codeServer';
import { manifest, packageExtension, paletteLabel } from './extension';
import { startE2eCluster, type E2eCluster } from './simulator';
import {
  activityBarItem,
  extensionLogFile,
  launchBrowser,
  openViewContainer,
  outputText,
  paletteCommands,
  runCommand,
  treeLabels,
  saveArtifacts,
  viewPane,
  waitForWorkbench,
  type Browser,
} from './workbench';

const CONTAINER = 'DeepFlow';
const VIEW = 'Components';

async function poll<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

suite('smoke: DeepFlow in a real VS Code', function () {
  let cluster: E2eCluster | undefined;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const timings: string[] = [];
  const suiteStarted = Date.now();

  suiteSetup(async function () {
    let t = Date.now();
    const vsix = await packageExtension();
    timings.push(`package ${Date.now() - t} ms`);
    cluster = await startE2eCluster();
    t = Date.now();
    server = await startCodeServer({ extension: { vsix }, kubeconfig: cluster.kubeconfig });
    timings.push(`install+start code-server ${Date.now() - t} ms (listening after ${server.listenMs} ms)`);
    try {
      browser = await launchBrowser();
    } catch (e) {
      console.log(`      artifacts: ${await saveArtifacts('smoke setup', { server })}`);
      throw e;
    }
  });

  teardown(async function () {
    if (this.currentTest?.state === 'failed') {
      const dir = await saveArtifacts(this.currentTest.fullTitle(), { browser, server });
      console.log(`      artifacts: ${dir}`);
    }
  });

  suiteTeardown(async function () {
    await browser?.close();
    await server?.stop();
    await cluster?.stop();
    timings.push(`suite ${Date.now() - suiteStarted} ms`);
    console.log(`      timings: ${timings.join(', ')}`);
  });

  test('the DeepFlow container appears in the activity bar', async function () {
    assert.ok(browser && server);
    const t = Date.now();
    await browser.page.goto(server.workbenchUrl());
    await waitForWorkbench(browser.page, CONTAINER, 90_000);
    timings.push(`workbench ready ${Date.now() - t} ms`);
    assert.equal(await activityBarItem(browser.page, CONTAINER).count(), 1);
  });

  test('the contributed commands are in the palette', async function () {
    assert.ok(browser);
    // Commands of tree items (they need the item) are hidden from the palette on purpose: "when": "false".
    const { contributes } = manifest();
    const hidden = new Set((contributes.menus?.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command));
    const expected = contributes.commands.filter((c) => !hidden.has(c.command)).map(paletteLabel);
    assert.ok(expected.length >= 3, 'package.json contributes fewer than three commands');
    const shown = await paletteCommands(browser.page, `${CONTAINER}:`);
    const missing = expected.filter((label) => !shown.includes(label));
    assert.deepEqual(missing, [], `not in the palette: ${missing.join(', ')} (shown: ${shown.join(' | ')})`);
  });

  test('clicking the container shows the Components view', async function () {
    assert.ok(browser);
    const { page } = browser;
    await openViewContainer(page, CONTAINER);
    const pane = viewPane(page, VIEW);
    await pane.first().waitFor({ state: 'visible', timeout: 30_000 });
    const title = await page.locator('.part.sidebar .composite.title').first().textContent();
    assert.match(title ?? '', new RegExp(CONTAINER, 'i'));
  });

  test('the Components view shows the simulated cluster from KUBECONFIG', async function () {
    assert.ok(browser && cluster);
    const { page } = browser;
    const clusterName = cluster.info?.clusterName;
    if (!clusterName) this.skip(); // an external kubeconfig: its cluster name is not known here
    // An empty cluster shows the welcome content instead of a tree; a storage class makes the tree appear, live.
    cluster.sim?.api.store.put({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'nfs' }, provisioner: 'nfs.csi.k8s.io' });
    const deadline = Date.now() + 30_000;
    let labels: string[] = [];
    while (Date.now() < deadline) {
      labels = await treeLabels(page, VIEW);
      if (labels.some((l) => l.includes(clusterName))) break;
      await page.waitForTimeout(250);
    }
    assert.ok(labels.some((l) => l.includes(clusterName)), `no tree item names ${clusterName}; items: ${labels.join(' | ')}`);
  });

  test('"DeepFlow: Show Log" shows the DeepFlow output channel', async function () {
    assert.ok(browser);
    const { page } = browser;
    await runCommand(page, 'DeepFlow: Show Log');
    const deadline = Date.now() + 15_000;
    let text = '';
    while (Date.now() < deadline) {
      text = await outputText(page).catch(() => '');
      if (/activated/.test(text)) break;
      await page.waitForTimeout(250);
    }
    assert.match(text, /activated/, 'the Output panel does not show the DeepFlow log');
  });

  test('the extension log shows activation and no error', async function () {
    assert.ok(server);
    const s = server;
    const text = await poll('"activated" in the DeepFlow log', () => {
      const file = extensionLogFile(s);
      if (!file) return undefined;
      const content = readFileSync(file, 'utf8');
      return /activated/i.test(content) ? content : undefined;
    });
    const errors = text.split('\n').filter((line) => /\[error\]/i.test(line));
    assert.deepEqual(errors, [], 'the DeepFlow log has error lines');
  });
});
