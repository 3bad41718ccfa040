/**
 * The real kubectl (1.20 from Debian, 1.33 from the aws-cdk layer) against the simulated API server.
 * Each kubectl runs as a separate process with its own discovery cache, like a user's shell would.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ensureKubectl120, ensureKubectl133 } from '../../scripts/lib/tools.mjs';
import type { KubeObject } from '../sim/contract';
import { startTestApiServer, type TestApiServer } from '../sim/api/harness';

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function deployment(name: string, replicas: number, image: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image, ports: [{ containerPort: 8080 }] }] },
      },
    },
  };
}

function configMap(name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data };
}

function pod(name: string, node: string, ip: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { nodeName: node, containers: [{ name: 'main', image: 'nginx' }] },
    status: { phase: 'Running', podIP: ip, containerStatuses: [{ name: 'main', ready: true, restartCount: 0, state: { running: {} } }] },
  };
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

const versions: { label: string; binary: () => string; jsonpathWait: boolean }[] = [
  { label: 'kubectl 1.20', binary: ensureKubectl120, jsonpathWait: false },
  { label: 'kubectl 1.33', binary: ensureKubectl133, jsonpathWait: true },
];

for (const version of versions) {
  describe(`${version.label} against the simulated API server`, function () {
    this.timeout(60_000);
    let sim: TestApiServer;
    let dir: string;
    let kubectlPath: string;

    function kubectl(...args: string[]): Promise<RunResult> {
      return new Promise((resolve) => {
        execFile(kubectlPath, ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args], { env: { ...process.env, HOME: dir }, timeout: 45_000 }, (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        });
      });
    }

    async function ok(...args: string[]): Promise<string> {
      const result = await kubectl(...args);
      assert.equal(result.code, 0, `kubectl ${args.join(' ')} failed: ${result.stderr}`);
      return result.stdout;
    }

    function writeManifest(name: string, objects: KubeObject[]): string {
      const file = join(dir, name);
      writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
      return file;
    }

    before(async () => {
      kubectlPath = version.binary();
      dir = mkdtempSync(join(tmpdir(), 'sim-kubectl-'));
      sim = await startTestApiServer();
      sim.writeKubeconfig(join(dir, 'kubeconfig'));
    });

    after(async () => {
      await sim.api.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('gets namespaces', async () => {
      const out = await ok('get', 'namespaces');
      assert.match(out, /^NAME\s+STATUS\s+AGE/m);
      for (const ns of ['default', 'kube-system', 'kube-public', 'cpaas-system']) assert.match(out, new RegExp(`^${ns}\\s+Active`, 'm'));
    });

    it('gets pods -o wide with READY, STATUS, IP and NODE', async () => {
      sim.store.put(pod('web-1', 'node-1', '10.0.0.11'));
      sim.store.put(pod('web-2', 'node-2', '10.0.0.12'));
      const out = await ok('get', 'pods', '-o', 'wide', '-n', 'default');
      assert.match(out, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/m);
      assert.match(out, /^web-1\s+1\/1\s+Running\s+0\s+\S+\s+10\.0\.0\.11\s+node-1/m);
      assert.match(out, /^web-2\s+1\/1\s+Running/m);
    });

    it('gets an AppRelease by its short name ars, and as JSON', async () => {
      sim.store.put({ apiVersion: 'operator.alauda.io/v1alpha1', kind: 'AppRelease', metadata: { name: 'nfs', namespace: 'cpaas-system' }, spec: { chart: 'nfs' } });
      const out = await ok('get', 'ars', '-n', 'cpaas-system');
      assert.match(out, /^nfs\s/m);
      const json = JSON.parse(await ok('get', 'ars', 'nfs', '-n', 'cpaas-system', '-o', 'json')) as KubeObject;
      assert.equal(json.kind, 'AppRelease');
      assert.equal(record(json.spec).chart, 'nfs');
    });

    it('answers NotFound for a missing object', async () => {
      const result = await kubectl('get', 'deployment', 'nope', '-n', 'default');
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /NotFound|not found/);
    });

    it('apply -f creates, then updates a Deployment and a ConfigMap', async () => {
      const first = writeManifest('v1.yaml', [deployment('web', 1, 'nginx:1.25'), configMap('web-config', { mode: 'a' })]);
      const created = await ok('apply', '-f', first);
      assert.match(created, /deployment\.apps\/web created/);
      assert.match(created, /configmap\/web-config created/);
      const second = writeManifest('v2.yaml', [deployment('web', 3, 'nginx:1.27'), configMap('web-config', { mode: 'b', extra: 'x' })]);
      const updated = await ok('apply', '-f', second);
      assert.match(updated, /deployment\.apps\/web configured/);
      assert.match(updated, /configmap\/web-config configured/);
      const stored = sim.store.get('apps/v1', 'Deployment', 'default', 'web');
      assert.equal(record(stored?.spec).replicas, 3);
      const containers = record(record(record(stored?.spec).template).spec).containers as Record<string, unknown>[];
      assert.equal(containers.length, 1);
      assert.equal(containers[0]?.image, 'nginx:1.27');
      assert.equal(stored?.metadata.generation, 2);
      assert.deepEqual(sim.store.get('v1', 'ConfigMap', 'default', 'web-config')?.data, { mode: 'b', extra: 'x' });
      // Applying the same file again changes nothing.
      assert.match(await ok('apply', '-f', second), /deployment\.apps\/web unchanged/);
    });

    it('apply --server-side creates and updates a Deployment and an Application', async () => {
      const app: KubeObject = {
        apiVersion: 'app.k8s.io/v1beta1',
        kind: 'Application',
        metadata: { name: 'deepflow', namespace: 'cpaas-system', annotations: { 'app.cpaas.io/chart.version': 'v7.0' }, labels: { 'sync-from-helmrequest': 'true' } },
        spec: { assemblyPhase: 'Pending', componentKinds: [{ group: 'apps', kind: 'Deployment' }] },
      };
      const file = writeManifest('ssa.yaml', [deployment('ssa-web', 2, 'busybox:1'), app]);
      const out = await ok('apply', '--server-side', '-f', file);
      assert.match(out, /deployment\.apps\/ssa-web serverside-applied/);
      assert.match(out, /application\.app\.k8s\.io\/deepflow serverside-applied/);
      const stored = sim.store.get('app.k8s.io/v1beta1', 'Application', 'cpaas-system', 'deepflow');
      assert.equal(record(stored?.spec).assemblyPhase, 'Pending');
      const managers = (stored?.metadata.managedFields ?? []).map((m) => record(m).manager);
      assert.deepEqual(managers, ['kubectl']);
      // Dropping a label from the applied config removes it: the same manager owned it.
      const changed = { ...app, metadata: { ...app.metadata, labels: {} } };
      await ok('apply', '--server-side', '-f', writeManifest('ssa2.yaml', [deployment('ssa-web', 4, 'busybox:1'), changed]));
      assert.equal(record(sim.store.get('apps/v1', 'Deployment', 'default', 'ssa-web')?.spec).replicas, 4);
      assert.equal(sim.store.get('app.k8s.io/v1beta1', 'Application', 'cpaas-system', 'deepflow')?.metadata.labels?.['sync-from-helmrequest'], undefined);
    });

    it('wait --for=condition=Health=true ars/nfs returns once a controller sets the condition', async () => {
      const timer = setTimeout(() => {
        sim.store.putStatus('operator.alauda.io/v1alpha1', 'AppRelease', 'cpaas-system', 'nfs', { conditions: [{ type: 'Health', status: 'True', reason: 'Healthy' }] });
      }, 300);
      try {
        const out = await ok('wait', '--for=condition=Health=true', 'ars/nfs', '-n', 'cpaas-system', '--timeout=20s');
        assert.match(out, /appreleases?\.operator\.alauda\.io\/nfs condition met/);
      } finally {
        clearTimeout(timer);
      }
    });

    if (version.jsonpathWait) {
      it("wait --for=jsonpath='{.spec.assemblyPhase}'=Succeeded application/deepflow", async () => {
        const timer = setTimeout(() => {
          const app = sim.store.get('app.k8s.io/v1beta1', 'Application', 'cpaas-system', 'deepflow');
          if (app) sim.store.put({ ...app, spec: { ...record(app.spec), assemblyPhase: 'Succeeded' } });
        }, 300);
        try {
          const out = await ok('wait', '--for=jsonpath={.spec.assemblyPhase}=Succeeded', 'application/deepflow', '-n', 'cpaas-system', '--timeout=20s');
          assert.match(out, /application\.app\.k8s\.io\/deepflow condition met/);
        } finally {
          clearTimeout(timer);
        }
      });
    }

    it('rollout status follows a Deployment until its status is complete', async () => {
      const timer = setTimeout(() => {
        const web = sim.store.get('apps/v1', 'Deployment', 'default', 'web');
        if (!web) return;
        sim.store.putStatus('apps/v1', 'Deployment', 'default', 'web', {
          observedGeneration: web.metadata.generation,
          replicas: 3,
          updatedReplicas: 3,
          readyReplicas: 3,
          availableReplicas: 3,
          conditions: [{ type: 'Available', status: 'True' }, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }],
        });
      }, 300);
      try {
        const out = await ok('rollout', 'status', 'deployment/web', '-n', 'default', '--timeout=20s');
        assert.match(out, /successfully rolled out/);
      } finally {
        clearTimeout(timer);
      }
    });

    it('gets deployments with READY, UP-TO-DATE and AVAILABLE', async () => {
      const out = await ok('get', 'deployments', '-n', 'default');
      assert.match(out, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/m);
      assert.match(out, /^web\s+3\/3\s+3\s+3\s/m);
    });

    it('deletes the applied objects', async () => {
      const out = await ok('delete', '-f', join(dir, 'v2.yaml'));
      assert.match(out, /deployment\.apps "web" deleted/);
      assert.match(out, /configmap "web-config" deleted/);
      assert.equal(sim.store.get('apps/v1', 'Deployment', 'default', 'web'), undefined);
      assert.equal(sim.store.get('v1', 'ConfigMap', 'default', 'web-config'), undefined);
      assert.match(await ok('delete', 'ars', 'nfs', '-n', 'cpaas-system'), /deleted/);
    });

    it('reports 403 from the token grant, and auth can-i agrees', async () => {
      const token = sim.addToken({ user: 'viewer', rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] });
      sim.writeKubeconfig(join(dir, 'kubeconfig'), token);
      try {
        assert.equal((await kubectl('get', 'pods', '-n', 'default')).code, 0);
        const denied = await kubectl('delete', 'pod', 'web-1', '-n', 'default');
        assert.notEqual(denied.code, 0);
        assert.match(denied.stderr, /User "viewer" cannot delete resource "pods" in API group "" in the namespace "default"/);
        // kubectl 1.33 sends this SelfSubjectAccessReview as protobuf.
        const canList = await kubectl('auth', 'can-i', 'list', 'pods', '-n', 'default');
        assert.equal(canList.code, 0);
        assert.equal(canList.stdout.trim(), 'yes');
        const canDelete = await kubectl('auth', 'can-i', 'delete', 'pods', '-n', 'default');
        assert.equal(canDelete.code, 1);
        assert.equal(canDelete.stdout.trim(), 'no');
      } finally {
        sim.writeKubeconfig(join(dir, 'kubeconfig'));
      }
    });
  });
}
