// Starts a real VS Code server (code-server from npm, under Node 24) in a throw-away home, with the extension
// installed. See /work/shared/REAL-VSCODE-TESTING.md for the facts this relies on.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { codeServerEntry, node24, node24Dir } from './paths';

const execFileAsync = promisify(execFile);

export type ExtensionSource = { vsix: string } | { folder: string; id: string };

export interface CodeServerOptions {
  /** The extension to install before the server starts. */
  extension?: ExtensionSource;
  /** KUBECONFIG for the server and its extension host. */
  kubeconfig?: string;
  /** Let the workbench honour the `payload` URL parameter (extension-host tests). */
  smokeTestDriver?: boolean;
  /** Port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number;
  /** Folder to open; default: an empty folder under the temp root. */
  workspace?: string;
  /** Parent of the temp root; default: the OS temp folder. */
  tempParent?: string;
  /** Keep the temp root after stop() (npm start keeps nothing; debugging may want it). */
  keep?: boolean;
  /** Extra environment for the server. */
  env?: Record<string, string>;
  /** User settings to start with; merged over `quietWorkbenchSettings`. */
  userSettings?: Record<string, unknown>;
  /** More extensions to install first, such as a language pack fixture. */
  alsoInstall?: ExtensionSource[];
  /** The display language (`--locale`); it takes effect only with a language pack for it installed. */
  locale?: string;
}

/**
 * A workbench without prompts that have nothing to do with the extension: the workspace may sit inside this git
 * repository (npm start), and the built-in chat side bar costs CPU on a 2-core machine.
 */
export const quietWorkbenchSettings: Readonly<Record<string, unknown>> = {
  'git.openRepositoryInParentFolders': 'never',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

export interface CodeServer {
  readonly port: number;
  readonly url: string;
  /** The temp root holding home, tmp, user data, extensions and the log. */
  readonly root: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly workspace: string;
  /** code-server's own stdout and stderr. */
  readonly logFile: string;
  readonly process: ChildProcess;
  /** Milliseconds from spawn to the first HTTP answer. */
  readonly listenMs: number;
  /** The workbench URL with the folder open, plus extra query parameters. */
  workbenchUrl(query?: Record<string, string>): string;
  /** `vscode-remote://127.0.0.1:PORT/<abs path>` for payload URLs. */
  remoteUri(absPath: string): string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => {
      req.destroy();
      resolve(0);
    });
  });
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function serverEnv(root: string, options: CodeServerOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: join(root, 'home'),
    TMPDIR: join(root, 'tmp'),
    XDG_CONFIG_HOME: join(root, 'home', '.config'),
    XDG_DATA_HOME: join(root, 'home', '.local', 'share'),
    PATH: `${join(node24Dir, 'bin')}:${process.env.PATH ?? ''}`,
    ...options.env,
  };
  // Things of the calling process that must not leak into the server or its extension host.
  for (const key of ['NODE_OPTIONS', 'VSCODE_IPC_HOOK_CLI', 'ELECTRON_RUN_AS_NODE', 'PASSWORD', 'HASHED_PASSWORD']) delete env[key];
  delete env.KUBECONFIG;
  if (options.kubeconfig) env.KUBECONFIG = options.kubeconfig;
  return env;
}

/** Installs the extension into the extensions folder: `--install-extension x.vsix`, or a copy of an unpacked folder. */
async function installExtension(source: ExtensionSource, dirs: { userDataDir: string; extensionsDir: string }, env: NodeJS.ProcessEnv): Promise<void> {
  if ('vsix' in source) {
    if (!existsSync(source.vsix)) throw new Error(`no .vsix at ${source.vsix}: run npm run package`);
    const args = [codeServerEntry, '--user-data-dir', dirs.userDataDir, '--extensions-dir', dirs.extensionsDir, '--install-extension', source.vsix];
    const { stdout } = await execFileAsync(node24, args, { env, timeout: 120_000 });
    if (!/successfully installed|already installed/i.test(stdout)) throw new Error(`installing ${source.vsix} failed:\n${stdout}`);
  } else {
    const pkg = JSON.parse(readFileSync(join(source.folder, 'package.json'), 'utf8')) as { version: string };
    cpSync(source.folder, join(dirs.extensionsDir, `${source.id}-${pkg.version}`), { recursive: true });
  }
}

interface Localization {
  languageId: string;
  localizedLanguageName?: string;
  translations: { id: string; path: string }[];
}

/**
 * Records the installed language packs in `languagepacks.json`, as VS Code's language pack service does when a pack is
 * installed from the Extensions view. code-server's `--install-extension` runs without that service, and the server
 * resolves `--locale` only against this file, so without it a display language never takes effect.
 */
function recordLanguagePacks(userDataDir: string, extensionsDir: string): void {
  const packs: Record<string, unknown> = {};
  for (const dir of readdirSync(extensionsDir, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    const folder = join(extensionsDir, dir.name);
    let manifest: { publisher: string; name: string; version: string; contributes?: { localizations?: Localization[] } };
    try {
      manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as typeof manifest;
    } catch {
      continue;
    }
    for (const localization of manifest.contributes?.localizations ?? []) {
      const id = `${manifest.publisher}.${manifest.name}`.toLowerCase();
      const translations = Object.fromEntries(localization.translations.map((t) => [t.id, join(folder, t.path)]));
      packs[localization.languageId.toLowerCase()] = {
        hash: createHash('md5').update(`${id}@${manifest.version}`).digest('hex'),
        label: localization.localizedLanguageName,
        extensions: [{ extensionIdentifier: { id }, version: manifest.version }],
        translations,
      };
    }
  }
  if (Object.keys(packs).length) writeFileSync(join(userDataDir, 'languagepacks.json'), JSON.stringify(packs));
}

export async function startCodeServer(options: CodeServerOptions = {}): Promise<CodeServer> {
  if (!existsSync(codeServerEntry) || !existsSync(node24)) {
    throw new Error('code-server or Node 24 is missing under .tools/: run npm run setup');
  }
  const root = mkdtempSync(join(options.tempParent ?? tmpdir(), 'deepflow-cs-'));
  const userDataDir = join(root, 'user-data');
  const extensionsDir = join(root, 'extensions');
  const workspace = options.workspace ?? join(root, 'workspace');
  for (const dir of [join(root, 'home'), join(root, 'tmp'), join(userDataDir, 'User'), extensionsDir, workspace]) mkdirSync(dir, { recursive: true });
  const settings = { ...quietWorkbenchSettings, ...options.userSettings };
  writeFileSync(join(userDataDir, 'User', 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  const env = serverEnv(root, options);
  try {
    for (const extra of options.alsoInstall ?? []) await installExtension(extra, { userDataDir, extensionsDir }, env);
    if (options.extension) await installExtension(options.extension, { userDataDir, extensionsDir }, env);
    recordLanguagePacks(userDataDir, extensionsDir);
    return await launch(root, { userDataDir, extensionsDir, workspace }, env, options);
  } catch (e) {
    if (!options.keep) {
      // code-server's own children (extension host, watchers) can still be writing into the root for a moment after
      // it exits; retry for a few seconds, and never fail a suite over a temporary folder left behind.
      try {
        rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 300 });
      } catch (error) {
        console.warn(`      left ${root} behind: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    throw e;
  }
}

async function launch(
  root: string,
  dirs: { userDataDir: string; extensionsDir: string; workspace: string },
  env: NodeJS.ProcessEnv,
  options: CodeServerOptions,
): Promise<CodeServer> {
  const { userDataDir, extensionsDir, workspace } = dirs;
  const port = options.port || (await freePort());
  const logFile = join(root, 'code-server.log');
  const log = createWriteStream(logFile);
  const args = [
    codeServerEntry,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
  ];
  if (options.locale) args.push('--locale', options.locale);
  if (options.smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  args.push(workspace);

  const started = Date.now();
  const child = spawn(node24, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `code-server exited (${signal ?? code})`;
  });

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`${exited} before it listened:\n${tail(logFile)}`);
    const status = await httpStatus(`${url}/healthz`);
    if (status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`code-server did not answer on ${url} within 60 s:\n${tail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const listenMs = Date.now() - started;

  const stop = async (): Promise<void> => {
    if (!exited && child.exitCode === null) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    log.end();
    if (!options.keep) {
      // code-server's own children (extension host, watchers) can still be writing into the root for a moment after
      // it exits; retry for a few seconds, and never fail a suite over a temporary folder left behind.
      try {
        rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 300 });
      } catch (error) {
        console.warn(`      left ${root} behind: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };

  return {
    port,
    url,
    root,
    userDataDir,
    extensionsDir,
    workspace,
    logFile,
    process: child,
    listenMs,
    workbenchUrl(query = {}) {
      const params = new URLSearchParams({ folder: workspace, ...query });
      return `${url}/?${params.toString()}`;
    },
    remoteUri(absPath: string) {
      return `vscode-remote://127.0.0.1:${port}${absPath}`;
    },
    stop,
  };
}
