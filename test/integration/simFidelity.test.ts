/**
 * What stricter clients and the Components view need from the simulator, as a real API server and kubelet behave:
 * `watch` parsed like Go's ParseBool, complete Node `status.nodeInfo`, Events for the pod lifecycle and faults, and
 * placement by node selectors and taints (set with the real kubectl), FailedScheduling among them.
 */
import { strict as assert } from 'node:assert';
import { request } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ClusterClient, loadKubeconfig, type KubeObject } from '../../src/cluster';
import { ensureKubectl133 } from '../../scripts/lib/tools.mjs';
import { startSimulator, type StartedSimulator } from '../sim/index';

/** A GET as raw text: a watch answers event lines (its first chunk is enough), a list one JSON document (read whole). */
function getText(sim: StartedSimulator, path: string, whole: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${sim.info.apiUrl}${path}`, { ca: sim.caPem, headers: { Authorization: `Bearer ${sim.adminToken}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (whole) return;
        resolve(chunk.toString('utf8'));
        req.destroy();
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('simulator fidelity for strict clients', function () {
  this.timeout(60_000);
  let sim: StartedSimulator;
  let dir: string;
  let client: ClusterClient;

  before(async () => {
    sim = await startSimulator({ timeScale: 0.02, nodes: 2 });
    dir = mkdtempSync(join(tmpdir(), 'deepflow-sim-fidelity-'));
    sim.writeKubeconfig(join(dir, 'kubeconfig'));
    client = ClusterClient.forContext(loadKubeconfig({ settingValue: join(dir, 'kubeconfig') }));
  });

  after(async () => {
    Object.assign(sim.faults, { crashLoop: '' });
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const value of ['true', '1', 't', 'T', 'True', 'TRUE']) {
    it(`watch=${value} opens a watch`, async () => {
      const text = await getText(sim, `/api/v1/nodes?watch=${value}`, false);
      const event = JSON.parse(text.split('\n')[0] ?? '') as { type?: string; object?: KubeObject };
      assert.equal(event.type, 'ADDED');
      assert.equal(event.object?.kind, 'Node');
    });
  }

  it('watch=false and watch=yes answer a plain list', async () => {
    for (const value of ['false', 'yes']) {
      const body = JSON.parse(await getText(sim, `/api/v1/nodes?watch=${value}`, true)) as { kind?: string };
      assert.equal(body.kind, 'NodeList');
    }
  });

  it('nodes carry every NodeSystemInfo field a kubelet reports', async () => {
    const nodes = (await client.list({ apiVersion: 'v1', kind: 'Node' })).items;
    for (const node of nodes) {
      const info = (node.status as { nodeInfo?: Record<string, unknown> }).nodeInfo ?? {};
      for (const field of ['machineID', 'systemUUID', 'bootID', 'kernelVersion', 'osImage', 'containerRuntimeVersion', 'kubeletVersion', 'kubeProxyVersion', 'operatingSystem', 'architecture']) {
        assert.equal(typeof info[field], 'string', `${node.metadata.name} lacks nodeInfo.${field}`);
        assert.notEqual(info[field], '');
      }
    }
    const ids = nodes.map((n) => (n.status as { nodeInfo: { machineID: string } }).nodeInfo.machineID);
    assert.equal(new Set(ids).size, nodes.length, 'machine IDs must differ between nodes');
  });

  it('writes lifecycle Events for a pod, and BackOff and Unhealthy while it crash-loops', async () => {
    const labels = { app: 'fidelity' };
    sim.faults.crashLoop = 'fidelity';
    await client.apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'fidelity', namespace: 'default', labels },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } } },
    });
    const reasonsFor = async (): Promise<Map<string, KubeObject>> => {
      const events = (await client.list({ apiVersion: 'v1', kind: 'Event', namespace: 'default' })).items;
      return new Map(events.filter((e) => String((e.involvedObject as { name?: string }).name).startsWith('fidelity-')).map((e) => [String(e.reason), e]));
    };
    const deadline = Date.now() + 10_000;
    let reasons = await reasonsFor();
    while (!(reasons.has('BackOff') && (Number(reasons.get('BackOff')?.count) >= 2)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      reasons = await reasonsFor();
    }
    for (const reason of ['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started', 'BackOff', 'Unhealthy']) assert.ok(reasons.has(reason), `no ${reason} event; got ${[...reasons.keys()].join(', ')}`);
    assert.equal(reasons.get('BackOff')?.type, 'Warning');
    assert.ok(Number(reasons.get('BackOff')?.count) >= 2, 'a repeated BackOff raises the count of one Event');
    assert.match(String(reasons.get('Pulling')?.message), /Pulling image "busybox:1\.36"/);
    assert.equal((reasons.get('Scheduled')?.source as { component?: string }).component, 'default-scheduler');
  });

  it("streams a pod's log through the client, follows it, and stops on request", async () => {
    const pods = (await client.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'default' }, { labelSelector: 'app=fidelity' })).items;
    const pod = pods[0];
    assert.ok(pod?.metadata.name);
    let text = '';
    let ended = false;
    const handle = await client.streamLog({ name: pod.metadata.name, namespace: 'default' }, 'main', { follow: true }, (t) => (text += t), () => (ended = true));
    const deadline = Date.now() + 5_000;
    while (!/heartbeat 1/.test(text) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    handle.stop();
    assert.match(text, /main: starting \(pod fidelity-/);
    assert.match(text, /fatal: cannot open data directory/, 'a crash-looping container logs its failure');
    assert.match(text, /heartbeat 1/, 'follow keeps the stream open');
    assert.equal(ended, false, 'stop() does not report an end');
    await assert.rejects(client.streamLog({ name: pod.metadata.name, namespace: 'default' }, 'nope', { follow: false }, () => undefined, () => undefined));
  });

  async function kubectl(...args: string[]): Promise<string> {
    const { stdout } = await promisify(execFile)(ensureKubectl133(), ['--kubeconfig', join(dir, 'kubeconfig'), ...args], { timeout: 30_000 });
    return stdout;
  }

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('a DaemonSet follows taints set with kubectl: NoExecute evicts its pod, NoSchedule only stops new ones', async () => {
    const labels = { app: 'fidelity-agent' };
    await client.apply({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'fidelity-agent', namespace: 'default', labels },
      spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'agent', image: 'busybox:1.36' }] } } },
    });
    const ref = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'fidelity-agent', namespace: 'default' };
    const statusWhen = (want: (s: Record<string, number>) => boolean) =>
      until('the DaemonSet status', async () => {
        const status = ((await client.find(ref))?.status ?? {}) as Record<string, number>;
        return want(status) ? status : undefined;
      });
    const podNodes = async () => (await client.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'default' }, { labelSelector: 'app=fidelity-agent' })).items.map((p) => String((p.spec as { nodeName?: string }).nodeName)).sort();
    await statusWhen((s) => s.desiredNumberScheduled === 2 && s.numberReady === 2);
    const webLabels = { app: 'fidelity-web' };
    await client.apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'fidelity-web', namespace: 'default', labels: webLabels },
      spec: { replicas: 2, selector: { matchLabels: webLabels }, template: { metadata: { labels: webLabels }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
    });
    const webNodes = async () => (await client.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'default' }, { labelSelector: 'app=fidelity-web' })).items.map((p) => String((p.spec as { nodeName?: string }).nodeName)).sort();
    assert.deepEqual(await until('web pods on both nodes', async () => ((await webNodes()).join() === 'node-1,node-2' ? true : undefined)), true);

    await kubectl('taint', 'nodes', 'node-2', 'dedicated=gpu:NoExecute');
    const evicted = await statusWhen((s) => s.desiredNumberScheduled === 1 && s.numberReady === 1);
    assert.equal(evicted.numberMisscheduled, 0);
    assert.deepEqual(await podNodes(), ['node-1'], 'the NoExecute taint evicts the daemon pod');
    await until('the web pod evicted to node-1', async () => ((await webNodes()).join() === 'node-1,node-1' ? true : undefined));
    await client.delete({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'fidelity-web', namespace: 'default' });

    await kubectl('taint', 'nodes', 'node-2', 'dedicated-');
    await statusWhen((s) => s.desiredNumberScheduled === 2 && s.numberReady === 2);
    await kubectl('taint', 'nodes', 'node-2', 'dedicated=gpu:NoSchedule');
    const kept = await statusWhen((s) => s.desiredNumberScheduled === 1);
    assert.equal(kept.numberMisscheduled, 1, 'a pod already there stays, counted as misscheduled');
    assert.deepEqual(await podNodes(), ['node-1', 'node-2']);
    await kubectl('taint', 'nodes', 'node-2', 'dedicated-');
    await client.delete(ref);
  });

  it('a pod no node takes stays Pending with FailedScheduling in the scheduler\'s words, and runs once a node fits', async () => {
    const labels = { app: 'fidelity-ssd' };
    await client.apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'fidelity-ssd', namespace: 'default', labels },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'main', image: 'busybox:1.36' }] } } },
    });
    const pod = await until('the pending pod', async () => (await client.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'default' }, { labelSelector: 'app=fidelity-ssd' })).items[0]);
    const status = pod.status as { phase?: string; conditions?: { type: string; status: string; reason?: string }[] };
    assert.equal(status.phase, 'Pending');
    assert.deepEqual(status.conditions?.map((c) => [c.type, c.status, c.reason]), [['PodScheduled', 'False', 'Unschedulable']]);
    const event = await until('FailedScheduling', async () => (await client.list({ apiVersion: 'v1', kind: 'Event', namespace: 'default' })).items.find((e) => e.reason === 'FailedScheduling' && (e.involvedObject as { name?: string }).name === pod.metadata.name));
    assert.equal(event.type, 'Warning');
    assert.equal(event.message, "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.");

    await kubectl('label', 'nodes', 'node-1', 'disk=ssd');
    const running = await until('the pod bound and ready', async () => {
      const now = await client.find({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name ?? '', namespace: 'default' });
      const ready = (now?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      return ready ? now : undefined;
    });
    assert.equal((running?.spec as { nodeName?: string }).nodeName, 'node-1');
    await kubectl('label', 'nodes', 'node-1', 'disk-');
    await client.delete({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'fidelity-ssd', namespace: 'default' });
  });
});
