/**
 * The cluster module against the full ACP simulator, with its controllers writing the objects we wait on.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterClient } from '../../src/cluster/client';
import { ClusterError } from '../../src/cluster/errors';
import { loadKubeconfig } from '../../src/cluster/kubeconfig';
import { WaitFailedError, waitForCondition, waitForField } from '../../src/cluster/waits';
import { startSimulator, type StartedSimulator } from '../sim/index';

describe('cluster module against the ACP simulator controllers', function () {
  this.timeout(60_000);
  let sim: StartedSimulator;
  let dir: string;
  let client: ClusterClient;

  before(async () => {
    sim = await startSimulator({ timeScale: 0.05 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepflow-sim-it-'));
    const file = path.join(dir, 'kubeconfig');
    sim.writeKubeconfig(file);
    const loaded = loadKubeconfig({ settingValue: file });
    assert.ok(loaded.currentContext, 'the simulator kubeconfig sets a current context');
    client = ClusterClient.forContext(loaded);
  });

  after(async () => {
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails an Application wait at once with the controller message when the chart was never pushed', async () => {
    await client.apply({
      apiVersion: 'app.k8s.io/v1beta1',
      kind: 'Application',
      metadata: {
        name: 'deepflow',
        namespace: 'cpaas-system',
        labels: { 'sync-from-helmrequest': 'true' },
        annotations: {
          'app.cpaas.io/chart.source': 'public-charts/deepflow-plugin',
          'app.cpaas.io/chart.version': 'v9.9.9-never-pushed',
          'app.cpaas.io/chart.values': '{}',
          'cpaas.io/display-name': 'DeepFlow',
        },
      },
      spec: { assemblyPhase: 'Pending' },
    });
    const started = Date.now();
    try {
      await waitForField(client, { apiVersion: 'app.k8s.io/v1beta1', kind: 'Application', namespace: 'cpaas-system', name: 'deepflow' }, 'spec.assemblyPhase', 'Succeeded', {
        timeoutMs: 20_000,
      });
      assert.fail('the wait should fail');
    } catch (err) {
      assert.ok(err instanceof WaitFailedError, String(err));
      assert.match(err.message, /^Application deepflow spec\.assemblyPhase is Failed: .*v9\.9\.9-never-pushed.*push .* with violet first/);
    }
    assert.ok(Date.now() - started < 5000);
  });

  it('reports the AppRelease Health progress the cluster transformer writes, and times out while the chart is missing', async () => {
    await client.apply({ apiVersion: 'cluster.alauda.io/v1alpha1', kind: 'ClusterPluginInstance', metadata: { name: 'nfs' }, spec: { pluginName: 'nfs' } });
    const progress: string[] = [];
    try {
      await waitForCondition(client, { apiVersion: 'operator.alauda.io/v1alpha1', kind: 'AppRelease', namespace: 'cpaas-system', name: 'nfs' }, 'Health', 'True', {
        timeoutMs: 1500,
        onProgress: (t) => progress.push(t),
      });
      assert.fail('the wait should time out');
    } catch (err) {
      assert.ok(err instanceof ClusterError && err.kind === 'timeout', String(err));
      assert.match(err.message, /Health=False \(ChartNotFound: chart public-charts\/nfs not found/);
    }
    assert.ok(progress.some((p) => p.startsWith('AppRelease nfs: Health=False (ChartNotFound')), progress.join('\n'));
  });
});
