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
    assert.equal(chosen.context.name, 'acp-b');
    assert.equal(chosen.cluster?.server, 'https://b.example:6443');
    assert.equal(loaded.kubeConfig.currentContext, 'acp-a');
    assert.equal(loaded.withContext('').context.name, 'acp-a');
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

  describe('the kubeconfig model (what client-node used to read)', () => {
    const full = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: prod',
      '  cluster:',
      '    server: https://prod.example:6443/',
      '    certificate-authority: certs/ca.crt',
      '    insecure-skip-tls-verify: "true"',
      '    tls-server-name: kube.internal',
      '- name: lab',
      '  cluster:',
      '    server: https://lab.example:6443',
      '    certificate-authority-data: Q0EK',
      '    insecure-skip-tls-verify: true',
      '    proxy-url: socks5://127.0.0.1:1080',
      'users:',
      '- name: cert-user',
      '  user:',
      '    client-certificate: ../shared/user.crt',
      '    client-key: /abs/user.key',
      '    token-file: token',
      '    as: impersonated',
      '- name: exec-user',
      '  user:',
      '    exec:',
      '      apiVersion: client.authentication.k8s.io/v1',
      '      command: ./bin/login',
      '      args: [--region, eu]',
      '      env: [{name: A, value: b}]',
      '      provideClusterInfo: true',
      '- name: path-exec-user',
      '  user:',
      '    exec: {command: kubelogin}',
      '- name: basic',
      '  user: {username: admin, password: 12345}',
      'contexts:',
      '- name: prod',
      '  context: {cluster: prod, user: cert-user, namespace: cpaas-system}',
      '- name: lab',
      '  context: {cluster: lab, user: exec-user, namespace: ""}',
      '- name: nouser',
      '  context: {cluster: lab}',
      'current-context: prod',
    ].join('\n');

    it('reads clusters as client-node does: no trailing slash, only a YAML true skips TLS verification, paths against the folder', () => {
      const file = write('full.yaml', full);
      const loaded = loadKubeconfig({ settingValue: file, homeDir: home });
      const prod = loaded.withContext('prod');
      assert.equal(prod.cluster?.server, 'https://prod.example:6443');
      assert.equal(prod.cluster?.skipTLSVerify, false, 'the string "true" is not true');
      assert.equal(prod.cluster?.caFile, path.join(dir, 'certs', 'ca.crt'));
      assert.equal(prod.cluster?.tlsServerName, 'kube.internal');
      const lab = loaded.withContext('lab');
      assert.equal(lab.cluster?.skipTLSVerify, true);
      assert.equal(lab.cluster?.caData, 'Q0EK');
      assert.equal(lab.cluster?.proxyUrl, 'socks5://127.0.0.1:1080');
    });

    it("reads users' fields, making their file paths absolute, and contexts' namespace and user", () => {
      const file = write('full.yaml', full);
      const loaded = loadKubeconfig({ settingValue: file, homeDir: home });
      const prod = loaded.withContext('prod');
      assert.equal(prod.context.namespace, 'cpaas-system');
      assert.equal(prod.user?.certFile, path.join(dir, '..', 'shared', 'user.crt'));
      assert.equal(prod.user?.keyFile, '/abs/user.key');
      assert.equal(prod.user?.tokenFile, path.join(dir, 'token'));
      assert.equal(prod.user?.impersonateUser, 'impersonated');
      const lab = loaded.withContext('lab');
      assert.equal(lab.context.namespace, undefined, 'an empty namespace is none');
      assert.deepEqual(lab.user?.exec, {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: path.join(dir, 'bin', 'login'),
        args: ['--region', 'eu'],
        env: [{ name: 'A', value: 'b' }],
        provideClusterInfo: true,
      });
      assert.equal(loaded.kubeConfig.getUser('path-exec-user')?.exec?.command, 'kubelogin', 'a bare command is looked up on PATH');
      assert.deepEqual([loaded.kubeConfig.getUser('basic')?.username, loaded.kubeConfig.getUser('basic')?.password], ['admin', '12345']);
      const nouser = loaded.withContext('nouser');
      assert.equal(nouser.user, undefined);
      assert.equal(loaded.context('nouser')?.user, '');
    });

    it('names the first missing field as client-node did, and refuses lists and empty files', () => {
      const cases: [string, string][] = [
        ['clusters:\n- name: a\n', 'clusters[0].cluster is missing'],
        ['clusters:\n- name: a\n  cluster:\n    server: https://a\n- name: b\n  cluster: {}\n', 'clusters[1].cluster.server is missing'],
        ['users:\n- user: {token: x}\n', 'users[0].name is missing'],
        ['contexts:\n- context: {cluster: a}\n', 'contexts[0].name is missing'],
        ['contexts:\n- name: a\n', 'contexts[0].context is missing'],
        ['contexts:\n- name: a\n  context: {user: u}\n', 'contexts[0].context.cluster is missing'],
        ['- just\n- a list\n', 'it is not a kubeconfig mapping'],
        ['', 'it is not a kubeconfig mapping'],
      ];
      for (const [text, expected] of cases) {
        const file = write('case.yaml', text);
        assert.throws(
          () => loadKubeconfig({ settingValue: file, homeDir: home }),
          (err: unknown) => err instanceof KubeconfigError && err.code === 'unparseable' && err.message.includes(expected),
          expected,
        );
      }
    });

    it('reads a kubeconfig written as JSON, which is YAML', () => {
      const file = write('json.yaml', JSON.stringify({ clusters: [{ name: 'c', cluster: { server: 'https://c' } }], contexts: [{ name: 'x', context: { cluster: 'c' } }], 'current-context': 'x' }));
      assert.equal(loadKubeconfig({ settingValue: file, homeDir: home }).withContext().cluster?.server, 'https://c');
    });
  });
});
