import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeconfigError, loadKubeconfig, resolveKubeconfigSource } from '../../src/cluster/kubeconfig';

const SECRET_TOKEN = 'sha256~very-secret-token-value';

interface Entry {
  context: string;
  cluster: string;
  server: string;
  user: string;
  namespace?: string;
}

function kubeconfigText(entries: Entry[], currentContext?: string): string {
  const lines = ['apiVersion: v1', 'kind: Config', 'clusters:'];
  for (const e of entries) lines.push(`- name: ${e.cluster}`, '  cluster:', `    server: ${e.server}`);
  lines.push('users:');
  for (const e of entries) lines.push(`- name: ${e.user}`, '  user:', `    token: ${SECRET_TOKEN}`);
  lines.push('contexts:');
  for (const e of entries) {
    lines.push(`- name: ${e.context}`, '  context:', `    cluster: ${e.cluster}`, `    user: ${e.user}`);
    if (e.namespace) lines.push(`    namespace: ${e.namespace}`);
  }
  if (currentContext !== undefined) lines.push(`current-context: ${currentContext}`);
  return lines.join('\n') + '\n';
}

describe('kubeconfig resolution', () => {
  let dir: string;
  let home: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepflow-kubeconfig-'));
    home = path.join(dir, 'home');
    fs.mkdirSync(path.join(home, '.kube'), { recursive: true });
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function write(name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  }

  const a: Entry = { context: 'acp-a', cluster: 'cluster-a', server: 'https://a.example:6443', user: 'admin-a', namespace: 'cpaas-system' };
  const b: Entry = { context: 'acp-b', cluster: 'cluster-b', server: 'https://b.example:6443', user: 'admin-b' };

  it('prefers the setting, expanding ~, over KUBECONFIG and ~/.kube/config', () => {
    fs.writeFileSync(path.join(home, 'custom.yaml'), kubeconfigText([a], 'acp-a'));
    const envFile = write('env.yaml', kubeconfigText([b], 'acp-b'));
    const source = resolveKubeconfigSource({ settingValue: '~/custom.yaml', kubeconfigEnv: envFile, homeDir: home });
    assert.equal(source.kind, 'setting');
    assert.deepEqual(source.paths, [path.join(home, 'custom.yaml')]);
  });

  it('uses KUBECONFIG when the setting is empty, then ~/.kube/config', () => {
    const envFile = write('env.yaml', kubeconfigText([b], 'acp-b'));
    fs.writeFileSync(path.join(home, '.kube', 'config'), kubeconfigText([a], 'acp-a'));
    assert.equal(resolveKubeconfigSource({ settingValue: '  ', kubeconfigEnv: envFile, homeDir: home }).kind, 'env');
    const fallback = resolveKubeconfigSource({ settingValue: '', kubeconfigEnv: '', homeDir: home });
    assert.equal(fallback.kind, 'default');
    assert.deepEqual(fallback.paths, [path.join(home, '.kube', 'config')]);
  });

  it('merges a KUBECONFIG list as kubectl does: first definition and first current-context win, missing files skipped', () => {
    const first = write('first.yaml', kubeconfigText([a], ''));
    const dup: Entry = { ...a, server: 'https://shadowed.example:6443' };
    const second = write('second.yaml', kubeconfigText([dup, b], 'acp-b'));
    const missing = path.join(dir, 'missing.yaml');
    const loaded = loadKubeconfig({ kubeconfigEnv: [first, missing, second].join(path.delimiter), homeDir: home });
    assert.equal(loaded.source.kind, 'env');
    assert.deepEqual(loaded.source.paths, [first, second]);
    assert.equal(loaded.currentContext, 'acp-b');
    assert.deepEqual(loaded.contexts, [
      { name: 'acp-a', cluster: 'cluster-a', server: 'https://a.example:6443', user: 'admin-a', namespace: 'cpaas-system' },
      { name: 'acp-b', cluster: 'cluster-b', server: 'https://b.example:6443', user: 'admin-b', namespace: undefined },
    ]);
  });

  it('chooses a context by name without changing the loaded configuration', () => {
    const file = write('two.yaml', kubeconfigText([a, b], 'acp-a'));
    const loaded = loadKubeconfig({ settingValue: file, homeDir: home });
    const chosen = loaded.withContext('acp-b');
    assert.equal(chosen.getCurrentContext(), 'acp-b');
    assert.equal(chosen.getCurrentCluster()?.server, 'https://b.example:6443');
    assert.equal(loaded.kubeConfig.getCurrentContext(), 'acp-a');
    assert.equal(loaded.withContext('').getCurrentContext(), 'acp-a');
    assert.throws(
      () => loaded.withContext('nope'),
      (err: unknown) => err instanceof KubeconfigError && err.code === 'contextNotFound' && /Context "nope".*acp-a, acp-b/.test(err.message),
    );
  });

  it('reports a missing file with a typed error naming the source', () => {
    assert.throws(
      () => resolveKubeconfigSource({ settingValue: path.join(dir, 'none.yaml'), homeDir: home }),
      (err: unknown) => err instanceof KubeconfigError && err.code === 'notFound' && err.message.includes('deepflow.kubeconfig setting'),
    );
    assert.throws(
      () => resolveKubeconfigSource({ kubeconfigEnv: path.join(dir, 'none.yaml'), homeDir: home }),
      (err: unknown) => err instanceof KubeconfigError && err.code === 'notFound' && err.message.includes('KUBECONFIG'),
    );
    assert.throws(
      () => resolveKubeconfigSource({ kubeconfigEnv: '', homeDir: home }),
      (err: unknown) => err instanceof KubeconfigError && err.code === 'notFound' && err.message.includes(path.join(home, '.kube', 'config')),
    );
  });

  it('reports an unparseable file without quoting its contents', () => {
    const broken = write('broken.yaml', `users:\n- name: u\n  user:\n    token: ${SECRET_TOKEN}\n   bad: [indent\n`);
    assert.throws(
      () => loadKubeconfig({ settingValue: broken, homeDir: home }),
      (err: unknown) => err instanceof KubeconfigError && err.code === 'unparseable' && /YAML error at line \d+/.test(err.message) && !err.message.includes(SECRET_TOKEN),
    );
    const scalar = write('scalar.yaml', 'just a string\n');
    assert.throws(
      () => loadKubeconfig({ settingValue: scalar, homeDir: home }),
      (err: unknown) => err instanceof KubeconfigError && err.code === 'unparseable',
    );
    const nameless = write('nameless.yaml', `clusters:\n- cluster:\n    server: https://x\n`);
    assert.throws(
      () => loadKubeconfig({ settingValue: nameless, homeDir: home }),
      (err: unknown) => err instanceof KubeconfigError && err.message.includes('clusters[0].name is missing'),
    );
  });

  it('a kubeconfig without contexts loads but cannot build a client configuration', () => {
    const empty = write('empty.yaml', 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n');
    const loaded = loadKubeconfig({ settingValue: empty, homeDir: home });
    assert.deepEqual(loaded.contexts, []);
    assert.throws(() => loaded.withContext(), (err: unknown) => err instanceof KubeconfigError && err.code === 'noContexts');
  });
});
