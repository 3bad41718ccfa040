import { strict as assert } from 'node:assert';
import { Redactor } from '../../src/acp/redact';
import { describeCommandLine, lastErrorLine, parseVioletVersion, pushArguments, violetBuildName } from '../../src/acp/violet';
import type { ClusterClient, Logger } from '../../src/cluster';
import {
  containsDesired,
  describeOldKernels,
  describeValueChanges,
  InstallDeclinedError,
  InstallStepError,
  kernelBelow,
  memoryPushLedger,
  oldKernelNodes,
  planUninstall,
  describeUninstallPlan,
  runInstall,
  type InstallContext,
  type InstallStep,
  type InstallStepId,
} from '../../src/install';

function fakeContext(controller = new AbortController()): { ctx: InstallContext; progress: string[]; log: string[] } {
  const progress: string[] = [];
  const log: string[] = [];
  const logger: Logger = { info: (m) => log.push(m), warn: (m) => log.push(m), error: (m) => log.push(m) };
  const ctx: InstallContext = {
    // The fake steps never touch the cluster.
    client: {} as ClusterClient,
    logger,
    signal: controller.signal,
    progress: (m) => progress.push(m),
    confirm: () => Promise.resolve(true),
    timeouts: { waitMs: 1000 },
    storageDir: '/nonexistent',
    pushLedger: memoryPushLedger(),
    redactor: new Redactor(),
  };
  return { ctx, progress, log };
}

/** A step whose "done" state lives in a shared set, as the cluster would hold it. */
function fakeStep(id: InstallStepId, world: Set<string>, calls: string[], behaviour: { fail?: Error; onRun?: () => void } = {}): InstallStep {
  return {
    id,
    title: `Step ${id}`,
    isDone: () => Promise.resolve({ done: world.has(id), detail: world.has(id) ? `${id} present` : `${id} missing` }),
    run: () => {
      calls.push(id);
      behaviour.onRun?.();
      if (behaviour.fail) return Promise.reject(behaviour.fail);
      world.add(id);
      return Promise.resolve();
    },
  };
}

const ids: InstallStepId[] = ['downloadViolet', 'pushArtifacts', 'nfsPlugin', 'storageClass', 'deepflow'];

describe('install runner', function () {
  it('runs the steps in order and skips the done ones, saying why', async function () {
    const world = new Set<string>(['pushArtifacts', 'storageClass']);
    const calls: string[] = [];
    const { ctx, progress } = fakeContext();
    const report = await runInstall(
      ids.map((id) => fakeStep(id, world, calls)),
      ctx,
    );
    assert.equal(report.status, 'completed');
    assert.deepEqual(calls, ['downloadViolet', 'nfsPlugin', 'deepflow']);
    assert.deepEqual(
      report.steps.map((s) => s.outcome),
      ['completed', 'skipped', 'completed', 'skipped', 'completed'],
    );
    assert.ok(progress.includes('[2/5] Step pushArtifacts: skipped: already done (pushArtifacts present)'), progress.join('\n'));
  });

  it('runs nothing on a rerun after success', async function () {
    const world = new Set<string>();
    const calls: string[] = [];
    const steps = ids.map((id) => fakeStep(id, world, calls));
    await runInstall(steps, fakeContext().ctx);
    calls.length = 0;
    const again = await runInstall(steps, fakeContext().ctx);
    assert.deepEqual(calls, []);
    assert.ok(again.steps.every((s) => s.outcome === 'skipped'));
  });

  it('stops between steps on abort, and a rerun resumes where it stopped', async function () {
    const world = new Set<string>();
    const calls: string[] = [];
    const controller = new AbortController();
    const steps = ids.map((id) => fakeStep(id, world, calls, id === 'nfsPlugin' ? { onRun: () => controller.abort() } : {}));
    const first = await runInstall(steps, fakeContext(controller).ctx);
    assert.equal(first.status, 'cancelled');
    assert.deepEqual(calls, ['downloadViolet', 'pushArtifacts', 'nfsPlugin']);
    assert.deepEqual(
      first.steps.map((s) => s.outcome),
      ['completed', 'completed', 'completed', 'notRun', 'notRun'],
    );
    calls.length = 0;
    const second = await runInstall(steps, fakeContext().ctx);
    assert.equal(second.status, 'completed');
    assert.deepEqual(calls, ['storageClass', 'deepflow']);
  });

  it('reports a cancelled wait as cancelled, not failed', async function () {
    const controller = new AbortController();
    const step: InstallStep = {
      id: 'deepflow',
      title: 'Install DeepFlow',
      isDone: () => Promise.resolve({ done: false, detail: 'missing' }),
      run: () => {
        controller.abort();
        return Promise.reject(new Error('Cancelled waiting'));
      },
    };
    const report = await runInstall([step], fakeContext(controller).ctx);
    assert.equal(report.status, 'cancelled');
    assert.equal(report.steps[0]?.outcome, 'cancelled');
  });

  it('stops at a failing step with its name and a masked message', async function () {
    const world = new Set<string>();
    const calls: string[] = [];
    const { ctx } = fakeContext();
    ctx.redactor.register('s3cret-pass');
    const steps = ids.map((id) => fakeStep(id, world, calls, id === 'pushArtifacts' ? { fail: new Error('login failed for s3cret-pass') } : {}));
    await assert.rejects(runInstall(steps, ctx), (err: unknown) => {
      assert.ok(err instanceof InstallStepError);
      assert.equal(err.stepId, 'pushArtifacts');
      assert.equal(err.message, 'Step pushArtifacts failed: login failed for ••••••');
      assert.equal(err.report.status, 'failed');
      return true;
    });
    assert.deepEqual(calls, ['downloadViolet', 'pushArtifacts']);
  });

  it('ends as declined when the user refuses a confirmation', async function () {
    const step: InstallStep = {
      id: 'deepflow',
      title: 'Install DeepFlow',
      isDone: () => Promise.resolve({ done: false, detail: 'other values' }),
      run: () => Promise.reject(new InstallDeclinedError('Kept the installed values.')),
    };
    const report = await runInstall([step], fakeContext().ctx);
    assert.equal(report.status, 'declined');
    assert.equal(report.steps[0]?.detail, 'Kept the installed values.');
  });
});

describe('install helpers', function () {
  it('compares kernel versions against 4.14', function () {
    assert.equal(kernelBelow('3.10.0-1160.el7.x86_64'), true);
    assert.equal(kernelBelow('4.9.0'), true);
    assert.equal(kernelBelow('4.13.16-arch1'), true);
    assert.equal(kernelBelow('4.14.0'), false);
    assert.equal(kernelBelow('4.18.0-513.el8.x86_64'), false);
    assert.equal(kernelBelow('5.15.0-91-generic'), false);
    assert.equal(kernelBelow('10.0.1'), false);
    assert.equal(kernelBelow(''), undefined);
    assert.equal(kernelBelow('unknown'), undefined);
  });

  it('lists old-kernel nodes, and shortens a long list', function () {
    const node = (name: string, kernelVersion: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { nodeInfo: { kernelVersion } } });
    const old = oldKernelNodes([node('a', '3.10.0'), node('b', '5.15.0'), node('c', '4.4.0'), { apiVersion: 'v1', kind: 'Node', metadata: { name: 'd' } }]);
    assert.deepEqual(
      old.map((n) => n.name),
      ['a', 'c'],
    );
    const many = Array.from({ length: 12 }, (_, i) => ({ name: `n${i}`, kernelVersion: '3.10.0' }));
    assert.match(describeOldKernels(many), /^12 nodes run a kernel below 4\.14.*n9 \(3\.10\.0\) and 2 more\./);
  });

  it('tells whether the cluster already holds the desired fields', function () {
    const desired = { metadata: { name: 'nfs', labels: { a: '1' } }, mountOptions: ['hard', 'nfsvers=4.1'], parameters: { server: 's' } };
    const actual = { metadata: { name: 'nfs', labels: { a: '1', extra: 'x' }, resourceVersion: '7' }, mountOptions: ['hard', 'nfsvers=4.1'], parameters: { server: 's' } };
    assert.equal(containsDesired(actual, desired), true);
    assert.equal(containsDesired({ ...actual, mountOptions: ['hard'] }, desired), false);
    assert.equal(containsDesired({ ...actual, parameters: { server: 't' } }, desired), false);
    assert.equal(containsDesired({ ...actual, metadata: { name: 'nfs' } }, desired), false);
  });

  it('describes value changes with secrets already masked by diffValues', function () {
    const text = describeValueChanges([
      { path: 'mysql.storageConfig.persistence.size', before: '50Gi', after: '80Gi' },
      { path: 'grafana.adminUser', before: undefined, after: 'ops' },
    ]);
    assert.equal(text, 'mysql.storageConfig.persistence.size: 50Gi → 80Gi\ngrafana.adminUser: (unset) → ops');
  });

  it('registers a secret in its JSON-escaped forms too', function () {
    const redactor = new Redactor();
    redactor.register('a"b\\c');
    const inValues = JSON.stringify({ adminPassword: 'a"b\\c' });
    const inObject = JSON.stringify({ annotation: inValues });
    assert.ok(!redactor.redact(inValues).includes('b\\\\c'), redactor.redact(inValues));
    assert.ok(!redactor.redact(inObject).includes('a\\\\\\"b'), redactor.redact(inObject));
  });

  it('keeps the push ledger to one record per platform, file and repository', async function () {
    const ledger = memoryPushLedger();
    const record = { platformOrigin: 'https://p', file: 'nfs.tgz', sizeBytes: 1, modifiedMs: 1, targetChartRepo: 'public-charts', pushedAt: 't1' };
    await ledger.add(record);
    await ledger.add({ ...record, sizeBytes: 2, pushedAt: 't2' });
    assert.equal(ledger.list().length, 1);
    assert.equal(ledger.list()[0]?.sizeBytes, 2);
  });

  it('names what uninstall removes and what it keeps', function () {
    const text = describeUninstallPlan(planUninstall(), 'cluster1');
    assert.match(text, /Removed:\n• Ingress deepflow-grafana.*\n• Application deepflow: .*deepflow-clickhouse/);
    assert.match(text, /Kept:\n• MySQL's volume claim: .*\n• StorageClass nfs: .*\n• NFS plugin/);
  });
});

describe('violet command lines', function () {
  it('masks the password and the token in every form', function () {
    const args = pushArguments({
      platformUrl: 'https://10.0.0.1/some/path',
      credentials: { kind: 'password', username: 'admin@cpaas.io', password: 'p@ss word' },
      file: '/tmp/nfs.amd64.v4.0.2.tgz',
      targetChartRepo: 'public-charts',
      clusters: ['a', 'b'],
    });
    assert.deepEqual(args, [
      'push',
      '--platform-address',
      'https://10.0.0.1',
      '--platform-username',
      'admin@cpaas.io',
      '--platform-password',
      'p@ss word',
      '--target-chartrepo',
      'public-charts',
      '--clusters',
      'a,b',
      '/tmp/nfs.amd64.v4.0.2.tgz',
    ]);
    const shown = describeCommandLine(args);
    assert.equal(
      shown,
      'violet push --platform-address https://10.0.0.1 --platform-username admin@cpaas.io --platform-password •••••• --target-chartrepo public-charts --clusters a,b /tmp/nfs.amd64.v4.0.2.tgz',
    );
    assert.equal(describeCommandLine(['push', '--platform-token=abc123', '--platform-token', 'xyz', 'f.tgz']), 'violet push --platform-token=•••••• --platform-token •••••• f.tgz');
    assert.equal(describeCommandLine(['push', 'my file.tgz']), "violet push 'my file.tgz'");
  });

  it("picks violet's last error line without its level prefix", function () {
    assert.equal(lastErrorLine(['INFO[0000] Start', 'ERRO[0001] first', 'ERRO[0001] login failed: 401', 'INFO[0001] bye']), 'login failed: 401');
    assert.equal(lastErrorLine(['just output', '']), 'just output');
    assert.equal(lastErrorLine([]), undefined);
  });

  it('parses violet version and maps the build for each machine', function () {
    assert.equal(parseVioletVersion('violet v3.0.0\n'), 'v3.0.0');
    assert.equal(parseVioletVersion('violet v3.1.2-rc.1'), 'v3.1.2-rc.1');
    assert.equal(parseVioletVersion('command not found'), undefined);
    assert.equal(violetBuildName('linux', 'x64'), 'violet_linux_amd64');
    assert.equal(violetBuildName('darwin', 'arm64'), 'violet_darwin_arm64');
    assert.equal(violetBuildName('win32', 'x64'), 'violet_windows_amd64.exe');
    assert.throws(() => violetBuildName('win32', 'arm64'), /no violet build for win32\/arm64/);
    assert.throws(() => violetBuildName('linux', 'ia32'), /no violet build/);
  });
});
