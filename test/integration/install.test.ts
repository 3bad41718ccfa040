/**
 * The install engine against the ACP simulator: preflight, the guided install from violet to the Ingress, a rerun
 * that changes nothing, a values update behind a confirmation, cancel-and-resume without duplicates, and uninstall.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redactor } from '../../src/acp/redact';
import { ClusterClient, loadKubeconfig, type KubeObject, type Logger, type ObjectRef } from '../../src/cluster';
import {
  buildInstallSteps,
  deepflowApplicationRef,
  grafanaIngressRef,
  memoryPushLedger,
  nfsAppReleaseRef,
  planUninstall,
  runInstall,
  runPreflight,
  runUninstall,
  type InstallContext,
  type InstallPlan,
  type PushLedger,
} from '../../src/install';
import { startSimulator, type StartedSimulator } from '../sim/index';

const CHART_VERSION = 'v3.19.0-fix.49.27.gb547cdc5-dbs';
const NFS_ARTIFACT = 'nfs.amd64.v4.0.2.tgz';
const DEEPFLOW_ARTIFACT = `deepflow-${CHART_VERSION}.tgz`;
const GRAFANA_PASSWORD = 'Gr"a\\f $ana ñandú 密码';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`), debug: (m) => lines.push(`debug ${m}`) };
}

const cpiRef: ObjectRef = { apiVersion: 'cluster.alauda.io/v1alpha1', kind: 'ClusterPluginInstance', name: 'nfs' };
const storageClassRef: ObjectRef = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: 'nfs' };

interface Harness {
  sim: StartedSimulator;
  dir: string;
  client: ClusterClient;
  plan: InstallPlan;
  ledger: PushLedger;
}

async function startHarness(options: { oldKernelNodes?: number } = {}): Promise<Harness> {
  const sim = await startSimulator({ timeScale: 0.05, oldKernelNodes: options.oldKernelNodes });
  const dir = mkdtempSync(join(tmpdir(), 'deepflow-install-'));
  const kubeconfig = join(dir, 'kubeconfig');
  sim.writeKubeconfig(kubeconfig);
  const client = ClusterClient.forContext(loadKubeconfig({ settingValue: kubeconfig }));
  writeFileSync(join(dir, NFS_ARTIFACT), Buffer.alloc(1024, 1));
  writeFileSync(join(dir, DEEPFLOW_ARTIFACT), Buffer.alloc(4096, 2));
  const plan: InstallPlan = {
    platform: { url: sim.info.platformUrl, trust: { kind: 'pinned', fingerprint: sim.info.platformFingerprint } },
    credentials: { kind: 'password', username: sim.info.platformUsername, password: sim.info.platformPassword },
    artifacts: { nfs: join(dir, NFS_ARTIFACT), deepflow: join(dir, DEEPFLOW_ARTIFACT) },
    storageClass: { name: 'nfs', server: '127.0.0.1', share: '/nfs' },
    deepflow: {
      chartVersion: CHART_VERSION,
      clusterName: sim.info.clusterName,
      grafanaAdminUser: 'admin',
      grafanaAdminPassword: GRAFANA_PASSWORD,
      storageClass: 'nfs',
      mysqlSize: '50Gi',
      clickhousePathSize: '100Gi',
      clickhouseStoragePathSize: '200Gi',
    },
  };
  return { sim, dir, client, plan, ledger: memoryPushLedger() };
}

interface RunRecord {
  ctx: InstallContext;
  progress: string[];
  logger: ReturnType<typeof recordingLogger>;
  controller: AbortController;
  questions: { question: string; detail: string }[];
}

function context(h: Harness, options: { confirm?: boolean; ledger?: PushLedger; onProgress?: (message: string, run: RunRecord) => void } = {}): RunRecord {
  const logger = recordingLogger();
  const controller = new AbortController();
  const progress: string[] = [];
  const questions: { question: string; detail: string }[] = [];
  const redactor = new Redactor();
  redactor.register(h.sim.info.platformPassword);
  const run: RunRecord = {
    progress,
    logger,
    controller,
    questions,
    ctx: {
      client: h.client,
      logger,
      signal: controller.signal,
      progress: (message) => {
        progress.push(message);
        options.onProgress?.(message, run);
      },
      confirm: (question, detail) => {
        questions.push({ question, detail });
        return Promise.resolve(options.confirm ?? false);
      },
      timeouts: { waitMs: 60_000 },
      storageDir: join(h.dir, 'storage'),
      pushLedger: options.ledger ?? h.ledger,
      redactor,
    },
  };
  return run;
}

async function resourceVersions(client: ClusterClient): Promise<Record<string, string | undefined>> {
  const refs: Record<string, ObjectRef> = { application: deepflowApplicationRef, ingress: grafanaIngressRef, storageClass: storageClassRef, plugin: cpiRef };
  const out: Record<string, string | undefined> = {};
  for (const [name, ref] of Object.entries(refs)) out[name] = (await client.get(ref)).metadata.resourceVersion;
  return out;
}

function annotationValues(app: KubeObject): Record<string, unknown> {
  const text = app.metadata.annotations?.['app.cpaas.io/chart.values'];
  assert.ok(text, 'values annotation');
  return JSON.parse(text) as Record<string, unknown>;
}

function assertNoSecrets(h: Harness, run: RunRecord): void {
  for (const line of [...run.logger.lines, ...run.progress]) {
    assert.ok(!line.includes(h.sim.info.platformPassword), `platform password leaked: ${line}`);
    assert.ok(!line.includes(GRAFANA_PASSWORD), `Grafana password leaked: ${line}`);
    assert.ok(!line.includes(JSON.stringify(GRAFANA_PASSWORD).slice(1, -1)), `Grafana password leaked (escaped): ${line}`);
  }
}

describe('install engine (simulator)', function () {
  describe('preflight', function () {
    let h: Harness;
    before(async function () {
      h = await startHarness({ oldKernelNodes: 1 });
    });
    after(async function () {
      await h?.sim.stop();
      if (h) rmSync(h.dir, { recursive: true, force: true });
    });

    it('passes for the admin, totals 350Gi and warns about the 3.10 kernel node', async function () {
      const result = await runPreflight(h.client, { deepflow: h.plan.deepflow });
      assert.deepEqual(result.problems, []);
      assert.equal(result.ok, true);
      assert.equal(result.storage?.total, '350Gi');
      assert.deepEqual(
        result.oldKernelNodes.map((n) => n.name),
        ['node-1'],
      );
      assert.ok(result.warnings.some((w) => w.includes('node-1') && w.includes('3.10.0') && w.includes('4.14')), result.warnings.join('\n'));
    });

    it('names the verb and resource a restricted token lacks', async function () {
      const token = h.sim.addToken({ user: 'viewer', rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: ['*'], resources: ['*'] }] });
      const file = join(h.dir, 'viewer.kubeconfig');
      h.sim.writeKubeconfig(file, token);
      const viewer = ClusterClient.forContext(loadKubeconfig({ settingValue: file }));
      const result = await runPreflight(viewer, { deepflow: h.plan.deepflow });
      assert.equal(result.ok, false);
      assert.ok(result.problems.includes('You may not patch applications.app.k8s.io in namespace cpaas-system.'), result.problems.join('\n'));
      assert.ok(result.problems.includes('You may not create storageclasses.storage.k8s.io (cluster-wide).'), result.problems.join('\n'));
      assert.ok(!result.problems.some((p) => p.includes(' get ')), 'reads are allowed');
    });

    it('reports an unreachable cluster as one problem', async function () {
      const file = join(h.dir, 'bad.kubeconfig');
      h.sim.writeKubeconfig(file, 'not-a-token');
      const stranger = ClusterClient.forContext(loadKubeconfig({ settingValue: file }));
      const result = await runPreflight(stranger, {});
      assert.equal(result.ok, false);
      assert.equal(result.problems.length, 1);
      assert.match(result.problems[0] ?? '', /cannot be used: .*401/);
    });
  });

  describe('guided install, rerun, update and uninstall', function () {
    let h: Harness;
    before(async function () {
      h = await startHarness();
    });
    after(async function () {
      await h?.sim.stop();
      if (h) rmSync(h.dir, { recursive: true, force: true });
    });

    it('runs every step and ends with the Application Succeeded and the Ingress present', async function () {
      const run = context(h);
      const report = await runInstall(buildInstallSteps(h.plan), run.ctx);
      assert.equal(report.status, 'completed');
      assert.deepEqual(
        report.steps.map((s) => s.outcome),
        ['completed', 'completed', 'completed', 'completed', 'completed'],
      );
      const app = await h.client.get(deepflowApplicationRef);
      assert.equal((app.spec as { assemblyPhase?: string }).assemblyPhase, 'Succeeded');
      const values = annotationValues(app) as { grafana: { adminPassword: string }; mysql: { storageConfig: { persistence: { size: string } } } };
      assert.equal(values.grafana.adminPassword, GRAFANA_PASSWORD, 'the password arrives exactly');
      assert.equal(values.mysql.storageConfig.persistence.size, '50Gi');
      assert.ok(await h.client.find(grafanaIngressRef));
      assert.deepEqual(
        h.sim
          .pushes()
          .map((p) => p.file)
          .sort(),
        [DEEPFLOW_ARTIFACT, NFS_ARTIFACT].sort(),
      );
      assert.ok(run.progress.includes('waiting for application deepflow: Pending'), run.progress.join('\n'));
      assert.ok(run.progress.some((p) => /^deepflow-clickhouse \d\/1 ready$/.test(p)), run.progress.join('\n'));
      assert.ok(run.progress.some((p) => p.startsWith('waiting for ars/nfs Health')), run.progress.join('\n'));
      assert.ok(run.logger.lines.some((l) => l.includes('Applied Application cpaas-system/deepflow (created')));
      assertNoSecrets(h, run);
    });

    it('reruns without applying or pushing anything, even with an empty push ledger', async function () {
      const before = await resourceVersions(h.client);
      const pushes = h.sim.pushes().length;
      const run = context(h, { ledger: memoryPushLedger() });
      const report = await runInstall(buildInstallSteps(h.plan), run.ctx);
      assert.equal(report.status, 'completed');
      assert.deepEqual(
        report.steps.map((s) => s.outcome),
        ['skipped', 'skipped', 'skipped', 'skipped', 'skipped'],
      );
      assert.ok(run.progress.some((p) => p.includes('Install DeepFlow: skipped: already done (')), run.progress.join('\n'));
      assert.deepEqual(await resourceVersions(h.client), before);
      assert.equal(h.sim.pushes().length, pushes);
      assert.ok(!run.logger.lines.some((l) => l.includes('Applied ')), 'nothing applied');
    });

    it('asks before changing the values, and a no changes nothing', async function () {
      const before = await resourceVersions(h.client);
      const run = context(h, { confirm: false });
      const changed: InstallPlan = { ...h.plan, deepflow: { ...h.plan.deepflow, mysqlSize: '80Gi', grafanaAdminPassword: 'another secret' } };
      const report = await runInstall(buildInstallSteps(changed), run.ctx);
      assert.equal(report.status, 'declined');
      assert.equal(run.questions.length, 1);
      const detail = run.questions[0]?.detail ?? '';
      assert.match(detail, /mysql\.storageConfig\.persistence\.size: 50Gi → 80Gi/);
      assert.match(detail, /grafana\.adminPassword: •+ → •+/);
      assert.ok(!detail.includes('another secret') && !detail.includes(GRAFANA_PASSWORD));
      assert.deepEqual(await resourceVersions(h.client), before);
    });

    it('updates the Application once the diff is confirmed', async function () {
      const run = context(h, { confirm: true });
      const changed: InstallPlan = { ...h.plan, deepflow: { ...h.plan.deepflow, mysqlSize: '80Gi' } };
      const report = await runInstall(buildInstallSteps(changed), run.ctx);
      assert.equal(report.status, 'completed');
      assert.equal(run.questions.length, 1);
      const app = await h.client.get(deepflowApplicationRef);
      const values = annotationValues(app) as { mysql: { storageConfig: { persistence: { size: string } } } };
      assert.equal(values.mysql.storageConfig.persistence.size, '80Gi');
      assert.equal((app.spec as { assemblyPhase?: string }).assemblyPhase, 'Succeeded');
      assertNoSecrets(h, run);
    });

    it('uninstalls the Ingress and the Application, keeping the storage class, the plugin and the MySQL claim', async function () {
      const logger = recordingLogger();
      const result = await runUninstall(h.client, { logger, timeoutMs: 30_000 });
      assert.deepEqual(result.deleted, ['Ingress deepflow-grafana', 'Application deepflow']);
      assert.equal(await h.client.find(deepflowApplicationRef), undefined);
      assert.equal(await h.client.find(grafanaIngressRef), undefined);
      assert.ok(await h.client.find(storageClassRef));
      assert.ok(await h.client.find(cpiRef));
      assert.ok(await h.client.find(nfsAppReleaseRef));
      const claims = await h.client.list({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'cpaas-system' });
      assert.ok(claims.items.some((c) => (c.metadata.name ?? '').includes('mysql')), 'MySQL claim kept');
      assert.deepEqual(
        planUninstall().keeps.map((k) => k.label),
        ["MySQL's volume claim", 'StorageClass nfs', 'NFS plugin (ClusterPluginInstance nfs)'],
      );
    });
  });

  describe('cancel and resume', function () {
    let h: Harness;
    before(async function () {
      h = await startHarness();
    });
    after(async function () {
      await h?.sim.stop();
      if (h) rmSync(h.dir, { recursive: true, force: true });
    });

    it('stops during the DeepFlow wait, and a rerun completes with no duplicates', async function () {
      const first = context(h, {
        onProgress: (message, run) => {
          if (message.startsWith('waiting for application deepflow')) run.controller.abort();
        },
      });
      const cancelled = await runInstall(buildInstallSteps(h.plan), first.ctx);
      assert.equal(cancelled.status, 'cancelled');
      assert.deepEqual(
        cancelled.steps.map((s) => s.outcome),
        ['completed', 'completed', 'completed', 'completed', 'cancelled'],
      );
      assert.ok(await h.client.find(deepflowApplicationRef), 'the Application was applied whole before the wait');
      assert.equal(await h.client.find(grafanaIngressRef), undefined, 'the Ingress comes after the waits');

      const second = context(h);
      const resumed = await runInstall(buildInstallSteps(h.plan), second.ctx);
      assert.equal(resumed.status, 'completed');
      assert.deepEqual(
        resumed.steps.map((s) => s.outcome),
        ['skipped', 'skipped', 'skipped', 'skipped', 'completed'],
      );
      assert.ok(!second.logger.lines.some((l) => l.includes('Applied Application')), 'the Application is not applied again');
      const apps = await h.client.list({ apiVersion: 'app.k8s.io/v1beta1', kind: 'Application', namespace: 'cpaas-system' });
      const ingresses = await h.client.list({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: 'cpaas-system' });
      assert.equal(apps.items.length, 1);
      assert.equal(ingresses.items.length, 1);
      assert.equal(h.sim.pushes().length, 2, 'each artifact pushed once');

      const before = await resourceVersions(h.client);
      const third = await runInstall(buildInstallSteps(h.plan), context(h).ctx);
      assert.ok(third.steps.every((s) => s.outcome === 'skipped'));
      assert.deepEqual(await resourceVersions(h.client), before);
    });
  });
});
