// The live Components view and status bar in a real VS Code (code-server) driven by real Chromium, against the ACP
// simulator, with no manual refresh anywhere: a kubectl scale shows 1/3 then 3/3; the install turns the nodes green;
// a crash loop turns the component and the status bar red within a second and back; an unreachable API server shows
// an error within 3 s and the tree recovers by itself; dropped and expired watches leave no stale node; the agent
// coverage names the node with an old kernel.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Redactor } from '../../src/acp/redact';
import { ClusterClient, loadKubeconfig } from '../../src/cluster';
import { buildGrafanaIngress } from '../../src/acp/manifests';
import { buildInstallSteps, memoryPushLedger, runInstall, type InstallPlan } from '../../src/install';
import { startSimulator } from '../sim/index';
import { startCodeServer, type CodeServer } from './codeServer';
import { packageExtension } from './extension';
import { kubectl } from './installHelpers';
import { launchBrowser, openViewContainer, outputText, saveArtifacts, treeItems, viewPane, waitForWorkbench, type Browser } from './workbench';

type Sim = Awaited<ReturnType<typeof startSimulator>>;

const CONTAINER = 'DeepFlow';
const VIEW = 'Components';
const CHART_VERSION = 'v3.19.0-fix.49.27.gb547cdc5-dbs';

/** The row of a tree item whose label is exactly `label` (a component or prerequisite name). */
function row(page: Page, label: string) {
  const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return treeItems(page, VIEW).filter({ has: page.locator('.label-name', { hasText: exact }) });
}

async function rowText(page: Page, label: string): Promise<string> {
  const found = row(page, label);
  if ((await found.count()) === 0) return '';
  return ((await found.first().innerText().catch(() => '')) || '').replace(/\s+/g, ' ').trim();
}

/** Polls the DOM every 20 ms until `probe` is true; returns the milliseconds it took. */
async function within(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function rowIcon(page: Page, label: string): Promise<string> {
  return (await row(page, label).first().locator('.custom-view-tree-node-item-icon').getAttribute('class').catch(() => null)) ?? '';
}

function statusBarItem(page: Page) {
  return page.locator('.part.statusbar .statusbar-item[id*="deepflow.status"], .part.statusbar .statusbar-item:has-text("DeepFlow")').first();
}

async function statusBarLabel(page: Page): Promise<string> {
  const item = statusBarItem(page);
  if ((await item.count()) === 0) return '';
  return (await item.locator('a').first().getAttribute('aria-label').catch(() => null)) ?? (await item.getAttribute('aria-label').catch(() => null)) ?? '';
}

suite('components: the live Components view and status bar in a real VS Code', function () {
  this.timeout(600_000);
  let sim: Sim | undefined;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let dir = '';
  let kubeconfig = '';
  const figures: string[] = [];

  suiteSetup(async function () {
    const vsix = await packageExtension();
    sim = await startSimulator({ timeScale: 0.3, nodes: 3, oldKernelNodes: 1 });
    dir = mkdtempSync(join(tmpdir(), 'deepflow-components-e2e-'));
    kubeconfig = join(dir, 'kubeconfig');
    sim.writeKubeconfig(kubeconfig);
    server = await startCodeServer({ extension: { vsix }, kubeconfig });
    browser = await launchBrowser();
    await browser.page.goto(server.workbenchUrl(), { timeout: 120_000 });
    await waitForWorkbench(browser.page, CONTAINER, 90_000);
    await openViewContainer(browser.page, CONTAINER);
  });

  teardown(async function () {
    if (sim) Object.assign(sim.faults, { apiDown: false, dropWatchesAfterMs: 0, watchGone: false, crashLoop: '' });
    if (this.currentTest?.state === 'failed') console.log(`      artifacts: ${await saveArtifacts(this.currentTest.fullTitle(), { browser, server })}`);
  });

  suiteTeardown(async function () {
    console.log(`      figures: ${figures.join(', ')}`);
    await browser?.close();
    await server?.stop();
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('with nothing installed, the welcome content offers "Install DeepFlow…" and the status bar shows nothing', async function () {
    assert.ok(browser);
    const { page } = browser;
    const pane = viewPane(page, VIEW);
    await pane.getByText('DeepFlow is not installed on this cluster').first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await pane.getByRole('button', { name: 'Install DeepFlow…' }).count(), 1);
    assert.equal(await statusBarLabel(page), '');
  });

  test('a scale of deepflow-app made with kubectl shows as 1/3, then 3/3', async function () {
    assert.ok(browser);
    const { page } = browser;
    const labels = { app: 'deepflow', component: 'deepflow-app' };
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'deepflow-app', namespace: 'cpaas-system', labels },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'deepflow-app' }] } } },
    };
    const file = join(dir, 'deepflow-app.json');
    writeFileSync(file, JSON.stringify(deployment));
    // A standalone deepflow-app: ACP reverts direct edits of the chart's own workloads, so the chart's cannot be scaled.
    await kubectl(kubeconfig, ['apply', '-f', file]);
    await within('deepflow-app 1/1 ready', 30_000, async () => (await rowText(page, 'deepflow-app')).includes('1/1 ready'));
    const scaled = Date.now();
    await kubectl(kubeconfig, ['scale', 'deployment/deepflow-app', '-n', 'cpaas-system', '--replicas=3']);
    await within('deepflow-app 1/3', 5_000, async () => (await rowText(page, 'deepflow-app')).includes('1/3 ready'));
    figures.push(`kubectl scale started → "1/3" in the DOM ${Date.now() - scaled} ms (kubectl's own start included)`);
    await within('deepflow-app 3/3', 10_000, async () => (await rowText(page, 'deepflow-app')).includes('3/3 ready'));
    await kubectl(kubeconfig, ['delete', '-f', file]);
    // With nothing of DeepFlow left, the view offers the install again.
    await viewPane(page, VIEW).getByText('DeepFlow is not installed on this cluster').first().waitFor({ state: 'visible', timeout: 10_000 });
  });

  test('after an install the nodes turn green as the pods become ready, and the status bar says DeepFlow 6/6', async function () {
    assert.ok(browser && sim);
    const { page } = browser;
    const plan: InstallPlan = {
      platform: { url: sim.info.platformUrl, trust: { kind: 'pinned', fingerprint: sim.info.platformFingerprint } },
      credentials: { kind: 'password', username: sim.info.platformUsername, password: sim.info.platformPassword },
      artifacts: { nfs: join(dir, 'nfs.amd64.v4.0.2.tgz'), deepflow: join(dir, `deepflow-${CHART_VERSION}.tgz`) },
      storageClass: { name: 'nfs', server: '127.0.0.1', share: '/nfs' },
      deepflow: {
        chartVersion: CHART_VERSION,
        clusterName: sim.info.clusterName,
        grafanaAdminUser: 'admin',
        grafanaAdminPassword: 'e2e-Grafana-1',
        storageClass: 'nfs',
        mysqlSize: '50Gi',
        clickhousePathSize: '100Gi',
        clickhouseStoragePathSize: '200Gi',
      },
    };
    writeFileSync(plan.artifacts.nfs, Buffer.alloc(1024, 1));
    writeFileSync(plan.artifacts.deepflow, Buffer.alloc(4096, 2));
    const client = ClusterClient.forContext(loadKubeconfig({ settingValue: kubeconfig }));
    const redactor = new Redactor();
    redactor.register(sim.info.platformPassword);
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
    const install = runInstall(buildInstallSteps(plan), {
      client,
      logger: silent,
      signal: new AbortController().signal,
      progress: () => undefined,
      confirm: () => Promise.resolve(true),
      timeouts: { waitMs: 120_000 },
      storageDir: join(dir, 'storage'),
      pushLedger: memoryPushLedger(),
      redactor,
    });
    // While it installs, the view shows progress without a refresh: some component is yellow before all are green.
    await within('a component in progress', 60_000, async () => (await rowIcon(page, 'deepflow-clickhouse')).includes('sync'));
    const report = await install;
    assert.equal(report.status, 'completed', JSON.stringify(report.steps));
    for (const name of ['deepflow-mysql', 'deepflow-clickhouse', 'deepflow-server', 'deepflow-app', 'deepflow-grafana']) {
      await within(`${name} green`, 30_000, async () => (await rowText(page, name)).includes('1/1 ready') && (await rowIcon(page, name)).includes('pass-filled'));
    }
    await within('deepflow-agent 3/3', 30_000, async () => (await rowText(page, 'deepflow-agent')).includes('3/3 ready'));
    await within('Application Succeeded', 30_000, async () => (await rowText(page, 'Application deepflow')).includes('Succeeded'));
    await within('the status bar says 6 of 6', 10_000, async () => /6 of 6 components ready/.test(await statusBarLabel(page)));
    assert.match((await statusBarItem(page).innerText()).replace(/\s+/g, ' '), /DeepFlow 6\/6/);
  });

  test('crashLoop on deepflow-clickhouse turns its node and the status bar red within 1 s, with CrashLoopBackOff in the tooltip, and both green when lifted', async function () {
    assert.ok(browser && sim);
    const { page } = browser;
    const started = Date.now();
    sim.faults.crashLoop = 'deepflow-clickhouse';
    // The simulated kubelet restarts the container on its next tick (300 ms here); the view must follow within 1 s of that.
    await within('CrashLoopBackOff on deepflow-clickhouse', 1_300, async () => (await rowText(page, 'deepflow-clickhouse')).includes('CrashLoopBackOff'));
    figures.push(`crashLoop fault → red row ${Date.now() - started} ms (includes the simulated kubelet's 300 ms tick)`);
    assert.match(await rowIcon(page, 'deepflow-clickhouse'), /codicon-error/);
    await within('the status bar red', 1_000, async () => /worst state failing/.test(await statusBarLabel(page)));
    await row(page, 'deepflow-clickhouse').first().hover();
    const hover = page.locator('.monaco-hover, .workbench-hover, .custom-hover').filter({ hasText: 'CrashLoopBackOff' }).first();
    await hover.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await hover.innerText(), /deepflow-clickhouse-0: CrashLoopBackOff/);
    await page.mouse.move(0, 0);

    sim.faults.crashLoop = '';
    await within('deepflow-clickhouse green again', 15_000, async () => (await rowText(page, 'deepflow-clickhouse')).includes('1/1 ready') && (await rowIcon(page, 'deepflow-clickhouse')).includes('pass-filled'));
    await within('the status bar green again', 5_000, async () => /6 of 6 components ready, worst state ready/.test(await statusBarLabel(page)));
  });

  test('with the API down an error node naming the reason appears within 3 s, and with the API back the tree recovers with no action', async function () {
    assert.ok(browser && sim);
    const { page } = browser;
    sim.faults.apiDown = true;
    const shown = await within('an error node', 3_000, async () => (await treeItems(page, VIEW).filter({ hasText: 'Cannot reach' }).count()) > 0);
    figures.push(`API down → error node ${shown} ms`);
    await within('the refusal named', 3_000, async () => (await treeItems(page, VIEW).filter({ hasText: 'connection refused (ECONNREFUSED)' }).count()) > 0);
    sim.faults.apiDown = false;
    const recovered = await within('the tree back', 10_000, async () => (await rowText(page, 'deepflow-server')).includes('1/1 ready'));
    figures.push(`API back → tree recovered ${recovered} ms`);
    assert.equal(await treeItems(page, VIEW).filter({ hasText: 'Cannot reach' }).count(), 0);
  });

  test('dropped watches and 410 Gone leave no stale node: a change made during the fault shows', async function () {
    assert.ok(browser && sim);
    const { page } = browser;
    const file = join(dir, 'sc.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'nfs' }, provisioner: 'nfs.csi.k8s.io', parameters: { server: '127.0.0.1', share: '/nfs' } }));
    await kubectl(kubeconfig, ['apply', '-f', file]);
    await within('the storage class present', 30_000, async () => (await rowText(page, 'Storage class nfs')).includes('present'));
    sim.faults.dropWatchesAfterMs = 300;
    await new Promise((r) => setTimeout(r, 700));
    await kubectl(kubeconfig, ['delete', 'storageclass', 'nfs']);
    await within('the storage class gone during dropped watches', 5_000, async () => (await rowText(page, 'Storage class nfs')).includes('not created'));
    sim.faults.watchGone = true;
    await new Promise((r) => setTimeout(r, 700));
    await kubectl(kubeconfig, ['apply', '-f', file]);
    await within('the storage class back during 410 Gone', 5_000, async () => (await rowText(page, 'Storage class nfs')).includes('present'));
    sim.faults.watchGone = false;
    sim.faults.dropWatchesAfterMs = 0;
  });

  test('a cluster change reaches the DOM quickly: p50 and p95 over 20 changes', async function () {
    assert.ok(browser && sim);
    const { page } = browser;
    const client = ClusterClient.forContext(loadKubeconfig({ settingValue: kubeconfig }));
    const ref = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: 'nfs' };
    const storageClass = { ...ref, metadata: { name: 'nfs' }, provisioner: 'nfs.csi.k8s.io', parameters: { server: '127.0.0.1', share: '/nfs' } };
    const delays: number[] = [];
    for (let i = 0; i < 20; i++) {
      const present = i % 2 === 1;
      if (present) await client.apply(storageClass);
      else await client.delete(ref);
      const answered = Date.now();
      // Polled inside the page at every animation frame, so the figure is the view's delay, not the probe's.
      const expected = present ? 'present' : 'not created';
      await page.waitForFunction(
        `[...document.querySelectorAll('.monaco-list-row[role="treeitem"]')].some((row) => row.querySelector('.label-name')?.textContent === 'Storage class nfs' && (row.textContent ?? '').includes('${expected}'))`,
        undefined,
        { polling: 'raf', timeout: 5_000 },
      );
      delays.push(Date.now() - answered);
    }
    delays.sort((a, b) => a - b);
    const p50 = delays[Math.floor(delays.length * 0.5)] ?? NaN;
    const p95 = delays[Math.floor(delays.length * 0.95)] ?? NaN;
    figures.push(`API answered a change → new text in the DOM: p50 ${p50} ms, p95 ${p95} ms (n=20, DOM polled at every frame)`);
    assert.ok(p95 <= 1_000, `p95 ${p95} ms`);
  });

  test('two rows changed at once show together: the later one a median of under 150 ms after the API answered', async function () {
    assert.ok(browser && sim);
    const { page } = browser;
    const client = ClusterClient.forContext(loadKubeconfig({ settingValue: kubeconfig }));
    const storageClass = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'nfs' }, provisioner: 'nfs.csi.k8s.io', parameters: { server: '127.0.0.1', share: '/nfs' } };
    const ingress = buildGrafanaIngress(sim.info.clusterName);
    const labels = ['Storage class nfs', 'Ingress deepflow-grafana'];
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const present = i % 2 === 1;
      if (present) await Promise.all([client.apply(storageClass, { force: true }), client.apply(ingress, { force: true })]);
      else await Promise.all([client.delete({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: 'nfs' }), client.delete({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'deepflow-grafana', namespace: 'cpaas-system' })]);
      const answered = Date.now();
      const expected = present ? 'present' : 'not created';
      await page.waitForFunction(
        `${JSON.stringify(labels)}.every((label) => [...document.querySelectorAll('.monaco-list-row[role="treeitem"]')].some((row) => row.querySelector('.label-name')?.textContent === label && (row.textContent ?? '').includes('${expected}')))`,
        undefined,
        { polling: 'raf', timeout: 5_000 },
      );
      delays.push(Date.now() - answered);
      // VS Code's tree view holds a refresh that comes within 200 ms of the last one: space the changes past that.
      await new Promise((r) => setTimeout(r, 400));
    }
    delays.sort((a, b) => a - b);
    const median = ((delays[2] ?? NaN) + (delays[3] ?? NaN)) / 2;
    figures.push(`two rows changed at once → both in the DOM: median ${median} ms (n=6)`);
    // One refresh per redraw: a second event would wait out VS Code's 200 ms hold (241 ms median when it did).
    assert.ok(median < 150, `median ${median} ms (${delays.join(', ')})`);
  });

  test('agent coverage names the node with the 3.10 kernel', async function () {
    assert.ok(browser);
    const { page } = browser;
    await row(page, 'deepflow-agent').first().click();
    await page.keyboard.press('ArrowRight');
    await within('the coverage node', 10_000, async () => (await rowText(page, 'Agent coverage')).includes('1 of 3 nodes without a working agent'));
    await row(page, 'Agent coverage').first().click();
    await page.keyboard.press('ArrowRight');
    await within('node-1 with its kernel', 10_000, async () => /Kernel 3\.10\.0-1160\.el7\.x86_64 is below 4\.14/.test(await rowText(page, 'node-1')));
    // The agent's pods are listed under it, each with its node. The tree renders only the rows in sight, so give the
    // Components view the side bar's height: collapse the Troubleshooting view below it.
    const troubleshooting = page.locator('.part.sidebar .pane-header[aria-label*="Troubleshooting"]').first();
    if ((await troubleshooting.getAttribute('aria-expanded').catch(() => null)) === 'true') await troubleshooting.click();
    await within('three agent pods in sight', 10_000, async () => (await treeItems(page, VIEW).filter({ hasText: /deepflow-agent-\w+/ }).count()) >= 3);
  });

  test("a pod's inline action follows its log in the output", async function () {
    assert.ok(browser);
    const { page } = browser;
    const pod = treeItems(page, VIEW).filter({ hasText: /^deepflow-agent-\w{5}/ }).first();
    await pod.hover();
    await pod.locator('.action-label[aria-label="Show Pod Log"]').click();
    await within('the log streaming', 15_000, async () => /heartbeat \d+/.test(await outputText(page).catch(() => '')));
    assert.match(await outputText(page), /agent: starting \(pod deepflow-agent-\w+ on node-\d\)/);
  });

  test("the Ingress's inline action shows its YAML in a read-only editor", async function () {
    assert.ok(browser);
    const { page } = browser;
    const ingress = row(page, 'Ingress deepflow-grafana').first();
    await ingress.hover();
    await ingress.locator('.action-label[aria-label="Show YAML"]').click();
    const editor = page.locator('.part.editor .monaco-editor .view-lines').first();
    await within('the Ingress YAML', 15_000, async () => /kind: Ingress/.test((await editor.innerText().catch(() => '')).replace(/\u00a0/g, ' ')));
    const text = (await editor.innerText()).replace(/\u00a0/g, ' ');
    assert.match(text, /path: \/clusters\/cluster1\/deepflow/);
    assert.doesNotMatch(text, /managedFields/);
    // A content provider's document cannot be edited: typing changes nothing.
    await editor.click();
    await page.keyboard.type('edited');
    assert.doesNotMatch((await editor.innerText()).replace(/\u00a0/g, ' '), /edited/);
    assert.equal(await page.locator('.part.editor .tab.active').filter({ hasText: 'deepflow-grafana.yaml' }).count(), 1);
  });

  test('Restart Component… asks first: Cancel keeps the pods; Restart replaces them and the row comes back ready', async function () {
    assert.ok(browser);
    const { page } = browser;
    const podNames = async () => (await kubectl(kubeconfig, ['get', 'pods', '-n', 'cpaas-system', '-l', 'component=deepflow-server', '-o', 'name'])).split('\n').filter(Boolean).sort();
    const before = await podNames();
    assert.equal(before.length, 1);
    const restart = async (button: string) => {
      await row(page, 'deepflow-server').first().click({ button: 'right' });
      const item = page.locator('.monaco-menu .action-item').filter({ hasText: 'Restart Component…' }).first();
      await item.waitFor({ state: 'visible', timeout: 10_000 });
      await item.hover();
      await item.click();
      const dialog = page.locator('.monaco-dialog-box').filter({ hasText: 'Restart deepflow-server on' }).first();
      // A click that lands while the menu is still settling highlights the item without running it; Enter runs the
      // highlighted item, as a keyboard user would.
      if (!(await dialog.waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false)) && (await item.isVisible())) await page.keyboard.press('Enter');
      await dialog.waitFor({ state: 'visible', timeout: 10_000 });
      await dialog.getByRole('button', { name: button, exact: true }).click();
      await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    };
    await restart('Cancel');
    await page.waitForTimeout(1_000);
    assert.deepEqual(await podNames(), before, 'Cancel restarted the component anyway');
    await restart('Restart');
    await within('a new deepflow-server pod', 15_000, async () => {
      const now = await podNames();
      return now.length === 1 && now[0] !== before[0];
    });
    await within('deepflow-server ready again', 30_000, async () => (await rowText(page, 'deepflow-server')).includes('1/1 ready'));
  });

  test('a taint set with kubectl keeps the agent off a node, and agent coverage names the taint', async function () {
    assert.ok(browser);
    const { page } = browser;
    await kubectl(kubeconfig, ['taint', 'nodes', 'node-3', 'dedicated=gpu:NoExecute']);
    try {
      await within('node-3 named with its taint', 15_000, async () => /taint dedicated=gpu:NoExecute keeps the agent off this node/.test(await rowText(page, 'node-3')));
      assert.match(await rowText(page, 'Agent coverage'), /2 of 3 nodes without a working agent/);
    } finally {
      await kubectl(kubeconfig, ['taint', 'nodes', 'node-3', 'dedicated-']);
    }
    await within('node-3 covered again', 20_000, async () => (await rowText(page, 'Agent coverage')).includes('1 of 3 nodes without a working agent'));
  });
});
