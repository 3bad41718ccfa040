/**
 * Finds and loads the kubeconfig the way kubectl does, and describes its contexts without exposing credentials.
 * Order: the `deepflow.kubeconfig` setting, then `KUBECONFIG` (a path list, merged), then `~/.kube/config`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import { load as loadYaml } from 'js-yaml';

export type KubeconfigSourceKind = 'setting' | 'env' | 'default';

export interface KubeconfigSource {
  kind: KubeconfigSourceKind;
  /** The files that make up the configuration, in merge order (only existing ones for `env`). */
  paths: string[];
  /** For messages and logs: "setting deepflow.kubeconfig (/x/config)", "KUBECONFIG (a:b)", "~/.kube/config". */
  label: string;
}

export interface ContextInfo {
  name: string;
  cluster: string;
  /** Empty when the context names a cluster the kubeconfig does not define. */
  server: string;
  user: string;
  namespace: string | undefined;
}

export type KubeconfigErrorCode = 'notFound' | 'unreadable' | 'unparseable' | 'noContexts' | 'contextNotFound';

export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
  constructor(
    readonly code: KubeconfigErrorCode,
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

export interface KubeconfigEnvironment {
  /** Value of the `deepflow.kubeconfig` setting; empty means unset. May start with `~`. */
  settingValue?: string;
  /** Defaults to process.env.KUBECONFIG. */
  kubeconfigEnv?: string;
  /** Defaults to os.homedir(). */
  homeDir?: string;
}

export function expandHome(file: string, homeDir: string): string {
  if (file === '~') return homeDir;
  if (file.startsWith('~/') || file.startsWith('~\\')) return path.join(homeDir, file.slice(2));
  return file;
}

/** Decides which files to read, without reading them. Throws KubeconfigError('notFound') if none exists. */
export function resolveKubeconfigSource(env: KubeconfigEnvironment = {}): KubeconfigSource {
  const homeDir = env.homeDir ?? os.homedir();
  const setting = (env.settingValue ?? '').trim();
  if (setting !== '') {
    const file = path.resolve(expandHome(setting, homeDir));
    if (!fs.existsSync(file)) {
      throw new KubeconfigError('notFound', l10n.t('The kubeconfig named by the deepflow.kubeconfig setting does not exist: {0}', file), file);
    }
    return { kind: 'setting', paths: [file], label: l10n.t('setting deepflow.kubeconfig ({0})', file) };
  }
  const fromEnv = env.kubeconfigEnv ?? process.env.KUBECONFIG ?? '';
  if (fromEnv.trim() !== '') {
    const listed = fromEnv
      .split(path.delimiter)
      .filter((p) => p.trim() !== '')
      .map((p) => path.resolve(expandHome(p.trim(), homeDir)));
    // kubectl skips KUBECONFIG entries that do not exist.
    const existing = [...new Set(listed)].filter((p) => fs.existsSync(p));
    if (existing.length === 0) {
      throw new KubeconfigError('notFound', l10n.t('None of the files in KUBECONFIG exist: {0}', listed.join(path.delimiter)));
    }
    return { kind: 'env', paths: existing, label: `KUBECONFIG (${existing.join(path.delimiter)})` };
  }
  const file = path.join(homeDir, '.kube', 'config');
  if (!fs.existsSync(file)) {
    throw new KubeconfigError('notFound', l10n.t('No kubeconfig found: the deepflow.kubeconfig setting and KUBECONFIG are empty, and {0} does not exist.', file), file);
  }
  return { kind: 'default', paths: [file], label: file };
}

/** A cluster entry, with client-node's field names so the fallback in clientNodeAuth.ts maps it one to one. */
export interface KubeCluster {
  name: string;
  /** Without a trailing slash. */
  server: string;
  /** Base64 PEM, as in the file. */
  caData?: string;
  /** Absolute (made so against the kubeconfig's folder). */
  caFile?: string;
  /** Only a YAML `true` counts, as in client-node. */
  skipTLSVerify: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
  /** The `client.authentication.k8s.io/exec` extension's value, handed to exec plugins with the cluster info. */
  execExtension?: unknown;
}

/** An exec credential plugin, as the kubeconfig spells it. */
export interface ExecConfig {
  apiVersion?: string;
  command: string;
  args?: string[];
  env?: { name: string; value: string }[];
  provideClusterInfo?: boolean;
}

export interface AuthProviderConfig {
  name: string;
  config?: Record<string, unknown>;
}

/** A user entry, with client-node's field names. Secrets stay here; nothing that describes a user copies them. */
export interface KubeUser {
  name: string;
  token?: string;
  /** Absolute; read when a request needs it and again when older than a minute. */
  tokenFile?: string;
  username?: string;
  password?: string;
  certData?: string;
  certFile?: string;
  keyData?: string;
  keyFile?: string;
  exec?: ExecConfig;
  authProvider?: AuthProviderConfig;
  impersonateUser?: string;
}

export interface KubeContext {
  name: string;
  cluster: string;
  user?: string;
  namespace?: string;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A scalar as text (YAML may read `token: 12345` as a number); anything else is absent. */
function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** An entry that is not a mapping makes the file "not a kubeconfig mapping", as client-node's TypeError did. */
function entries(list: unknown): Record<string, unknown>[] {
  if (!Array.isArray(list)) return [];
  return list.map((entry) => {
    if (!isMapping(entry)) throw new TypeError('not a mapping');
    return entry;
  });
}

/** A missing field is named ("clusters[0].name is missing"), never a value: these messages reach the user. */
function parseCluster(entry: Record<string, unknown>, index: number): KubeCluster {
  const name = scalar(entry.name);
  if (!name) throw new Error(`clusters[${index}].name is missing`);
  const cluster = entry.cluster;
  if (!cluster) throw new Error(`clusters[${index}].cluster is missing`);
  if (!isMapping(cluster)) throw new TypeError('not a mapping');
  if (!cluster.server) throw new Error(`clusters[${index}].cluster.server is missing`);
  const server = scalar(cluster.server);
  if (server === undefined) throw new TypeError('not a mapping');
  const extensions = Array.isArray(cluster.extensions) ? cluster.extensions.filter(isMapping) : [];
  return {
    name,
    server: server.replace(/\/$/, ''),
    caData: scalar(cluster['certificate-authority-data']),
    caFile: scalar(cluster['certificate-authority']),
    skipTLSVerify: cluster['insecure-skip-tls-verify'] === true,
    tlsServerName: scalar(cluster['tls-server-name']),
    proxyUrl: scalar(cluster['proxy-url']),
    execExtension: extensions.find((e) => e.name === 'client.authentication.k8s.io/exec')?.extension,
  };
}

function parseExec(value: unknown): ExecConfig | undefined {
  if (!isMapping(value)) return undefined;
  return {
    apiVersion: scalar(value.apiVersion),
    command: scalar(value.command) ?? '',
    args: Array.isArray(value.args) ? value.args.map((a) => scalar(a) ?? '') : undefined,
    env: Array.isArray(value.env) ? value.env.filter(isMapping).map((e) => ({ name: scalar(e.name) ?? '', value: scalar(e.value) ?? '' })) : undefined,
    provideClusterInfo: value.provideClusterInfo === true,
  };
}

function parseUser(entry: Record<string, unknown>, index: number): KubeUser {
  const name = scalar(entry.name);
  if (!name) throw new Error(`users[${index}].name is missing`);
  const user = isMapping(entry.user) ? entry.user : {};
  const authProvider = isMapping(user['auth-provider']) ? user['auth-provider'] : undefined;
  return {
    name,
    token: scalar(user.token) || undefined,
    tokenFile: scalar(user['token-file']) || undefined,
    username: scalar(user.username),
    password: scalar(user.password),
    certData: scalar(user['client-certificate-data']),
    certFile: scalar(user['client-certificate']),
    keyData: scalar(user['client-key-data']),
    keyFile: scalar(user['client-key']),
    exec: parseExec(user.exec),
    authProvider: authProvider ? { name: scalar(authProvider.name) ?? '', config: isMapping(authProvider.config) ? authProvider.config : undefined } : undefined,
    impersonateUser: scalar(user.as),
  };
}

function parseContext(entry: Record<string, unknown>, index: number): KubeContext {
  const name = scalar(entry.name);
  if (!name) throw new Error(`contexts[${index}].name is missing`);
  const context = entry.context;
  if (!context) throw new Error(`contexts[${index}].context is missing`);
  if (!isMapping(context)) throw new TypeError('not a mapping');
  const cluster = scalar(context.cluster);
  if (!cluster) throw new Error(`contexts[${index}].context.cluster is missing`);
  return { name, cluster, user: scalar(context.user) || undefined, namespace: scalar(context.namespace) || undefined };
}

/** Relative file names in a kubeconfig are relative to its folder, as kubectl reads them. */
function absoluteIn(folder: string, file: string | undefined): string | undefined {
  return file === undefined || file === '' || path.isAbsolute(file) ? file : path.join(folder, file);
}

/** The clusters, users and contexts of one file or of several merged; the first entry of a name is the one used. */
export class KubeconfigModel {
  constructor(
    readonly clusters: KubeCluster[],
    readonly users: KubeUser[],
    readonly contexts: KubeContext[],
    readonly currentContext: string | undefined,
  ) {}

  /** Parses one file's text; relative file names are resolved against `folder`. Throws on an invalid entry. */
  static parse(text: string, folder: string): KubeconfigModel {
    const document = loadYaml(text);
    // An empty file is no kubeconfig; a scalar or a list would otherwise read as an empty one.
    if (!isMapping(document)) throw new TypeError('not a mapping');
    const clusters = entries(document.clusters).map(parseCluster);
    const users = entries(document.users).map(parseUser);
    const contexts = entries(document.contexts).map(parseContext);
    for (const cluster of clusters) cluster.caFile = absoluteIn(folder, cluster.caFile);
    for (const user of users) {
      user.certFile = absoluteIn(folder, user.certFile);
      user.keyFile = absoluteIn(folder, user.keyFile);
      user.tokenFile = absoluteIn(folder, user.tokenFile);
      // kubectl resolves a plugin command against the kubeconfig's folder only when it names a path ("./bin/login").
      if (user.exec && /[\\/]/.test(user.exec.command)) user.exec.command = absoluteIn(folder, user.exec.command) ?? '';
    }
    return new KubeconfigModel(clusters, users, contexts, scalar(document['current-context']));
  }

  getContextObject(name: string): KubeContext | undefined {
    return this.contexts.find((c) => c.name === name);
  }

  getCluster(name: string): KubeCluster | undefined {
    return this.clusters.find((c) => c.name === name);
  }

  getUser(name: string): KubeUser | undefined {
    return this.users.find((u) => u.name === name);
  }
}

/**
 * One context with its cluster and user: what a ClusterClient connects with. `cluster` is undefined when the
 * context names a cluster the kubeconfig lacks, `user` when it names no user or one the kubeconfig lacks (no
 * credentials are sent then, as with kubectl).
 */
export interface SelectedContext {
  readonly context: KubeContext;
  readonly cluster: KubeCluster | undefined;
  readonly user: KubeUser | undefined;
}

function loadOneFile(file: string): KubeconfigModel {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf-8');
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : 'error';
    throw new KubeconfigError('unreadable', l10n.t('Cannot read the kubeconfig {0} ({1}).', file, code), file);
  }
  try {
    return KubeconfigModel.parse(text, path.dirname(file));
  } catch (err) {
    throw new KubeconfigError('unparseable', l10n.t('The kubeconfig {0} is not valid: {1}.', file, describeParseError(err)), file);
  }
}

/**
 * js-yaml's message quotes the offending lines, which may hold a token, so only its reason and position are used.
 * The validation messages ("users[0].name is missing") name fields, never values.
 */
function describeParseError(err: unknown): string {
  if (typeof err !== 'object' || err === null) return l10n.t('unknown error');
  const e = err as { name?: unknown; reason?: unknown; mark?: { line?: unknown; column?: unknown }; message?: unknown };
  if (e.name === 'YAMLException') {
    const line = typeof e.mark?.line === 'number' ? e.mark.line + 1 : undefined;
    const column = typeof e.mark?.column === 'number' ? e.mark.column + 1 : undefined;
    const reason = typeof e.reason === 'string' ? e.reason : undefined;
    if (line !== undefined && column !== undefined) {
      return reason === undefined ? l10n.t('YAML error at line {0}, column {1}', line, column) : l10n.t('YAML error at line {0}, column {1}: {2}', line, column, reason);
    }
    return reason === undefined ? l10n.t('YAML error') : l10n.t('YAML error: {0}', reason);
  }
  if (e instanceof TypeError) return l10n.t('it is not a kubeconfig mapping (clusters, users, contexts)');
  if (typeof e.message === 'string' && /^(clusters|users|contexts)\[\d+\]/.test(e.message)) return e.message;
  return l10n.t('it could not be parsed');
}

/**
 * kubectl's merge: for clusters, users and contexts the first file that defines a name wins; the current context
 * is the first non-empty one. (client-node's mergeConfig throws on duplicates instead.)
 */
export function mergeKubeConfigs(configs: KubeconfigModel[]): KubeconfigModel {
  const clusters = new Map<string, KubeCluster>();
  const users = new Map<string, KubeUser>();
  const contexts = new Map<string, KubeContext>();
  let currentContext = '';
  for (const kc of configs) {
    for (const c of kc.clusters) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of kc.users) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of kc.contexts) if (!contexts.has(c.name)) contexts.set(c.name, c);
    if (currentContext === '' && kc.currentContext) currentContext = kc.currentContext;
  }
  return new KubeconfigModel([...clusters.values()], [...users.values()], [...contexts.values()], currentContext);
}

export class LoadedKubeconfig {
  constructor(
    readonly source: KubeconfigSource,
    /** The merged configuration; its current context is the file's, untouched by `withContext`. */
    readonly kubeConfig: KubeconfigModel,
  ) {}

  get contexts(): ContextInfo[] {
    return this.kubeConfig.contexts.map((c) => ({
      name: c.name,
      cluster: c.cluster,
      server: this.kubeConfig.getCluster(c.cluster)?.server ?? '',
      user: c.user ?? '',
      namespace: c.namespace,
    }));
  }

  /** The kubeconfig's current-context, if it names a context that exists. */
  get currentContext(): string | undefined {
    const name = this.kubeConfig.currentContext;
    return name && this.kubeConfig.getContextObject(name) ? name : undefined;
  }

  context(name: string): ContextInfo | undefined {
    return this.contexts.find((c) => c.name === name);
  }

  /** The context `name` (or the file's current context when `name` is empty) with its cluster and user. */
  withContext(name?: string): SelectedContext {
    const chosen = name && name !== '' ? name : this.currentContext;
    const count = this.kubeConfig.contexts.length;
    if (!chosen) {
      throw new KubeconfigError(
        count === 0 ? 'noContexts' : 'contextNotFound',
        count === 0 ? l10n.t('The kubeconfig from {0} has no contexts.', this.source.label) : l10n.t('The kubeconfig from {0} sets no current context; choose one.', this.source.label),
      );
    }
    const context = this.kubeConfig.getContextObject(chosen);
    if (!context) {
      const known = this.contexts.map((c) => c.name).join(', ');
      throw new KubeconfigError(
        'contextNotFound',
        known
          ? l10n.t('Context "{0}" is not in the kubeconfig from {1} (contexts: {2}).', chosen, this.source.label, known)
          : l10n.t('Context "{0}" is not in the kubeconfig from {1}, which has no contexts.', chosen, this.source.label),
      );
    }
    const user = context.user === undefined ? undefined : this.kubeConfig.getUser(context.user);
    return { context, cluster: this.kubeConfig.getCluster(context.cluster), user };
  }
}

/** Resolves the source and loads it. Throws KubeconfigError with a secret-free message. */
export function loadKubeconfig(env: KubeconfigEnvironment = {}): LoadedKubeconfig {
  const source = resolveKubeconfigSource(env);
  const configs = source.paths.map(loadOneFile);
  const merged = configs.length === 1 && configs[0] ? configs[0] : mergeKubeConfigs(configs);
  return new LoadedKubeconfig(source, merged);
}
