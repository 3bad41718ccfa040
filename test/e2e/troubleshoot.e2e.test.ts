// The guide's two troubleshooting flows in a real VS Code (code-server) driven by real Chromium, against the ACP
// simulator with DeepFlow installed: the DNS flow lists the simulator's NXDOMAIN row in words and opens Distributed
// Tracing in the Grafana panel with exactly the chosen variables and range; the HTTP flow shows the guide's chain
// (node → pod /foo → external /bar) as nested rows and opens the trace.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { ClusterClient } from '../../src/cluster/client';
import { loadKubeconfig } from '../../src/cluster/kubeconfig';
import type { KubeObject } from '../../src/cluster/types';
import { startSimulator } from '../sim/index';
import { installDeepflow } from '../sim/installDeepflow';
import { startCodeServer, type CodeServer } from './codeServer';
import { packageExtension } from './extension';
import { answer, choose, clickDialogButton, waitForDialog } from './installHelpers';
import { resultsDir } from './paths';
import { launchBrowser, openViewContainer, runCommand, saveArtifacts, treeItems, treeLabels, waitForWorkbench, type Browser } from './workbench';

type Sim = Awaited<ReturnType<typeof startSimulator>>;

const CONTAINER = 'DeepFlow';
const VIEW = 'Troubleshooting';
const GRAFANA_PASSWORD = 'e2e-Troubleshoot-1';
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

/** The applications whose traffic the simulator's querier describes: shop/checkout and kube-ovn-pinger. */
function sampleWorkloads(): KubeObject[] {
  const template = (app: string) => ({
    selector: { matchLabels: { app } },
    template: { metadata: { labels: { app } }, spec: { containers: [{ name: app, image: `registry.example/${app}:1` }] } },
  });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'checkout', namespace: 'shop' }, spec: { replicas: 1, ...template('checkout') } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cart', namespace: 'shop' }, spec: { replicas: 1, ...template('cart') } },
    { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'kube-ovn-pinger', namespace: 'kube-system' }, spec: template('kube-ovn-pinger') },
  ];
}

async function poll<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The frame (at any depth: workbench → webview → panel → Grafana) whose URL contains `part`. */
function grafanaFrame(page: Page, part: string, timeoutMs = 90_000): Promise<Frame> {
  return poll(`a Grafana frame at ${part}`, () => page.frames().find((f) => f.url().includes(part)), timeoutMs);
}

/** The rows of the Troubleshooting view once one of them matches `pattern`. */
async function rowsShowing(page: Page, pattern: RegExp, timeoutMs = 60_000): Promise<string[]> {
  return poll(`a Troubleshooting row matching ${String(pattern)}`, async () => {
    const labels = await treeLabels(page, VIEW);
    return labels.some((l) => pattern.test(l)) ? labels : undefined;
  }, timeoutMs);
}

suite('troubleshoot: DNS failures and chained HTTP requests in a real VS Code', function () {
  this.timeout(600_000);
  let sim: Sim | undefined;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let dir = '';

  suiteSetup(async function () {
    const vsix = await packageExtension();
    sim = await startSimulator({ timeScale: 0.05, nodes: 2 });
    dir = mkdtempSync(join(tmpdir(), 'deepflow-e2e-troubleshoot-'));
    mkdirSync(resultsDir, { recursive: true });
    const kubeconfig = join(dir, 'kubeconfig');
    sim.writeKubeconfig(kubeconfig);
    // DeepFlow as the guided install leaves it (the install journey itself is install.e2e.test.ts), and the
    // applications whose traffic the querier describes.
    await installDeepflow(sim, { grafanaAdminPassword: GRAFANA_PASSWORD });
    const client = ClusterClient.forContext(loadKubeconfig({ settingValue: kubeconfig }));
    for (const obj of sampleWorkloads()) await client.apply(obj);
    server = await startCodeServer({ extension: { vsix }, kubeconfig });
    browser = await launchBrowser();
    await browser.page.goto(server.workbenchUrl(), { timeout: 180_000 });
    await waitForWorkbench(browser.page, CONTAINER, 120_000);
    await openViewContainer(browser.page, CONTAINER);
  });

  teardown(async function () {
    if (this.currentTest?.state === 'failed') {
      const saved = await saveArtifacts(this.currentTest.fullTitle(), { browser, server });
      console.log(`      artifacts: ${saved}`);
    }
  });

  suiteTeardown(async function () {
    await browser?.close();
    await server?.stop();
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The first Grafana use of a fresh profile asks which platform serves the cluster (the install ran elsewhere) and
   * to trust its self-signed certificate: answer with the simulator's URL and pin its fingerprint.
   */
  async function answerFirstGrafanaPrompts(page: Page): Promise<void> {
    assert.ok(sim);
    const box = page.locator('.quick-input-widget').filter({ hasText: /ACP platform URL/ }).first();
    await box.waitFor({ state: 'visible', timeout: 60_000 });
    const input = box.locator('.quick-input-box input').first();
    await input.fill(sim.info.platformUrl);
    await input.press('Enter');
    const dialog = await waitForDialog(page, /not trusted/);
    assert.ok(dialog.toUpperCase().includes(sim.info.platformFingerprint.toUpperCase()), `the prompt does not show the fingerprint:\n${dialog}`);
    await clickDialogButton(page, /not trusted/, 'Trust This Certificate');
  }

  test('Find DNS Failures lists the NXDOMAIN in words and opens Distributed Tracing with exactly the chosen variables', async function () {
    assert.ok(browser);
    const { page } = browser;
    await runCommand(page, 'DeepFlow: Find DNS Failures…');
    await choose(page, 1, 'shop');
    await choose(page, 2, 'checkout');
    await answer(page, 3, '*.cluster.locl');
    await choose(page, 4, 'Last 1 hour');

    const rows = await rowsShowing(page, /payments\.shop\.svc\.cluster\.locl/);
    const nx = rows.find((r) => r.includes('payments.shop.svc.cluster.locl'));
    assert.match(nx ?? '', /NXDOMAIN: the domain does not exist/);
    assert.match(nx ?? '', /checkout-7d9fb5c6d4-x2k8p/);
    assert.ok(!rows.some((r) => r.includes('ledger.bank.example')), 'the SERVFAIL of another domain is filtered out');

    await answerFirstGrafanaPrompts(page);
    const frame = await grafanaFrame(page, '/d/Distributed_Tracing/');
    const url = new URL(frame.url());
    const vars = [...url.searchParams.entries()].filter(([k]) => k.startsWith('var-') || k === 'from' || k === 'to');
    assert.deepEqual(vars, [
      ['var-namespace', 'shop'],
      ['var-workload', 'checkout'],
      ['var-request_resource', '*.cluster.locl'],
      ['from', 'now-1h'],
      ['to', 'now'],
    ]);
    assert.match(url.search, /var-request_resource=\*\.cluster\.locl&/, 'the wildcard reaches Grafana as a literal *');
    await frame.locator('#dashboard-title').waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal((await frame.locator('#dashboard-title').textContent())?.trim(), 'Distributed Tracing');
    await page.screenshot({ path: join(resultsDir, 'troubleshoot-dns.png') });
  });

  test('Follow Chained HTTP Requests shows node → pod /foo → external /bar and opens the trace', async function () {
    assert.ok(browser);
    const { page } = browser;
    await runCommand(page, 'DeepFlow: Follow Chained HTTP Requests…');
    await choose(page, 1, 'kube-system');
    await choose(page, 2, 'kube-ovn-pinger');
    await choose(page, 3, 'Last 1 hour');

    await rowsShowing(page, /^GET \/foo/);
    const foo = treeItems(page, VIEW).filter({ hasText: /^GET \/foo/ }).first();
    await foo.locator('.monaco-tl-twistie').click();
    const chain = await rowsShowing(page, /GET \/bar → external 192\.168\.152\.146/);
    const at = (pattern: RegExp): number => chain.findIndex((r) => pattern.test(r));
    const client = at(/^node 192\.168\.136\.239\s*client$/);
    const first = at(/^GET \/foo → pod kube-ovn-pinger-nnsrc/);
    const second = at(/^GET \/bar → external 192\.168\.152\.146/);
    assert.ok(client >= 0 && first > client && second > first, `the chain nests in order: ${JSON.stringify(chain)}`);
    assert.match(chain[first] ?? '', /client process \(S\), client container node \(N\), server process \(S\)/);
    const depth = async (pattern: RegExp): Promise<number> => Number(await treeItems(page, VIEW).filter({ hasText: pattern }).first().getAttribute('aria-level'));
    assert.ok((await depth(/^GET \/bar → external/)) > (await depth(/^GET \/foo → pod/)), '/bar sits under /foo');

    await foo.locator('.label-name').first().click();
    const frame = await grafanaFrame(page, `var-trace_id=${TRACE_ID}`);
    assert.equal(new URL(frame.url()).searchParams.get('var-trace_id'), TRACE_ID);
    // Distributed Tracing renders with the trace set, where its DeepFlow Flame Graph panel shows the chain.
    const traceVar = frame.locator('#variables li[data-var="trace_id"]');
    await traceVar.waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal((await traceVar.textContent())?.trim(), `var-trace_id=${TRACE_ID}`);
    assert.ok((await frame.locator('#panels li').allTextContents()).includes('DeepFlow Flame Graph'));
    await page.screenshot({ path: join(resultsDir, 'troubleshoot-http.png') });
  });

  test('Open Grafana Dashboard lists DeepFlow Templates first and opens the chosen dashboard', async function () {
    assert.ok(browser);
    const { page } = browser;
    await runCommand(page, 'DeepFlow: Open Grafana Dashboard…');
    const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await rows.filter({ hasText: 'Distributed Tracing' }).first().waitFor({ state: 'visible', timeout: 60_000 });
    const first = (await rows.first().innerText()).replace(/\s+/g, ' ');
    assert.match(first, /Application - DNS Monitoring.*DeepFlow Templates/, `the first entry: ${first}`);
    await rows.filter({ hasText: 'Application - DNS Monitoring' }).first().click();
    const frame = await grafanaFrame(page, '/d/application_DNS_Monitoring/');
    await frame.locator('#dashboard-title').waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal((await frame.locator('#dashboard-title').textContent())?.trim(), 'Application - DNS Monitoring');
  });
});
