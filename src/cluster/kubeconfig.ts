/**
 * Finds and loads the kubeconfig the way kubectl does, and describes its contexts without exposing credentials.
 * Order: the `deepflow.kubeconfig` setting, then `KUBECONFIG` (a path list, merged), then `~/.kube/config`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import * as l10n from '@vscode/l10n';
import { parse as parseYaml, YAMLError } from 'yaml';

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

function loadOneFile(file: string): KubeConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf-8');
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : 'error';
    throw new KubeconfigError('unreadable', l10n.t('Cannot read the kubeconfig {0} ({1}).', file, code), file);
  }
  const kc = new KubeConfig();
  try {
    // client-node accepts any YAML document and silently yields an empty config for a scalar or a list.
    const document: unknown = parseYaml(text);
    if (document !== null && document !== undefined && (typeof document !== 'object' || Array.isArray(document))) {
      throw new TypeError('not a mapping');
    }
    kc.loadFromString(text);
    kc.makePathsAbsolute(path.dirname(file));
  } catch (err) {
    throw new KubeconfigError('unparseable', l10n.t('The kubeconfig {0} is not valid: {1}.', file, describeParseError(err)), file);
  }
  return kc;
}

/**
 * js-yaml's message quotes the offending lines, which may hold a token, so only its reason and position are used.
 * client-node's own validation messages ("users[0].name is missing") name fields, never values.
 */
function describeParseError(err: unknown): string {
  if (typeof err !== 'object' || err === null) return l10n.t('unknown error');
  const e = err as { name?: unknown; reason?: unknown; mark?: { line?: unknown; column?: unknown }; message?: unknown };
  if (err instanceof YAMLError) {
    const line = err.linePos?.[0];
    return line ? l10n.t('YAML error at line {0}, column {1} ({2})', line.line, line.col, err.code) : l10n.t('YAML error ({0})', err.code);
  }
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
export function mergeKubeConfigs(configs: KubeConfig[]): KubeConfig {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let currentContext = '';
  for (const kc of configs) {
    for (const c of kc.getClusters()) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of kc.getUsers()) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of kc.getContexts()) if (!contexts.has(c.name)) contexts.set(c.name, c);
    if (currentContext === '' && kc.getCurrentContext()) currentContext = kc.getCurrentContext();
  }
  const merged = new KubeConfig();
  merged.loadFromOptions({ clusters: [...clusters.values()], users: [...users.values()], contexts: [...contexts.values()], currentContext });
  return merged;
}

export class LoadedKubeconfig {
  constructor(
    readonly source: KubeconfigSource,
    /** The merged configuration; its current context is the file's, untouched by `withContext`. */
    readonly kubeConfig: KubeConfig,
  ) {}

  get contexts(): ContextInfo[] {
    return this.kubeConfig.getContexts().map((c) => ({
      name: c.name,
      cluster: c.cluster,
      server: this.kubeConfig.getCluster(c.cluster)?.server ?? '',
      user: c.user,
      namespace: c.namespace,
    }));
  }

  /** The kubeconfig's current-context, if it names a context that exists. */
  get currentContext(): string | undefined {
    const name = this.kubeConfig.getCurrentContext();
    return name && this.kubeConfig.getContextObject(name) ? name : undefined;
  }

  context(name: string): ContextInfo | undefined {
    return this.contexts.find((c) => c.name === name);
  }

  /**
   * A copy of the configuration whose current context is `name` (or the file's current context when `name` is
   * empty). client-node reads the cluster and user from the current context, so each client gets its own copy.
   */
  withContext(name?: string): KubeConfig {
    const chosen = name && name !== '' ? name : this.currentContext;
    if (!chosen) {
      throw new KubeconfigError(
        this.kubeConfig.getContexts().length === 0 ? 'noContexts' : 'contextNotFound',
        this.kubeConfig.getContexts().length === 0
          ? l10n.t('The kubeconfig from {0} has no contexts.', this.source.label)
          : l10n.t('The kubeconfig from {0} sets no current context; choose one.', this.source.label),
      );
    }
    if (!this.kubeConfig.getContextObject(chosen)) {
      const known = this.contexts.map((c) => c.name).join(', ');
      throw new KubeconfigError(
        'contextNotFound',
        known
          ? l10n.t('Context "{0}" is not in the kubeconfig from {1} (contexts: {2}).', chosen, this.source.label, known)
          : l10n.t('Context "{0}" is not in the kubeconfig from {1}, which has no contexts.', chosen, this.source.label),
      );
    }
    const copy = new KubeConfig();
    copy.loadFromOptions({
      clusters: this.kubeConfig.getClusters(),
      users: this.kubeConfig.getUsers(),
      contexts: this.kubeConfig.getContexts(),
      currentContext: chosen,
    });
    return copy;
  }
}

/** Resolves the source and loads it. Throws KubeconfigError with a secret-free message. */
export function loadKubeconfig(env: KubeconfigEnvironment = {}): LoadedKubeconfig {
  const source = resolveKubeconfigSource(env);
  const configs = source.paths.map(loadOneFile);
  const merged = configs.length === 1 && configs[0] ? configs[0] : mergeKubeConfigs(configs);
  return new LoadedKubeconfig(source, merged);
}
