// Runs inside a real VS Code extension host, with KUBECONFIG pointing at the ACP simulator: the Components view's
// data follows what the real kubectl changes on the cluster, and the context setting redirects it.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import type { DeepflowApi } from '../../src/services';

const EXTENSION_ID = 'deepflow-acp.deepflow-acp';

async function api(): Promise<DeepflowApi> {
  const extension = vscode.extensions.getExtension<DeepflowApi>(EXTENSION_ID);
  assert.ok(extension, `extension ${EXTENSION_ID} is not installed in this host`);
  return extension.activate();
}

function kubectl(args: string[], input?: string): string {
  const binary = process.env.DEEPFLOW_TEST_KUBECTL;
  assert.ok(binary, 'DEEPFLOW_TEST_KUBECTL is not set: run through npm run test:exthost');
  return execFileSync(binary, ['--cache-dir', `${process.env.TMPDIR ?? '/tmp'}/kubectl-cache`, ...args], {
    input,
    encoding: 'utf8',
  });
}

const storageClass = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'nfs' },
  provisioner: 'nfs.csi.k8s.io',
  parameters: { server: 'nfs.example.test', share: '/nfs' },
};

suite('components view data', () => {
  test('reads the simulator named by KUBECONFIG, and follows a change made with kubectl', async () => {
    const deepflow = await api();
    const before = await deepflow.readStatus();
    const readinessOf = (status: typeof before) => status.prerequisites.find((p) => p.spec.id === 'storageClass')?.readiness;
    assert.equal(readinessOf(before), 'missing');
    assert.deepEqual(
      before.components.map((c) => c.readiness),
      ['missing', 'missing', 'missing', 'missing', 'missing', 'missing'],
    );

    // The status comes from the watch cache: the change arrives through the watch a moment after kubectl returns.
    const eventually = async (expected: string): Promise<void> => {
      const deadline = Date.now() + 2_000;
      while (readinessOf(await deepflow.readStatus()) !== expected) {
        assert.ok(Date.now() < deadline, `the storage class is not ${expected} 2 s after kubectl`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    kubectl(['apply', '-f', '-'], JSON.stringify(storageClass));
    try {
      await eventually('ready');
      await vscode.commands.executeCommand('deepflow.components.refresh');
    } finally {
      kubectl(['delete', 'storageclass', 'nfs']);
    }
    await eventually('missing');
  });

  test('a context that the kubeconfig lacks gives a message naming the contexts it has', async () => {
    const deepflow = await api();
    const config = vscode.workspace.getConfiguration('deepflow');
    await config.update('context', 'no-such-context', vscode.ConfigurationTarget.Global);
    try {
      await assert.rejects(deepflow.readStatus(), (error: Error) => {
        assert.match(error.message, /Context "no-such-context" is not in the kubeconfig/);
        assert.match(error.message, /contexts: cluster1/);
        return true;
      });
    } finally {
      await config.update('context', undefined, vscode.ConfigurationTarget.Global);
    }
    // Back on the kubeconfig's own context, reads work again.
    assert.equal((await deepflow.readStatus()).components.length, 6);
  });
});
