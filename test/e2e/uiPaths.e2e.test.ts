// The install's paths that only the integration tests covered, now as a user takes them in a real VS Code
// (code-server in Chromium) against the ACP simulator: input boxes that open without an error, the Browse… file
// dialog, "Pick CA File…" for a self-signed platform, a platform token, a saved password replaced and not kept,
// a values diff declined then confirmed on a rerun, and Uninstall declined then confirmed, each checked with kubectl.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { demoChartVersion as CHART_VERSION } from './demoInstall';
import { startInstallWorld, type InstallWorld } from './installFixture';
import {
  answer,
  choose,
  clearNotifications,
  clickDialogButton,
  inputMessage,
  kubectl,
  kubectlGet,
  runExactCommand,
  waitForDialog,
  waitForStep,
} from './installHelpers';
import { extensionLogFile, runCommand, saveArtifacts, waitForNotification } from './workbench';

const GRAFANA_PASSWORD = 'Ui-Paths-2026!grafana';

const inputBox = '.quick-input-widget .quick-input-box .monaco-inputbox';

/**
 * The severity VS Code shows on the quick input's box: the workbench's InputBox carries the class "error",
 * "warning" or "info" while a validation message of that severity shows, and "idle" otherwise (VS Code 1.139).
 */
async function inputSeverity(page: Page): Promise<'error' | 'warning' | 'info' | 'none'> {
  const classes = ((await page.locator(inputBox).first().getAttribute('class')) ?? '').split(/\s+/);
  for (const severity of ['error', 'warning', 'info'] as const) if (classes.includes(severity)) return severity;
  return 'none';
}

/** The box of `step` has shown no error for a moment after it opened (validation answers asynchronously). */
async function assertNoErrorBeforeTyping(page: Page, step: number, what: string): Promise<void> {
  await waitForStep(page, step);
  for (let i = 0; i < 5; i++) {
    await page.waitForTimeout(100);
    const severity = await inputSeverity(page);
    assert.notEqual(severity, 'error', `step ${step} (${what}) opens with an error before anything was typed: ${await inputMessage(page)}`);
  }
}

/** Presses Enter on the (empty) box of `step`: the step stays, and the box shows an error matching `message`. */
async function enterOnEmptyShowsError(page: Page, step: number, message: RegExp): Promise<void> {
  await page.locator('.quick-input-widget .quick-input-box input').first().press('Enter');
  const deadline = Date.now() + 5_000;
  while ((await inputSeverity(page)) !== 'error' && Date.now() < deadline) await page.waitForTimeout(100);
  assert.equal(await inputSeverity(page), 'error', `Enter on the empty box of step ${step} shows no error`);
  assert.match(await inputMessage(page), message);
  await waitForStep(page, step, 2_000);
}

/** VS Code's own file dialog in the browser (a quick input titled `title`): types `file` and opens it. */
async function pickInFileDialog(page: Page, title: string, file: string): Promise<void> {
  const dialogTitle = page.locator('.quick-input-widget .quick-input-title').filter({ hasText: title }).first();
  await dialogTitle.waitFor({ state: 'visible', timeout: 15_000 });
  const input = page.locator('.quick-input-widget .quick-input-box input').first();
  // The dialog fills in its starting folder ("/…/workspace/") once it has listed it; typing earlier is overwritten.
  const deadline = Date.now() + 15_000;
  while (!(await input.inputValue()).endsWith('/') && Date.now() < deadline) await page.waitForTimeout(100);
  for (let i = 0; i < 3 && (await dialogTitle.isVisible()); i++) {
    await input.fill(file);
    await page.waitForTimeout(700); // the dialog resolves the typed path before Enter means "open it"
    await input.press('Enter');
    await page.waitForTimeout(1_000);
  }
  await dialogTitle.waitFor({ state: 'hidden', timeout: 5_000 });
}

suite('the install paths in the UI: validation, file dialogs, token, saved password, values diff, uninstall', function () {
  this.timeout(600_000);
  let world: InstallWorld | undefined;
  let caFile = '';

  suiteSetup(async function () {
    world = await startInstallWorld('paths');
    caFile = join(world.dir, 'platform-ca.pem');
    writeFileSync(caFile, world.sim.platformCaPem);
  });

  teardown(async function () {
    if (this.currentTest?.state === 'failed') console.log(`      artifacts: ${await saveArtifacts(this.currentTest.fullTitle(), { browser: world?.browser, server: world?.server })}`);
  });

  suiteTeardown(async function () {
    await world?.stop();
  });

  test('every box of the guided install opens without an error; Enter on an empty box shows one; Browse… and Pick CA File… lead to "ready"', async function () {
    assert.ok(world);
    const { sim, browser, server } = world;
    const { nfs: nfsArtifact, deepflow: deepflowArtifact } = world.artifacts;
    const { page } = browser;
    await runCommand(page, 'DeepFlow: Install DeepFlow (Guided)');
    const steps: [number, string, () => Promise<void>][] = [
      [1, 'platform URL', async () => {
        assert.match(await inputMessage(page), /ACP platform URL/, 'the untouched box does not show its prompt');
        await enterOnEmptyShowsError(page, 1, /platform URL|https/i);
        await answer(page, 1, sim.info.platformUrl);
      }],
      [2, 'login kind', () => choose(page, 2, 'Username and password')],
      [3, 'username', async () => {
        assert.match(await inputMessage(page), /platform username/);
        await enterOnEmptyShowsError(page, 3, /username/i);
        await answer(page, 3, sim.info.platformUsername);
      }],
      [4, 'password', () => answer(page, 4, sim.info.platformPassword)],
      [5, 'keep the password?', () => choose(page, 5, "Keep the password in VS Code's secret storage")],
      [6, 'NFS artifact', async () => {
        await page.locator('.quick-input-widget .quick-input-titlebar .action-label[aria-label="Browse…"], .quick-input-widget .action-label[title="Browse…"]').first().click();
        await pickInFileDialog(page, 'Pick the NFS CSI plugin artifact', nfsArtifact);
        await waitForStep(page, 6);
        assert.equal(await page.locator('.quick-input-widget .quick-input-box input').first().inputValue(), nfsArtifact, 'Browse… did not fill in the picked file');
        await answer(page, 6);
      }],
      [7, 'DeepFlow artifact', () => answer(page, 7, deepflowArtifact)],
      [8, 'chart version', () => choose(page, 8, CHART_VERSION)],
      [9, 'NFS server', () => answer(page, 9, '10.100.0.4')],
      [10, 'NFS path', () => answer(page, 10, '/nfs')],
      [11, 'storage class', () => answer(page, 11)],
      [12, 'cluster name', () => answer(page, 12)],
      [13, 'Grafana user', () => answer(page, 13)],
      [14, 'Grafana password', () => answer(page, 14, GRAFANA_PASSWORD)],
      [15, 'MySQL size', () => answer(page, 15)],
      [16, 'ClickHouse path size', () => answer(page, 16)],
      [17, 'ClickHouse storage size', () => answer(page, 17)],
    ];
    for (const [step, what, act] of steps) {
      await assertNoErrorBeforeTyping(page, step, what);
      await act();
    }

    // The platform is self-signed: trust it through its CA file instead of pinning the fingerprint.
    await waitForDialog(page, /not trusted/);
    await clickDialogButton(page, /not trusted/, 'Pick CA File…');
    await pickInFileDialog(page, 'The CA certificate that signed', caFile);
    await waitForDialog(page, /Install DeepFlow on/, 120_000);
    await clickDialogButton(page, /Install DeepFlow on/, 'Install');
    await waitForNotification(page, `DeepFlow is ready on ${sim.info.clusterName}`, 420_000);
    const log = extensionLogFile(server);
    assert.match(log ? readFileSync(log, 'utf8') : '', /Trusting https:\/\/127\.0\.0\.1:\d+ through the CA in .*platform-ca\.pem/, 'the platform was not trusted through the picked CA file');
    assert.deepEqual(sim.pushes().map((p) => `${p.file} by ${p.user}`), ['nfs.amd64.v4.0.2.tgz by admin@cpaas.io', `deepflow-${CHART_VERSION}.tgz by admin@cpaas.io`]);
  });

  test('a platform token logs violet in: a new DeepFlow artifact is pushed as the token user', async function () {
    assert.ok(world);
    const { sim, browser, dir } = world;
    const { page } = browser;
    // A chart version the cluster does not run yet, so the push is not skipped (the NFS artifact is: ars/nfs is healthy).
    const newer = join(dir, 'artifacts', 'deepflow-v3.19.1-fix.50.1.gabcdef01-dbs.tgz');
    writeFileSync(newer, Buffer.alloc(4096, 3));
    await clearNotifications(page);
    await runCommand(page, 'DeepFlow: Push Artifacts');
    await answer(page, 1);
    await choose(page, 2, 'Platform token');
    await assertNoErrorBeforeTyping(page, 3, 'token');
    assert.match(await inputMessage(page), /platform API token/);
    await answer(page, 3, sim.platformToken);
    await choose(page, 4, "Don't keep the token");
    await answer(page, 5);
    await answer(page, 6, newer);
    await waitForNotification(page, /Push artifacts done/, 120_000);
    assert.deepEqual(sim.pushes().slice(2).map((p) => `${p.file} by ${p.user}`), ['deepflow-v3.19.1-fix.50.1.gabcdef01-dbs.tgz by token']);
  });

  test('a saved password typed over and not kept is deleted from secret storage', async function () {
    assert.ok(world);
    const { sim, browser } = world;
    const { page } = browser;
    const pushWithPassword = async (): Promise<void> => {
      await runCommand(page, 'DeepFlow: Push Artifacts');
      await answer(page, 1);
      await choose(page, 2, 'Username and password');
      await answer(page, 3);
      await waitForStep(page, 4);
    };
    await clearNotifications(page);
    await pushWithPassword();
    assert.match(await inputMessage(page), /password saved for admin@cpaas\.io/, 'the password kept in the first test is not offered');
    await answer(page, 4, sim.info.platformPassword);
    await choose(page, 5, "Don't keep the password");
    await answer(page, 6);
    await answer(page, 7);
    await waitForNotification(page, /Push artifacts done/, 60_000);

    await pushWithPassword();
    const prompt = await inputMessage(page);
    await page.keyboard.press('Escape');
    assert.doesNotMatch(prompt, /saved/, 'the replaced password is still offered from secret storage');
    assert.match(prompt, /The password of admin@cpaas\.io on https:/);
  });

  test('a rerun with a new MySQL size shows the values diff: declined keeps the values, confirmed applies them', async function () {
    assert.ok(world);
    const { sim, browser, kubeconfig } = world;
    const deepflowArtifact = world.artifacts.deepflow;
    const { page } = browser;
    const mysqlSize = async (): Promise<string> => {
      const app = await kubectlGet(kubeconfig, ['applications.app.k8s.io', 'deepflow', '-n', 'cpaas-system']);
      const values = (app?.metadata as { annotations?: Record<string, string> } | undefined)?.annotations?.['app.cpaas.io/chart.values'] ?? '{}';
      return (JSON.parse(values) as { mysql?: { storageConfig?: { persistence?: { size?: string } } } }).mysql?.storageConfig?.persistence?.size ?? '';
    };
    const installWithMysql = async (size: string): Promise<string> => {
      await runExactCommand(page, 'DeepFlow: Install DeepFlow');
      await answer(page, 1, deepflowArtifact); // not the newer one the token test pushed
      await choose(page, 2, CHART_VERSION);
      await answer(page, 3);
      await answer(page, 4);
      await answer(page, 5);
      await answer(page, 6, GRAFANA_PASSWORD);
      await answer(page, 7, size);
      await answer(page, 8);
      await answer(page, 9);
      await waitForDialog(page, /Install DeepFlow on/, 120_000);
      await clickDialogButton(page, /Install DeepFlow on/, 'Install');
      return waitForDialog(page, /Update the installed DeepFlow/, 120_000);
    };
    assert.equal(await mysqlSize(), '50Gi');

    await clearNotifications(page);
    const diff = await installWithMysql('60Gi');
    assert.match(diff, /50Gi/);
    assert.match(diff, /60Gi/);
    assert.doesNotMatch(diff, new RegExp(GRAFANA_PASSWORD.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the diff shows the Grafana password');
    await clickDialogButton(page, /Update the installed DeepFlow/, 'Cancel');
    await waitForNotification(page, /Kept the installed DeepFlow values/, 60_000);
    assert.equal(await mysqlSize(), '50Gi', 'declining changed the values');

    await clearNotifications(page);
    await installWithMysql('60Gi');
    await clickDialogButton(page, /Update the installed DeepFlow/, 'Update');
    await waitForNotification(page, `DeepFlow is ready on ${sim.info.clusterName}`, 300_000);
    assert.equal(await mysqlSize(), '60Gi', 'confirming did not apply the new size');
  });

  test('Uninstall DeepFlow: Cancel removes nothing; Uninstall removes DeepFlow and keeps MySQL\'s claim, the storage class and the NFS plugin', async function () {
    assert.ok(world);
    const { browser, kubeconfig } = world;
    const { page } = browser;
    await clearNotifications(page);
    await runCommand(page, 'DeepFlow: Uninstall DeepFlow');
    await waitForDialog(page, /Uninstall DeepFlow from/);
    await clickDialogButton(page, /Uninstall DeepFlow from/, 'Cancel');
    await page.waitForTimeout(1_000);
    assert.ok(await kubectlGet(kubeconfig, ['applications.app.k8s.io', 'deepflow', '-n', 'cpaas-system']), 'Cancel removed the Application');
    assert.ok(await kubectlGet(kubeconfig, ['ingress', 'deepflow-grafana', '-n', 'cpaas-system']), 'Cancel removed the Ingress');

    await runCommand(page, 'DeepFlow: Uninstall DeepFlow');
    await waitForDialog(page, /Uninstall DeepFlow from/);
    await clickDialogButton(page, /Uninstall DeepFlow from/, 'Uninstall');
    await waitForNotification(page, /DeepFlow was uninstalled from/, 180_000);
    const left = await kubectl(kubeconfig, ['get', 'deployments,statefulsets,daemonsets,applications.app.k8s.io,ingress', '-n', 'cpaas-system', '-o', 'name']);
    assert.doesNotMatch(left, /deepflow/, `DeepFlow objects are left:\n${left}`);
    assert.ok(await kubectlGet(kubeconfig, ['pvc', 'deepflow-mysql', '-n', 'cpaas-system']), "MySQL's claim was not kept");
    assert.ok(await kubectlGet(kubeconfig, ['storageclass', 'nfs']), 'the storage class was not kept');
    assert.ok(await kubectlGet(kubeconfig, ['clusterplugininstances.cluster.alauda.io', 'nfs']), 'the NFS plugin was not kept');
  });
});
