// DeepFlow's Grafana inside a real VS Code (code-server) in real Chromium, against the ACP simulator's self-signed
// platform: the fingerprint prompt first, then the stand-in's own script rendering a dashboard inside the panel's
// frame through code-server's port proxy (asExternalUri), with no login prompt; the proxy refusing requests without
// its secret; a changed Grafana password leading to a clear page and "Update Credentials…"; Grafana scaled to 0
// naming the cause, and Retry recovering; no Grafana or platform secret on disk.
import * as assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import type { Frame, FrameLocator, Page } from 'playwright-core';
import type { StartedSimulator } from '../sim/index';
import { installDeepflow } from '../sim/installDeepflow';
import type { CodeServer } from './codeServer';
import { startInstallWorld, type InstallWorld } from './installFixture';
import { clickDialogButton, filesContaining, kubectl, runExactCommand, waitForDialog } from './installHelpers';
import { resultsDir } from './paths';
import { openViewContainer, saveArtifacts, treeItems, treeLabels, type Browser } from './workbench';

type Sim = StartedSimulator;

const CONTAINER = 'DeepFlow';
const OPEN_GRAFANA = 'DeepFlow: Open Grafana';
const GRAFANA_PASSWORD = 'gr4fana-Adm1n "pässwort"';
const NEW_GRAFANA_PASSWORD = 'rotated-by-the-admin-7Q';
const screens = join(resultsDir, 'grafana-screens');

const widget = '.quick-input-widget';

/** Answers a plain input box whose title or prompt matches `text`: types `value` (keeps the default when undefined). */
async function answerInput(page: Page, text: RegExp, value?: string): Promise<void> {
  const box = page.locator(widget).filter({ hasText: text }).first();
  await box.waitFor({ state: 'visible', timeout: 60_000 });
  const input = box.locator('.quick-input-box input').first();
  if (value !== undefined) await input.fill(value);
  await input.press('Enter');
}

async function pick(page: Page, label: RegExp): Promise<void> {
  const row = page.locator(`${widget} .quick-input-list .monaco-list-row`).filter({ hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  await row.click();
}

/** The panel's own document (toolbar, problem pages), inside the webview's two frames. */
function panelDocument(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

/** Grafana's page inside the panel. */
function grafanaDocument(page: Page): FrameLocator {
  return panelDocument(page).frameLocator('iframe#grafana');
}

/** The frame that holds Grafana (for its URL). */
function grafanaFrame(page: Page): Frame | undefined {
  return page.frames().find((f) => /\/clusters\/[^/]+\/deepflow\//.test(f.url()));
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

suite('grafana: DeepFlow\'s Grafana inside the editor', function () {
  this.timeout(600_000);
  let world: InstallWorld | undefined;
  let sim: Sim | undefined;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let kubeconfig = '';

  suiteSetup(async function () {
    world = await startInstallWorld('grafana');
    ({ sim, server, browser, kubeconfig } = world);
    await installDeepflow(sim, { grafanaAdminPassword: GRAFANA_PASSWORD, kubeconfig });
  });

  teardown(async function () {
    if (this.currentTest?.state === 'failed') console.log(`      artifacts: ${await saveArtifacts(this.currentTest.fullTitle(), { browser, server })}`);
  });

  suiteTeardown(async function () {
    await world?.stop();
  });

  test('a platform not yet trusted asks for its fingerprint first; then Grafana shows in the panel with no login prompt', async function () {
    assert.ok(browser && sim && server);
    const { page } = browser;
    await runExactCommand(page, OPEN_GRAFANA);
    // The install ran elsewhere, so the extension asks which platform serves this cluster.
    await answerInput(page, /ACP platform URL that serves cluster/, sim.info.platformUrl);
    const dialog = await waitForDialog(page, /not trusted/);
    assert.ok(dialog.includes(sim.info.platformFingerprint), `the dialog does not show the fingerprint:\n${dialog}`);
    await clickDialogButton(page, /not trusted/, 'Trust This Certificate');

    // Grafana's home (the stand-in's own script renders it), then a dashboard reached by clicking in Grafana.
    const grafana = grafanaDocument(page);
    await grafana.getByRole('link', { name: 'Distributed Tracing' }).first().click({ timeout: 60_000 });
    const title = grafana.locator('#dashboard-title');
    await title.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal((await title.textContent())?.trim(), 'Distributed Tracing');
    assert.equal(await grafana.locator('text=Welcome to Grafana').count(), 0, 'Grafana asked for a login');
    await page.screenshot({ path: join(screens, 'dashboard.png') });

    // The frame's URL is what asExternalUri made of the proxy's: code-server's own origin, under /proxy/<port>/.
    const frame = grafanaFrame(page);
    assert.ok(frame, 'no Grafana frame');
    const url = new URL(frame.url());
    assert.equal(url.origin, new URL(server.workbenchUrl()).origin, `the frame is not served through code-server: ${url.href}`);
    assert.match(url.pathname, /^\/proxy\/\d+\/[A-Za-z0-9_-]{32,}\/clusters\/cluster1\/deepflow\/d\/Distributed_Tracing\//);
    // The page the editor opened carries VS Code's theme (links followed inside Grafana keep it by Grafana's own means).
    const src = (await panelDocument(page).locator('iframe#grafana').getAttribute('src')) ?? '';
    assert.match(src, /[?&]theme=(light|dark)(&|$)/, `the theme does not follow VS Code: ${src}`);
  });

  test('the proxy refuses requests without its per-session secret', async function () {
    assert.ok(browser);
    const frame = grafanaFrame(browser.page);
    assert.ok(frame, 'no Grafana frame');
    const match = /^\/proxy\/(\d+)\/([^/]+)(\/clusters\/.*)$/.exec(new URL(frame.url()).pathname);
    assert.ok(match, frame.url());
    const [, port, secret, rest] = match;
    assert.equal(await httpStatus(`http://127.0.0.1:${port}/${secret}${rest}`), 200, 'the proxy does not answer with its secret');
    assert.equal(await httpStatus(`http://127.0.0.1:${port}${rest}`), 403, 'a request without the secret was served');
    assert.equal(await httpStatus(`http://127.0.0.1:${port}/${'x'.repeat(secret?.length ?? 43)}${rest}`), 403, 'a request with a wrong secret was served');
  });

  test('the Components view lists Grafana\'s dashboards, DeepFlow Templates first; a click opens one in the panel', async function () {
    assert.ok(browser);
    const { page } = browser;
    await openViewContainer(page, CONTAINER);
    const rows = treeItems(page, 'Components');
    // Select the row and expand it with the keyboard (ArrowRight only ever expands): a click that lands while the
    // live tree redraws may only select it.
    const folder = rows.filter({ hasText: 'DeepFlow Templates' }).first();
    for (let attempt = 0; attempt < 3 && !(await folder.isVisible()); attempt++) {
      await rows.filter({ hasText: 'Grafana dashboards' }).first().click({ timeout: 60_000 });
      await page.keyboard.press('ArrowRight');
      await folder.waitFor({ state: 'visible', timeout: 15_000 }).catch(() => undefined);
    }
    await folder.waitFor({ state: 'visible', timeout: 15_000 });
    const labels = await treeLabels(page, 'Components');
    // The first folder under "Grafana dashboards" is DeepFlow Templates, with its dashboards under it.
    const section = labels.indexOf('Grafana dashboards');
    assert.equal(labels[section + 1], 'DeepFlow Templates', `DeepFlow Templates is not the first folder:\n${labels.join('\n')}`);
    assert.ok(labels[section + 2]?.startsWith('Application - DNS Monitoring'), `no dashboard under DeepFlow Templates:\n${labels.join('\n')}`);
    await rows.filter({ hasText: 'Application - DNS Monitoring' }).first().click();
    const title = grafanaDocument(page).locator('#dashboard-title');
    await title.filter({ hasText: 'Application - DNS Monitoring' }).waitFor({ state: 'visible', timeout: 30_000 });
    assert.match((await panelDocument(page).locator('iframe#grafana').getAttribute('src')) ?? '', /\/d\/application_DNS_Monitoring\//);
  });

  test('a Grafana password changed behind the extension\'s back shows a clear page, and "Update Credentials…" gets back in', async function () {
    assert.ok(browser && sim);
    const { page } = browser;
    // An admin resets the password in Grafana itself, which also ends the user's sessions; the chart's Secret is
    // now stale, so the extension's login fails.
    await resetGrafanaPassword(sim, GRAFANA_PASSWORD, NEW_GRAFANA_PASSWORD);
    await panelDocument(page).getByRole('button', { name: 'Reload' }).click();
    const problem = panelDocument(page).locator('main[role="alert"]');
    await problem.filter({ hasText: 'Grafana refused the login' }).waitFor({ state: 'visible', timeout: 30_000 });
    assert.match((await problem.innerText()) ?? '', /password of user "admin"/);
    await page.screenshot({ path: join(screens, 'bad-credentials.png') });
    await panelDocument(page).getByRole('button', { name: 'Update Credentials…' }).click();
    await answerInput(page, /Grafana admin user/);
    await answerInput(page, /Grafana password of admin/, NEW_GRAFANA_PASSWORD);
    await pick(page, /Don't keep it/);
    await grafanaDocument(page).locator('h1, #dashboard-title').first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await panelDocument(page).locator('h1', { hasText: 'refused the login' }).count(), 0);
  });

  test('Grafana with no ready pod is named as the cause, and Retry shows Grafana once it is back', async function () {
    assert.ok(browser && sim);
    const { page } = browser;
    // ACP reverts a direct scale of a chart-managed Deployment (as the simulator does), so Grafana is taken out
    // the way it fails in practice: its pod crash-loops, and the ingress answers 503 while no pod is ready.
    sim.faults.crashLoop = 'deepflow-grafana';
    await waitForReadyPods(kubeconfig, '0');
    await panelDocument(page).getByRole('button', { name: 'Reload' }).click();
    const problem = panelDocument(page).locator('main[role="alert"]');
    await problem.filter({ hasText: 'Grafana is not ready' }).waitFor({ state: 'visible', timeout: 30_000 });
    assert.match((await problem.innerText()) ?? '', /deepflow-grafana in cpaas-system has 0\/1 ready pods/);
    await page.screenshot({ path: join(screens, 'not-ready.png') });

    sim.faults.crashLoop = '';
    await waitForReadyPods(kubeconfig, '1');
    await panelDocument(page).getByRole('button', { name: 'Retry' }).click();
    await grafanaDocument(page).locator('h1, #dashboard-title').first().waitFor({ state: 'visible', timeout: 30_000 });
  });

  test('a second Open Grafana reveals the same panel, and closing it stops the proxy', async function () {
    assert.ok(browser);
    const { page } = browser;
    const frame = grafanaFrame(page);
    assert.ok(frame, 'no Grafana frame');
    const [, port, secret] = /^\/proxy\/(\d+)\/([^/]+)\//.exec(new URL(frame.url()).pathname) ?? [];
    await runExactCommand(page, OPEN_GRAFANA);
    await grafanaDocument(page).locator('h1, #dashboard-title').first().waitFor({ state: 'visible', timeout: 30_000 });
    const tabs = page.locator('.tabs-container .tab', { hasText: 'Grafana · cluster1' });
    assert.equal(await tabs.count(), 1, 'a second panel was opened for the same cluster');

    await tabs.first().locator('.tab-actions .action-label').first().click();
    await tabs.first().waitFor({ state: 'detached', timeout: 10_000 });
    const deadline = Date.now() + 10_000;
    let outcome = '';
    while (Date.now() < deadline) {
      outcome = await httpStatus(`http://127.0.0.1:${port}/${secret}/clusters/cluster1/deepflow/`).then(String, (e: NodeJS.ErrnoException) => e.code ?? String(e));
      if (outcome === 'ECONNREFUSED') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(outcome, 'ECONNREFUSED', 'the proxy still answers after its last panel closed');
  });

  test('no Grafana or platform secret is written under code-server\'s home, user data or logs', function () {
    assert.ok(server && sim);
    // The installed extension is skipped: it is the .vsix as shipped.
    const hits = filesContaining(server.root, [GRAFANA_PASSWORD, NEW_GRAFANA_PASSWORD, sim.info.platformPassword], (p) => p.startsWith(server?.extensionsDir ?? '\0'));
    assert.deepEqual(hits, [], `secrets found on disk:\n${hits.join('\n')}`);
  });
});

/** Waits until kubectl reports `ready` ready pods for deepflow-grafana ('0' also matches an absent field). */
async function waitForReadyPods(kubeconfig: string, ready: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = (await kubectl(kubeconfig, ['get', 'deployment/deepflow-grafana', '-n', 'cpaas-system', '-o', 'jsonpath={.status.readyReplicas}'])).trim() || '0';
    if (shown === ready) return;
    if (Date.now() > deadline) throw new Error(`deepflow-grafana has ${shown} ready pods, not ${ready}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Grafana's admin password reset (`PUT /api/admin/users/1/password`), as in Grafana's user administration page. */
async function resetGrafanaPassword(sim: Sim, oldPassword: string, newPassword: string): Promise<void> {
  const url = `${sim.info.platformUrl}/clusters/${sim.info.clusterName}/deepflow/api/admin/users/1/password`;
  const response = await fetchWithCa(url, sim.platformCaPem, {
    method: 'PUT',
    headers: { authorization: `Basic ${Buffer.from(`admin:${oldPassword}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ password: newPassword }),
  });
  assert.equal(response.status, 200, `Grafana refused the password change: ${response.status} ${response.body}`);
}

async function fetchWithCa(url: string, caPem: string, init: { method: string; headers: Record<string, string>; body: string }): Promise<{ status: number; body: string }> {
  const { request: httpsRequest } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: init.method, headers: init.headers, ca: caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
