// The guided install in a real VS Code (code-server) driven by real Chromium, against the ACP simulator: answers
// typed into the input boxes, bad answers refused in the box, the self-signed platform refused until trusted, the
// install ending with the ready notification, the real kubectl checking what was applied, and no secret on disk.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { buildGrafanaIngress, buildNfsStorageClass } from '../../src/acp/manifests';
import { containsDesired } from '../../src/install/apply';
import { startSimulator } from '../sim/index';
import { freePort, startCodeServer, type CodeServer } from './codeServer';
import { packageExtension } from './extension';
import {
  answer,
  choose,
  clearNotifications,
  clickDialogButton,
  clickNotificationButton,
  filesContaining,
  kubectl,
  kubectlGet,
  pressEnterAndStay,
  runExactCommand,
  selectContext,
  inputMessage,
  stepValue,
  typeAndExpectMessage,
  waitForStep as waitForStepTitle,
  waitForDialog,
} from './installHelpers';
import { resultsDir } from './paths';
import { extensionLogFile, launchBrowser, runCommand, saveArtifacts, waitForNotification, waitForWorkbench, type Browser } from './workbench';

const screens = join(resultsDir, 'install-screens');

type Sim = Awaited<ReturnType<typeof startSimulator>>;

const CONTAINER = 'DeepFlow';
const GUIDED = 'DeepFlow: Install DeepFlow (Guided)';
const CHART_VERSION = 'v3.19.0-fix.49.27.gb547cdc5-dbs';
/** Everything a shell heredoc or a naive JSON template breaks on: ", \, $, a space and non-ASCII letters. */
const GRAFANA_PASSWORD = 'Gr"af\\ana $HOME pässwörd Ω';
const NFS_SERVER = '10.100.0.4';
const NFS_PATH = '/nfs';

interface Answers {
  platformUrl?: string;
  password: string;
  grafanaPassword: string;
}

/** Steps of the guided install with username and password (see src/commands/install/prompts.ts). */
const S = {
  platform: 1,
  auth: 2,
  username: 3,
  password: 4,
  keep: 5,
  nfsArtifact: 6,
  deepflowArtifact: 7,
  chartVersion: 8,
  nfsServer: 9,
  nfsPath: 10,
  storageClass: 11,
  clusterName: 12,
  grafanaUser: 13,
  grafanaPassword: 14,
  grafanaKeep: 15,
  mysql: 16,
  clickhousePath: 17,
  clickhouseStorage: 18,
} as const;

suite('install: the guided install in a real VS Code', function () {
  this.timeout(600_000);
  let sim: Sim | undefined;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let dir = '';
  let kubeconfig = '';
  let nfsArtifact = '';
  let deepflowArtifact = '';

  suiteSetup(async function () {
    const vsix = await packageExtension();
    sim = await startSimulator({ timeScale: 0.05 });
    dir = mkdtempSync(join(tmpdir(), 'deepflow-e2e-install-'));
    mkdirSync(screens, { recursive: true });
    kubeconfig = join(dir, 'kubeconfig');
    sim.writeKubeconfig(kubeconfig);
    const artifacts = join(dir, 'artifacts');
    mkdirSync(artifacts);
    nfsArtifact = join(artifacts, 'nfs.amd64.v4.0.2.tgz');
    deepflowArtifact = join(artifacts, `deepflow-${CHART_VERSION}.tgz`);
    writeFileSync(nfsArtifact, Buffer.alloc(2048, 1));
    writeFileSync(deepflowArtifact, Buffer.alloc(4096, 2));
    writeFileSync(join(artifacts, 'notes.txt'), 'not an artifact');
    // A second context whose token may only read: the preflight must stop there.
    const viewerToken = sim.addToken({ user: 'viewer', rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: ['*'], resources: ['*'] }] });
    const config = parse(readFileSync(kubeconfig, 'utf8')) as { clusters: { name: string }[]; users: unknown[]; contexts: unknown[] };
    const clusterEntry = config.clusters[0]?.name ?? sim.info.clusterName;
    config.users.push({ name: 'viewer', user: { token: viewerToken } });
    config.contexts.push({ name: 'viewer', context: { cluster: clusterEntry, user: 'viewer' } });
    writeFileSync(kubeconfig, stringify(config));
    server = await startCodeServer({ extension: { vsix }, kubeconfig });
    browser = await launchBrowser();
    await browser.page.goto(server.workbenchUrl());
    await waitForWorkbench(browser.page, CONTAINER, 120_000);
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

  /** Waits until the DeepFlow log matches `pattern` (settings changes apply asynchronously). */
  async function logShows(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const file = server ? extensionLogFile(server) : undefined;
      if (file && pattern.test(readFileSync(file, 'utf8'))) return;
      if (Date.now() > deadline) throw new Error(`the DeepFlow log never matched ${String(pattern)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Nothing of the install is in the cluster, and nothing was pushed. */
  async function assertNothingApplied(): Promise<void> {
    assert.ok(sim);
    assert.equal(await kubectlGet(kubeconfig, ['storageclass', 'nfs']), undefined, 'a StorageClass was created');
    assert.equal(await kubectlGet(kubeconfig, ['clusterplugininstances.cluster.alauda.io', 'nfs']), undefined, 'the NFS plugin was installed');
    assert.equal(await kubectlGet(kubeconfig, ['applications.app.k8s.io', 'deepflow', '-n', 'cpaas-system']), undefined, 'the Application was created');
    assert.deepEqual(sim.pushes(), [], 'violet pushed something');
  }

  /** Walks the guided install's input boxes with good answers (the defaults where `undefined`). */
  async function answerAll(a: Answers): Promise<void> {
    assert.ok(browser);
    const { page } = browser;
    await answer(page, S.platform, a.platformUrl);
    await choose(page, S.auth, 'Username and password');
    await answer(page, S.username, sim?.info.platformUsername);
    await answer(page, S.password, a.password);
    await choose(page, S.keep, "Don't keep the password");
    await answer(page, S.nfsArtifact, nfsArtifact);
    await answer(page, S.deepflowArtifact, deepflowArtifact);
    await choose(page, S.chartVersion, CHART_VERSION);
    await answer(page, S.nfsServer, NFS_SERVER);
    await answer(page, S.nfsPath, NFS_PATH);
    await answer(page, S.storageClass);
    await answer(page, S.clusterName);
    await answer(page, S.grafanaUser);
    await answer(page, S.grafanaPassword, a.grafanaPassword);
    await choose(page, S.grafanaKeep, "Don't keep the Grafana password");
    await answer(page, S.mysql);
    await answer(page, S.clickhousePath);
    await answer(page, S.clickhouseStorage);
  }

  test('bad answers are refused in the input box, and an untrusted platform certificate stops the install before anything is applied', async function () {
    assert.ok(browser && sim);
    const { page } = browser;
    const platformUrl = sim.info.platformUrl;
    const port = new URL(platformUrl).port;
    await runCommand(page, GUIDED);

    await typeAndExpectMessage(page, S.platform, `http://127.0.0.1:${port}`, /https/);
    await pressEnterAndStay(page, S.platform);
    await typeAndExpectMessage(page, S.platform, `https://[::1]:${port}`, /IPv6/);
    await pressEnterAndStay(page, S.platform);
    await answer(page, S.platform, platformUrl);
    await choose(page, S.auth, 'Username and password');
    await answer(page, S.username, sim.info.platformUsername);
    await answer(page, S.password, sim.info.platformPassword);
    await choose(page, S.keep, "Don't keep the password");
    await typeAndExpectMessage(page, S.nfsArtifact, join(dir, 'artifacts', 'notes.txt'), /not a \.tgz/);
    await typeAndExpectMessage(page, S.nfsArtifact, deepflowArtifact, /is the DeepFlow artifact/);
    await answer(page, S.nfsArtifact, nfsArtifact);
    await answer(page, S.deepflowArtifact, deepflowArtifact);
    await choose(page, S.chartVersion, CHART_VERSION);
    await answer(page, S.nfsServer, NFS_SERVER);
    await typeAndExpectMessage(page, S.nfsPath, 'nfs', /absolute/);
    await pressEnterAndStay(page, S.nfsPath);
    await answer(page, S.nfsPath, NFS_PATH);
    await answer(page, S.storageClass);
    // The default comes from the kubeconfig context's cluster, never the guide's typo.
    assert.equal(await stepValue(page, S.clusterName), sim.info.clusterName);
    await typeAndExpectMessage(page, S.clusterName, 'Cluster1', /lowercase/);
    await pressEnterAndStay(page, S.clusterName);
    await answer(page, S.clusterName, sim.info.clusterName);
    await answer(page, S.grafanaUser);
    // The default is a strong generated password; the chart's default is refused.
    assert.match(await stepValue(page, S.grafanaPassword), /^[A-Za-z0-9]{24}$/, 'the Grafana password is not a generated one');
    await typeAndExpectMessage(page, S.grafanaPassword, 'deepflow', /chart's default Grafana password/);
    await pressEnterAndStay(page, S.grafanaPassword);
    await answer(page, S.grafanaPassword, GRAFANA_PASSWORD);
    await choose(page, S.grafanaKeep, "Don't keep the Grafana password");
    await typeAndExpectMessage(page, S.mysql, '50GB', /not a Kubernetes quantity/);
    await page.screenshot({ path: join(screens, 'bad-size.png') });
    await pressEnterAndStay(page, S.mysql);
    await answer(page, S.mysql, '50Gi');
    await answer(page, S.clickhousePath);
    await answer(page, S.clickhouseStorage);

    // The platform's certificate is self-signed: its fingerprint is shown, and declining stops everything.
    const dialog = await waitForDialog(page, /not trusted/);
    assert.ok(dialog.includes(sim.info.platformFingerprint), `the dialog does not show the fingerprint ${sim.info.platformFingerprint}:\n${dialog}`);
    assert.match(dialog, /violet's download and its pushes.*relay on 127\.0\.0\.1.*A violet that bypasses the relay is not covered/s, 'the trust prompt does not say what it covers for violet');
    await page.screenshot({ path: join(screens, 'trust.png') });
    await clickDialogButton(page, /not trusted/, 'Cancel');
    await waitForNotification(page, /is not trusted, so nothing was sent to it or downloaded from it/, 30_000);
    await assertNothingApplied();
  });

  test('the guided install ends with "DeepFlow is ready", and kubectl sees what the guide applies', async function () {
    assert.ok(browser && sim);
    const { page } = browser;
    await page.keyboard.press('Escape');
    await runCommand(page, GUIDED);
    // The last answers are the defaults now (no secret among them).
    assert.equal(await stepValue(page, S.platform), sim.info.platformUrl);
    await answerAll({ password: sim.info.platformPassword, grafanaPassword: GRAFANA_PASSWORD });

    await waitForDialog(page, /not trusted/);
    await clickDialogButton(page, /not trusted/, 'Trust This Certificate');
    const preflight = await waitForDialog(page, /Install DeepFlow on/, 120_000);
    assert.match(preflight, /350Gi/, `the preflight does not show the requested storage:\n${preflight}`);
    await clickDialogButton(page, /Install DeepFlow on/, 'Install');

    const ready = await waitForNotification(page, `DeepFlow is ready on ${sim.info.clusterName}`, 420_000);
    await page.screenshot({ path: join(screens, 'ready.png') });
    assert.ok(ready.includes(sim.info.clusterName));
    assert.ok(await page.locator('.notifications-toasts .monaco-button', { hasText: 'Open Grafana' }).first().isVisible(), 'no "Open Grafana" button');

    const phase = await kubectl(kubeconfig, ['get', 'applications.app.k8s.io', 'deepflow', '-n', 'cpaas-system', '-o', 'jsonpath={.spec.assemblyPhase}']);
    assert.equal(phase, 'Succeeded');
    const app = await kubectlGet(kubeconfig, ['applications.app.k8s.io', 'deepflow', '-n', 'cpaas-system']);
    const annotations = (app?.metadata as { annotations?: Record<string, string> } | undefined)?.annotations ?? {};
    const values = JSON.parse(annotations['app.cpaas.io/chart.values'] ?? 'null') as {
      mysql: { storageConfig: { persistence: { size: string } } };
      grafana: { adminPassword: string };
      'deepflow-agent': { clusterNAME: string };
    };
    assert.equal(values.mysql.storageConfig.persistence.size, '50Gi');
    assert.equal(values.grafana.adminPassword, GRAFANA_PASSWORD, 'the Grafana password did not arrive exactly');
    const secret = await kubectlGet(kubeconfig, ['secret', 'deepflow-grafana', '-n', 'cpaas-system']);
    const rendered = (secret?.data as Record<string, string> | undefined)?.['admin-password'] ?? '';
    assert.equal(Buffer.from(rendered, 'base64').toString('utf8'), GRAFANA_PASSWORD, "the chart's Grafana Secret does not hold the password exactly");
    assert.equal(values['deepflow-agent'].clusterNAME, sim.info.clusterName);
    assert.equal(annotations['app.cpaas.io/chart.version'], CHART_VERSION);

    const sc = await kubectlGet(kubeconfig, ['storageclass', 'nfs']);
    assert.ok(containsDesired(sc, buildNfsStorageClass({ name: 'nfs', server: NFS_SERVER, share: NFS_PATH })), `StorageClass differs from the guide: ${JSON.stringify(sc)}`);
    assert.equal(sc?.provisioner, 'nfs.csi.k8s.io');
    const ingress = await kubectlGet(kubeconfig, ['ingress', 'deepflow-grafana', '-n', 'cpaas-system']);
    assert.ok(containsDesired(ingress, buildGrafanaIngress(sim.info.clusterName)), `Ingress differs from the guide: ${JSON.stringify(ingress)}`);

    const pushes = sim.pushes().map((p) => p.file);
    assert.deepEqual(pushes, ['nfs.amd64.v4.0.2.tgz', `deepflow-${CHART_VERSION}.tgz`]);
  });

  test('a rerun skips every done step, says so, and changes no resourceVersion', async function () {
    assert.ok(browser && sim);
    const { page } = browser;
    const jsonpath = 'jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion} {end}';
    const versions = async (): Promise<string> =>
      (await kubectl(kubeconfig, ['get', 'clusterplugininstances.cluster.alauda.io/nfs', 'storageclass/nfs', '-o', jsonpath])) +
      (await kubectl(kubeconfig, ['get', 'applications.app.k8s.io/deepflow', 'ingress/deepflow-grafana', '-n', 'cpaas-system', '-o', jsonpath]));
    const before = await versions();
    await clearNotifications(page);
    await runCommand(page, GUIDED);
    await answerAll({ password: sim.info.platformPassword, grafanaPassword: GRAFANA_PASSWORD });
    // The certificate is pinned now: no trust question, straight to the preflight's confirmation.
    await waitForDialog(page, /Install DeepFlow on/, 120_000);
    await clickDialogButton(page, /Install DeepFlow on/, 'Install');
    const ready = await waitForNotification(page, /DeepFlow is ready on .*Skipped, already done/, 180_000);
    assert.match(ready, /Download violet, Push artifacts, Install NFS plugin, Create NFS storage class, Install DeepFlow/);
    assert.equal(await versions(), before, 'a rerun changed objects');
    assert.equal(sim.pushes().length, 2, 'a rerun pushed again');
  });
  test('each step command asks only for its answers and reports its done step as skipped', async function () {
    assert.ok(browser && sim);
    const { page } = browser;
    await clearNotifications(page);
    await runCommand(page, 'DeepFlow: Download violet');
    assert.match(await waitForStepTitle(page, 1), /\(1\/1\)/);
    await answer(page, 1);
    await waitForNotification(page, /Download violet done\. Skipped, already done: Download violet/, 60_000);

    await clearNotifications(page);
    await runCommand(page, 'DeepFlow: Push Artifacts');
    await answer(page, 1);
    await choose(page, 2, 'Username and password');
    await answer(page, 3);
    await answer(page, 4, sim.info.platformPassword);
    await choose(page, 5, "Keep the password in VS Code's secret storage");
    await answer(page, 6);
    assert.match(await waitForStepTitle(page, 7), /\(7\/7\)/);
    await answer(page, 7);
    await waitForNotification(page, /Push artifacts done\. Skipped, already done: Push artifacts/, 60_000);

    // The kept password comes back from SecretStorage: Enter on an empty box uses it, and "keep?" is not asked again.
    await clearNotifications(page);
    await runCommand(page, 'DeepFlow: Push Artifacts');
    await answer(page, 1);
    await choose(page, 2, 'Username and password');
    await answer(page, 3);
    await waitForStepTitle(page, 4);
    assert.match(await inputMessage(page), /password saved for/);
    await answer(page, 4, '');
    assert.match(await waitForStepTitle(page, 5), /\(5\/6\)/);
    await answer(page, 5);
    await answer(page, 6);
    await waitForNotification(page, /Push artifacts done\. Skipped, already done: Push artifacts/, 60_000);

    await clearNotifications(page);
    await runCommand(page, 'DeepFlow: Install NFS Plugin');
    await waitForNotification(page, /Install NFS plugin done\. Skipped, already done: Install NFS plugin/, 60_000);

    await clearNotifications(page);
    await runCommand(page, 'DeepFlow: Create NFS Storage Class');
    assert.equal(await stepValue(page, 1), NFS_SERVER, 'the NFS server is not the last answer');
    await answer(page, 1);
    await typeAndExpectMessage(page, 2, 'nfs', /absolute/);
    await answer(page, 2, NFS_PATH);
    assert.match(await waitForStepTitle(page, 3), /\(3\/3\)/);
    await answer(page, 3);
    await waitForNotification(page, /Create NFS storage class done\. Skipped, already done: Create NFS storage class/, 60_000);
    assert.equal(sim.pushes().length, 2, 'a step command pushed again');
  });

  test('the Grafana password defaults to a generated one, which can be kept and is offered for copying once', async function () {
    assert.ok(browser && sim);
    const { page } = browser;
    const answerUpToPassword = async (): Promise<void> => {
      await runExactCommand(page, 'DeepFlow: Install DeepFlow');
      await answer(page, 1);
      await choose(page, 2, CHART_VERSION);
      await answer(page, 3);
      await answer(page, 4);
      await answer(page, 5);
    };
    await clearNotifications(page);
    await answerUpToPassword();
    const generated = await stepValue(page, 6);
    assert.match(generated, /^[A-Za-z0-9]{24}$/, 'the Grafana password is not a generated one');
    await answer(page, 6);
    await choose(page, 7, "Keep the Grafana password in VS Code's secret storage");
    await answer(page, 8);
    await answer(page, 9);
    await answer(page, 10);
    await waitForDialog(page, /Install DeepFlow on/, 120_000);
    const note = await waitForNotification(page, /gets a generated password\. It is kept in VS Code's secret storage\./, 30_000);
    assert.ok(!note.includes(generated), 'the notification shows the password itself');
    assert.ok(await page.locator('.notifications-toasts .monaco-button', { hasText: 'Copy Password' }).first().isVisible(), 'no "Copy Password" button');
    // Declining the install changes nothing; the kept password is offered next time instead of a new one.
    await clickDialogButton(page, /Install DeepFlow on/, 'Cancel');
    await answerUpToPassword();
    assert.equal(await stepValue(page, 6), generated, 'the kept Grafana password is not offered again');
    assert.match(await inputMessage(page), /kept for admin on/);
    await page.keyboard.press('Escape');
  });

  test('uninstall names what goes and what is kept, removes DeepFlow and keeps MySQL\'s volume claim', async function () {
    assert.ok(browser && sim);
    const { page } = browser;
    await clearNotifications(page);
    await runCommand(page, 'DeepFlow: Uninstall DeepFlow');
    const dialog = await waitForDialog(page, /Uninstall DeepFlow from/);
    for (const expected of [/Removed:/, /Ingress deepflow-grafana/, /Application deepflow/, /Kept:/, /MySQL's volume claim/, /StorageClass nfs/]) {
      assert.match(dialog, expected);
    }
    await clickDialogButton(page, /Uninstall DeepFlow from/, 'Uninstall');
    await waitForNotification(page, /DeepFlow was uninstalled from/, 180_000);
    assert.equal(await kubectlGet(kubeconfig, ['applications.app.k8s.io', 'deepflow', '-n', 'cpaas-system']), undefined);
    assert.equal(await kubectlGet(kubeconfig, ['ingress', 'deepflow-grafana', '-n', 'cpaas-system']), undefined);
    assert.equal(await kubectlGet(kubeconfig, ['deployment', 'deepflow-server', '-n', 'cpaas-system']), undefined);
    assert.ok(await kubectlGet(kubeconfig, ['pvc', 'deepflow-mysql', '-n', 'cpaas-system']), "MySQL's claim was not kept");
    assert.ok(await kubectlGet(kubeconfig, ['storageclass', 'nfs']), 'the storage class was not kept');
  });

  test('"Install DeepFlow" cancelled during its wait resumes on rerun with no duplicates; a further rerun changes nothing', async function () {
    assert.ok(browser && sim);
    const { page } = browser;
    const installDeepflow = async (): Promise<void> => {
      await runExactCommand(page, 'DeepFlow: Install DeepFlow');
      await answer(page, 1); // the DeepFlow artifact: the last answer
      await choose(page, 2, CHART_VERSION);
      await answer(page, 3);
      await answer(page, 4);
      await answer(page, 5);
      await answer(page, 6, GRAFANA_PASSWORD);
      await choose(page, 7, "Don't keep the Grafana password");
      await answer(page, 8);
      await answer(page, 9);
      assert.match(await waitForStepTitle(page, 10), /\(10\/10\)/);
      await answer(page, 10);
      await waitForDialog(page, /Install DeepFlow on/, 120_000);
      await clickDialogButton(page, /Install DeepFlow on/, 'Install');
    };
    // deepflow-server crash-loops, so the wait cannot finish until the test cancels it.
    sim.faults.crashLoop = 'deepflow-server';
    try {
      await clearNotifications(page);
      await installDeepflow();
      await clickNotificationButton(page, /waiting for/, 'Cancel', 120_000);
      await waitForNotification(page, /Install DeepFlow was cancelled/, 60_000);
      const phase = await kubectl(kubeconfig, ['get', 'applications.app.k8s.io', 'deepflow', '-n', 'cpaas-system', '-o', 'jsonpath={.spec.assemblyPhase}']);
      assert.notEqual(phase, 'Succeeded');
      assert.equal(await kubectlGet(kubeconfig, ['ingress', 'deepflow-grafana', '-n', 'cpaas-system']), undefined, 'the Ingress was applied before the wait finished');
    } finally {
      sim.faults.crashLoop = '';
    }

    await clearNotifications(page);
    await installDeepflow();
    await waitForNotification(page, `DeepFlow is ready on ${sim.info.clusterName}`, 300_000);
    const names = async (kind: string): Promise<string> => kubectl(kubeconfig, ['get', kind, '-n', 'cpaas-system', '-o', 'jsonpath={.items[*].metadata.name}']);
    assert.equal(await names('applications.app.k8s.io'), 'deepflow');
    assert.equal(await names('ingress'), 'deepflow-grafana');
    assert.deepEqual((await names('deployments')).split(' ').filter((n) => n.startsWith('deepflow-')).sort(), ['deepflow-app', 'deepflow-grafana', 'deepflow-mysql', 'deepflow-server']);

    const jsonpath = '{.metadata.resourceVersion}';
    const versions = async (): Promise<string[]> => [
      await kubectl(kubeconfig, ['get', 'applications.app.k8s.io/deepflow', '-n', 'cpaas-system', '-o', `jsonpath=${jsonpath}`]),
      await kubectl(kubeconfig, ['get', 'ingress/deepflow-grafana', '-n', 'cpaas-system', '-o', `jsonpath=${jsonpath}`]),
    ];
    const before = await versions();
    await clearNotifications(page);
    await installDeepflow();
    await waitForNotification(page, /DeepFlow is ready on .*Skipped, already done: Install DeepFlow/, 180_000);
    assert.deepEqual(await versions(), before, 'the further rerun changed the Application or the Ingress');
  });
  test('a platform certificate that changed after it was trusted is refused', async function () {
    assert.ok(browser);
    const { page } = browser;
    const port = await freePort();
    const first = await startSimulator({ timeScale: 0.05, platformPort: port });
    try {
      await clearNotifications(page);
      await runCommand(page, 'DeepFlow: Download violet');
      await answer(page, 1, first.info.platformUrl);
      await waitForDialog(page, /not trusted/);
      await clickDialogButton(page, /not trusted/, 'Trust This Certificate');
      await waitForNotification(page, /Download violet done/, 60_000);
    } finally {
      await first.stop();
    }
    const second = await startSimulator({ timeScale: 0.05, platformPort: port });
    try {
      assert.notEqual(second.info.platformFingerprint, first.info.platformFingerprint);
      await clearNotifications(page);
      await runCommand(page, 'DeepFlow: Download violet');
      await answer(page, 1, second.info.platformUrl);
      const refused = await waitForNotification(page, /has changed since you trusted it/, 60_000);
      assert.ok(refused.includes(second.info.platformFingerprint), `the refusal does not name the new fingerprint: ${refused}`);
    } finally {
      await second.stop();
    }
  });

  test('a context without the rights stops the preflight with a message naming the verb and the resource', async function () {
    assert.ok(browser && sim);
    const { page } = browser;
    const rv = (): Promise<string> => kubectl(kubeconfig, ['get', 'clusterplugininstances.cluster.alauda.io/nfs', '-o', 'jsonpath={.metadata.resourceVersion}']);
    const before = await rv();
    await clearNotifications(page);
    await selectContext(page, 'viewer');
    await logShows(/context set to viewer/);
    try {
      await runCommand(page, 'DeepFlow: Install NFS Plugin');
      const message = await waitForNotification(page, /preflight check of viewer failed/, 60_000);
      assert.match(message, /You may not create clusterplugininstances\.cluster\.alauda\.io \(cluster-wide\)/);
      assert.equal(await rv(), before, 'the plugin instance was changed');
    } finally {
      await clearNotifications(page);
      await selectContext(page, sim.info.clusterName);
      await logShows(/context set to (?!viewer)\S+\n(?![\s\S]*context set to viewer)/);
    }
  });

  test('no secret is in the log, settings.json or any file the extension or VS Code wrote', function () {
    assert.ok(server && sim);
    const log = extensionLogFile(server);
    assert.ok(log, 'no DeepFlow log file');
    const text = readFileSync(log, 'utf8');
    writeFileSync(join(screens, 'DeepFlow.log'), text);
    assert.match(text, /Applied StorageClass nfs/);
    assert.match(text, /Applied Application cpaas-system\/deepflow/);
    assert.match(text, /Applied Ingress cpaas-system\/deepflow-grafana/);
    assert.match(text, /••••••/, 'the log never shows the mask');
    assert.match(text, /violet reaches https:\/\/127\.0\.0\.1:\d+ through a relay on 127\.0\.0\.1/, 'the log does not say how the push was covered');
    const secrets = [sim.info.platformPassword, GRAFANA_PASSWORD];
    // Everything under the server's temp root: home (settings.json, globalStorage with violet), user data (logs,
    // state databases), the workspace; the installed extension is skipped (it is the .vsix as shipped).
    const hits = filesContaining(server.root, secrets, (p) => p.startsWith(server?.extensionsDir ?? '\0'));
    assert.deepEqual(hits, [], `secrets found on disk:\n${hits.join('\n')}`);
  });

});
