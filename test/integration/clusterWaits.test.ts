/**
 * Watch-backed waits against the simulated API server. The test plays the controller through `store`.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterClient } from '../../src/cluster/client';
import { ClusterError } from '../../src/cluster/errors';
import { loadKubeconfig } from '../../src/cluster/kubeconfig';
import type { Logger } from '../../src/cluster/types';
import { WaitFailedError, waitFor, waitForCondition, waitForField, waitForRollout } from '../../src/cluster/waits';
import { noFaults, startTestApiServer, type TestApiServer } from '../sim/api/harness';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  info(message: string): void {
    this.lines.push(`info ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`warn ${message}`);
  }
  error(message: string): void {
    this.lines.push(`error ${message}`);
  }
  debug(message: string): void {
    this.lines.push(`debug ${message}`);
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected the wait to fail');
}

describe('cluster waits against the simulated API server', function () {
  this.timeout(30_000);
  let sim: TestApiServer;
  let dir: string;
  let client: ClusterClient;

  before(async () => {
    sim = await startTestApiServer();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepflow-waits-it-'));
    const file = path.join(dir, 'kubeconfig');
    sim.writeKubeconfig(file);
    client = ClusterClient.forContext(loadKubeconfig({ settingValue: file }), 'sim', { requestTimeoutMs: 5000 });
  });

  after(async () => {
    await sim.api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    Object.assign(sim.faults, noFaults());
  });

  const appRelease = (name: string, health?: string): void => {
    sim.store.put({
      apiVersion: 'operator.alauda.io/v1alpha1',
      kind: 'AppRelease',
      metadata: { name, namespace: 'cpaas-system' },
      spec: { chart: 'nfs' },
      status: health ? { conditions: [{ type: 'Health', status: health, reason: health === 'True' ? 'Healthy' : 'Installing' }] } : {},
    });
  };
  const setHealth = (name: string, status: string): void => {
    sim.store.putStatus('operator.alauda.io/v1alpha1', 'AppRelease', 'cpaas-system', name, { conditions: [{ type: 'Health', status, reason: 'Healthy' }] });
  };
  const arsRef = (name: string) => ({ apiVersion: 'operator.alauda.io/v1alpha1', kind: 'AppRelease', namespace: 'cpaas-system', name });

  it('waitForCondition resolves when a controller sets the condition, reporting progress on the way', async () => {
    const progress: string[] = [];
    const wait = waitForCondition(client, arsRef('nfs'), 'Health', 'True', { timeoutMs: 10_000, onProgress: (t) => progress.push(t) });
    await sleep(200);
    appRelease('nfs', 'False');
    await sleep(200);
    setHealth('nfs', 'True');
    const obj = await wait;
    assert.equal(obj.metadata.name, 'nfs');
    assert.deepEqual(progress, [
      'AppRelease nfs does not exist yet',
      'AppRelease nfs: Health=False (Installing)',
      'AppRelease nfs: Health=True (Healthy)',
    ]);
  });

  it('resolves at once when the condition already holds', async () => {
    const started = Date.now();
    await waitForCondition(client, arsRef('nfs'), 'Health', 'True', { timeoutMs: 10_000 });
    assert.ok(Date.now() - started < 1000);
  });

  it('waitForField follows Application spec.assemblyPhase and fails fast on Failed with the status message', async () => {
    const app = (name: string, phase: string, status?: unknown): void => {
      sim.store.put({ apiVersion: 'app.k8s.io/v1beta1', kind: 'Application', metadata: { name, namespace: 'cpaas-system' }, spec: { assemblyPhase: phase }, status });
    };
    const ref = (name: string) => ({ apiVersion: 'app.k8s.io/v1beta1', kind: 'Application', namespace: 'cpaas-system', name });
    app('deepflow', 'Pending');
    const ok = waitForField(client, ref('deepflow'), 'spec.assemblyPhase', 'Succeeded', { timeoutMs: 10_000 });
    await sleep(150);
    app('deepflow', 'Succeeded');
    assert.equal((await ok).spec && (await ok).metadata.name, 'deepflow');

    app('broken', 'Pending');
    const failing = waitForField(client, ref('broken'), 'spec.assemblyPhase', 'Succeeded', { timeoutMs: 10_000 });
    await sleep(150);
    const started = Date.now();
    app('broken', 'Failed', { conditions: [{ type: 'Ready', status: 'False', message: 'chart public-charts/deepflow-plugin v9.9.9 not found' }] });
    const err = await rejection(failing);
    assert.ok(err instanceof WaitFailedError, String(err));
    assert.equal(err.message, 'Application broken spec.assemblyPhase is Failed: chart public-charts/deepflow-plugin v9.9.9 not found');
    assert.ok(Date.now() - started < 1000);
  });

  it('waitForRollout follows a Deployment through kubectl rollout stages', async () => {
    const name = 'deepflow-server';
    sim.store.put({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'cpaas-system' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'deepflow' } }, template: { metadata: { labels: { app: 'deepflow' } }, spec: { containers: [{ name: 's', image: 'x' }] } } },
      status: {},
    });
    const progress: string[] = [];
    const logger = new RecordingLogger();
    const wait = waitForRollout(client, 'Deployment', 'cpaas-system', name, { timeoutMs: 10_000, onProgress: (t) => progress.push(t), logger });
    const stages = [
      { observedGeneration: 1, replicas: 2, updatedReplicas: 1 },
      { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 },
      { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 },
    ];
    for (const status of stages) {
      await sleep(100);
      sim.store.putStatus('apps/v1', 'Deployment', 'cpaas-system', name, status);
    }
    const obj = await wait;
    assert.equal(obj.kind, 'Deployment');
    assert.deepEqual(progress, ['deepflow-server 0/2 ready', 'deepflow-server 1/2 ready', 'deepflow-server 2/2 ready']);
    const details = logger.lines.filter((l) => l.startsWith('debug Waiting for') || l.includes('successfully rolled out'));
    assert.deepEqual(details, [
      'debug Waiting for deployment spec update to be observed...',
      'debug Waiting for deployment "deepflow-server" rollout to finish: 1 out of 2 new replicas have been updated...',
      'debug Waiting for deployment "deepflow-server" rollout to finish: 1 of 2 updated replicas are available...',
      'debug deployment "deepflow-server" successfully rolled out',
    ]);
  });

  it('rejects with timeout, carrying the last state', async () => {
    const err = await rejection(waitForCondition(client, arsRef('never'), 'Health', 'True', { timeoutMs: 400 }));
    assert.ok(err instanceof ClusterError && err.kind === 'timeout', String(err));
    assert.equal(err.message, 'Timed out after 0.4 s waiting for AppRelease "never" in namespace "cpaas-system": AppRelease never does not exist yet.');
  });

  it('rejects with cancelled promptly when the signal aborts', async () => {
    const controller = new AbortController();
    const wait = waitForCondition(client, arsRef('never'), 'Health', 'True', { timeoutMs: 10_000, signal: controller.signal });
    await sleep(200);
    const started = Date.now();
    controller.abort();
    const err = await rejection(wait);
    assert.ok(err instanceof ClusterError && err.kind === 'cancelled', String(err));
    assert.ok(Date.now() - started < 200);
  });

  it('survives dropped watches by resuming from the last resourceVersion', async () => {
    appRelease('dropped', 'False');
    const logger = new RecordingLogger();
    sim.faults.dropWatchesAfterMs = 150;
    const wait = waitForCondition(client, arsRef('dropped'), 'Health', 'True', { timeoutMs: 10_000, logger });
    await sleep(800);
    setHealth('dropped', 'True');
    await wait;
    assert.ok(logger.lines.filter((l) => l.includes('closed; resuming')).length >= 2, logger.lines.join('\n'));
  });

  it('relists after 410 Gone and still sees the change', async () => {
    appRelease('gone', 'False');
    const logger = new RecordingLogger();
    const wait = waitForCondition(client, arsRef('gone'), 'Health', 'True', { timeoutMs: 10_000, logger });
    await sleep(200);
    // Every watch that resumes from a resourceVersion now answers 410; cut the open one so the wait must resume.
    sim.faults.watchGone = true;
    sim.faults.dropWatchesAfterMs = 1;
    await sleep(300);
    assert.ok(logger.lines.some((l) => l.includes('expired (410); relisting')), logger.lines.join('\n'));
    sim.faults.watchGone = false;
    sim.faults.dropWatchesAfterMs = 0;
    setHealth('gone', 'True');
    await wait;
  });

  it('gives up on a watch the server refuses (403) at once', async () => {
    const token = sim.addToken({ user: 'lister', rules: [{ verbs: ['list'], apiGroups: ['operator.alauda.io'], resources: ['appreleases'] }] });
    const file = path.join(dir, 'kubeconfig-lister');
    sim.writeKubeconfig(file, token);
    const lister = new ClusterClient(loadKubeconfig({ settingValue: file }).withContext('sim'));
    const err = await rejection(waitForCondition(lister, arsRef('nfs-missing'), 'Health', 'True', { timeoutMs: 10_000 }));
    assert.ok(err instanceof ClusterError && err.kind === 'forbidden', String(err));
  });

  it('rejects with unreachable in under 5 s when the API server goes away during a wait', async () => {
    appRelease('lost', 'False');
    const wait = waitForCondition(client, arsRef('lost'), 'Health', 'True', { timeoutMs: 60_000 });
    await sleep(300);
    const started = Date.now();
    await sim.api.close();
    const err = await rejection(wait);
    const elapsed = Date.now() - started;
    assert.ok(err instanceof ClusterError && err.kind === 'unreachable', String(err));
    assert.match(err.message, /Lost the API server at https:\/\/127\.0\.0\.1:\d+ while waiting for AppRelease "lost"/);
    assert.ok(elapsed < 5000, `took ${elapsed} ms`);
    await sim.api.reopen();
    // The client works again once the server is back.
    await waitFor(client, arsRef('lost'), (obj) => obj !== undefined, { timeoutMs: 5000 });
  });
});
