/**
 * violet, ACP's package upload CLI: download it from the platform over verified TLS, keep it per platform origin
 * with the SHA-256 recorded at download, and push artifacts with it. Before every run the binary is checked (lstat:
 * a regular file, not a symbolic link, ours, not writable by others; its hash as recorded) and it only ever runs
 * with the credentials of the origin it came from. violet takes the password on its command line (its limitation,
 * see ACP-FACTS.md), so the password is registered with a Redactor before the process starts and every line violet
 * prints, every command line we show and every error we raise goes through that Redactor. Pushes go through the
 * loopback relay (pushRelay.ts), so the password travels only over TLS the user verified.
 */
import * as l10n from '@vscode/l10n';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../cluster/types';
import { downloadFile, formatFingerprint, originOf, type PlatformTrust } from './platformTrust';
import { proxyBypassedFor, startPushRelay } from './pushRelay';
import { Redactor, secretMask } from './redact';

export type PlatformCredentials = { kind: 'password'; username: string; password: string } | { kind: 'token'; token: string };

/** violet build names on the platform's download path (ACP-FACTS.md). */
export function violetBuildName(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  const cpu = arch === 'x64' ? 'amd64' : arch === 'arm64' ? 'arm64' : undefined;
  if (platform === 'win32' && cpu === 'amd64') return 'violet_windows_amd64.exe';
  if ((platform === 'linux' || platform === 'darwin') && cpu) return `violet_${platform}_${cpu}`;
  throw new Error(l10n.t('The platform offers no violet build for {0}; builds exist for linux and darwin (amd64, arm64) and windows (amd64).', `${platform}/${arch}`));
}

export function violetDownloadUrl(platformUrl: string, build = violetBuildName()): string {
  return `${originOf(platformUrl)}/platform/tools/download/violet/${build}`;
}

/** `violet v3.0.0` → `v3.0.0`; undefined when the output is not violet's. */
export function parseVioletVersion(output: string): string | undefined {
  return /^violet\s+(v\d+\.\d+\.\d+\S*)/m.exec(output.trim())?.[1];
}

const secretFlags = new Set(['--platform-password', '--platform-token']);

/** The command line for display, with the values of --platform-password and --platform-token masked. */
export function describeCommandLine(args: readonly string[], program = 'violet'): string {
  const shown: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0 && secretFlags.has(arg.slice(0, eq))) {
      shown.push(`${arg.slice(0, eq)}=${secretMask}`);
    } else if (secretFlags.has(arg) && i + 1 < args.length) {
      shown.push(arg, secretMask);
      i++;
    } else {
      shown.push(arg);
    }
  }
  return [program, ...shown].map(quoteForDisplay).join(' ');
}

function quoteForDisplay(arg: string): string {
  return /^[\w@%+=:,./•-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export interface EnsureVioletOptions {
  platformUrl: string;
  trust: PlatformTrust;
  /** The extension's global storage directory; violet goes into `violet/<host_port>/` under it. */
  storageDir: string;
  signal?: AbortSignal;
  logger: Logger;
  onProgress?: (message: string) => void;
  /** Overrides for tests; default: this machine. */
  platform?: NodeJS.Platform;
  arch?: string;
  /** The largest violet accepted; default 256 MiB. */
  maxDownloadBytes?: number;
}

/** A violet binary whose file was checked against the hash recorded when it was downloaded from `origin`. */
export interface VerifiedViolet {
  path: string;
  /** SHA-256 recorded at download, hex. */
  sha256: string;
  /** The platform it was downloaded from; it only runs with this platform's credentials. */
  origin: string;
}

export interface VioletBinary extends VerifiedViolet {
  version: string;
  /** Whether it was downloaded now (false: an existing binary was reused). */
  downloaded: boolean;
}

/** What is written beside the binary at download. */
interface VioletRecord {
  origin: string;
  build: string;
  sha256: string;
  sizeBytes: number;
  downloadedAt: string;
}

/** The binary is missing, or is not the file that was downloaded: it is not run. */
export class VioletIntegrityError extends Error {
  override readonly name = 'VioletIntegrityError';
  constructor(
    message: string,
    /** missing: never downloaded from this origin; changed: the file or its directory is not as left. */
    readonly kind: 'missing' | 'changed',
  ) {
    super(message);
  }
}

/** One directory per platform origin, so a binary from one platform is never taken for another's. */
export function violetDirectory(storageDir: string, platformUrl: string): string {
  return join(storageDir, 'violet', originOf(platformUrl).replace(/^https:\/\//, '').replace(/[^\w.-]/g, '_'));
}

const recordFile = 'violet.json';

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** lstat checks: the path itself (not a symbolic link), of the right type, owned by this user, not writable by others. */
async function checkOwnedPath(path: string, kind: 'file' | 'directory', privateMode: boolean): Promise<void> {
  let info;
  try {
    info = await lstat(path);
  } catch {
    throw new VioletIntegrityError(l10n.t('{0} does not exist.', path), 'missing');
  }
  const changed = (message: string): VioletIntegrityError => new VioletIntegrityError(message, 'changed');
  if (info.isSymbolicLink()) throw changed(l10n.t('{0} is a symbolic link; it is not run.', path));
  if (kind === 'file' && !info.isFile()) throw changed(l10n.t('{0} is not a file; it is not run.', path));
  if (kind === 'directory' && !info.isDirectory()) throw changed(l10n.t('{0} is not a directory; it is not run.', path));
  if (process.platform === 'win32') return;
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) throw changed(l10n.t('{0} belongs to another user (uid {1}); it is not run.', path, info.uid));
  const forbidden = privateMode ? 0o077 : 0o022;
  if ((info.mode & forbidden) !== 0) throw changed(l10n.t('{0} is open to other users (mode {1}); it is not run.', path, (info.mode & 0o777).toString(8)));
}

/**
 * Checks the binary kept for this platform before it runs: its directory and file pass the lstat checks, the
 * record names this origin, and the file's SHA-256 is the one recorded at download. Throws VioletIntegrityError.
 */
export async function verifyViolet(storageDir: string, platformUrl: string, build = violetBuildName()): Promise<VerifiedViolet> {
  const origin = originOf(platformUrl);
  const dir = violetDirectory(storageDir, platformUrl);
  const path = join(dir, build);
  await checkOwnedPath(dir, 'directory', true);
  await checkOwnedPath(path, 'file', false);
  let record: Partial<VioletRecord> = {};
  try {
    record = JSON.parse(await readFile(join(dir, recordFile), 'utf8')) as Partial<VioletRecord>;
  } catch {
    throw new VioletIntegrityError(l10n.t('No download record for {0}; it is not run.', path), 'changed');
  }
  if (record.origin !== origin || record.build !== build || typeof record.sha256 !== 'string') {
    throw new VioletIntegrityError(l10n.t('The download record of {0} does not name {1}; it is not run.', path, origin), 'changed');
  }
  await assertUnchanged({ path, sha256: record.sha256, origin });
  return { path, sha256: record.sha256, origin };
}

/** The check repeated right before each run: same lstat rules, same SHA-256 as recorded. */
async function assertUnchanged(violet: VerifiedViolet): Promise<void> {
  await checkOwnedPath(violet.path, 'file', false);
  const actual = await sha256Of(violet.path);
  if (actual !== violet.sha256) {
    throw new VioletIntegrityError(
      l10n.t(
        '{0} changed since it was downloaded from {1} (SHA-256 now {2}, recorded {3}); it is not run.',
        violet.path,
        violet.origin,
        formatFingerprint(actual),
        formatFingerprint(violet.sha256),
      ),
      'changed',
    );
  }
}

async function loadExeca(): Promise<typeof import('execa')> {
  // execa is ESM-only; a dynamic import loads it both from the esbuild bundle and under tsx's CommonJS loader
  // (a static import would be turned into require(), which its dependency `unicorn-magic` does not allow).
  return import('execa');
}

/**
 * The whole environment violet gets: a throw-away HOME and config directory (0700, removed afterwards), so it reads
 * no configuration and leaves no state behind, PATH (a violet may be a script), and the relay as its proxy.
 * Nothing else of the extension host's environment (tokens, other proxies) reaches it.
 */
function violetEnvironment(home: string, proxyUrl?: string): Record<string, string> {
  const env: Record<string, string> = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    TMPDIR: home,
    LANG: 'C.UTF-8',
    HTTPS_PROXY: proxyUrl ?? '',
    https_proxy: proxyUrl ?? '',
    NO_PROXY: '',
    no_proxy: '',
  };
  if (process.env.PATH) env.PATH = process.env.PATH;
  if (process.platform === 'win32') {
    env.USERPROFILE = home;
    env.APPDATA = join(home, 'AppData');
    if (process.env.SystemRoot) env.SystemRoot = process.env.SystemRoot;
  }
  return env;
}

/** Runs `fn` with a fresh private HOME for violet, removed afterwards whatever happens. */
async function withVioletHome<T>(fn: (home: string) => Promise<T>): Promise<T> {
  const home = await mkdtemp(join(tmpdir(), 'deepflow-violet-'));
  try {
    await mkdir(join(home, '.config'), { mode: 0o700 });
    return await fn(home);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** Runs `violet version` after the integrity check; resolves the version, or undefined when it is not a working violet. */
export async function violetVersion(violet: VerifiedViolet, signal?: AbortSignal): Promise<string | undefined> {
  await assertUnchanged(violet);
  const { execa } = await loadExeca();
  const result = await withVioletHome((home) =>
    execa(violet.path, ['version'], { reject: false, timeout: 20_000, cancelSignal: signal, stdin: 'ignore', cwd: home, env: violetEnvironment(home), extendEnv: false }),
  );
  if (result.isCanceled) throw new Error(l10n.t('Cancelled while checking violet.'));
  return result.exitCode === 0 ? parseVioletVersion(String(result.stdout)) : undefined;
}

/** The violet kept for this platform when it passes the checks and works, else why not. */
export async function findViolet(storageDir: string, platformUrl: string, signal?: AbortSignal, build = violetBuildName()): Promise<VioletBinary | VioletIntegrityError> {
  try {
    const verified = await verifyViolet(storageDir, platformUrl, build);
    const version = await violetVersion(verified, signal);
    if (!version) return new VioletIntegrityError(l10n.t('{0} is not a working violet: `violet version` failed.', verified.path), 'changed');
    return { ...verified, version, downloaded: false };
  } catch (err) {
    if (err instanceof VioletIntegrityError) return err;
    throw err;
  }
}

/**
 * Makes sure a working, unchanged violet for this platform is in storage: reuses the one there when it passes the
 * checks; otherwise (never downloaded, or changed since) downloads the build for this machine from the platform
 * (TLS verified by `trust`, size capped), records its SHA-256, and checks it with `violet version`.
 */
export async function ensureViolet(options: EnsureVioletOptions): Promise<VioletBinary> {
  const build = violetBuildName(options.platform, options.arch);
  const existing = await findViolet(options.storageDir, options.platformUrl, options.signal, build);
  if (!(existing instanceof VioletIntegrityError)) {
    options.logger.info(`Reusing violet ${existing.version} at ${existing.path} (SHA-256 as recorded at download)`);
    return existing;
  }
  const origin = originOf(options.platformUrl);
  const dir = violetDirectory(options.storageDir, options.platformUrl);
  const path = join(dir, build);
  if (existing.kind === 'changed') {
    options.logger.warn(`Refusing to run the kept violet: ${existing.message} Downloading it again from ${origin}.`);
    await rm(path, { force: true });
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await checkOwnedPath(dir, 'directory', true);
  const url = violetDownloadUrl(options.platformUrl, build);
  options.onProgress?.(l10n.t('downloading {0}', build));
  options.logger.info(`Downloading violet from ${url}`);
  const { bytes, sha256 } = await downloadFile(url, options.trust, path, options.signal, 0o755, options.maxDownloadBytes);
  const record: VioletRecord = { origin, build, sha256, sizeBytes: bytes, downloadedAt: new Date().toISOString() };
  await writeFile(join(dir, recordFile), JSON.stringify(record, null, 2), { mode: 0o600 });
  const verified: VerifiedViolet = { path, sha256, origin };
  const version = await violetVersion(verified, options.signal);
  if (!version) {
    await rm(path, { force: true });
    throw new Error(l10n.t('The file downloaded from {0} ({1} bytes) is not a working violet: `violet version` failed. It was removed.', url, bytes));
  }
  options.logger.info(`Downloaded violet ${version} (${bytes} bytes, SHA-256 ${sha256}) to ${path}`);
  return { ...verified, version, downloaded: true };
}

export interface PushOptions {
  /** From ensureViolet or findViolet for this platform; checked again right before it runs. */
  violet: VerifiedViolet;
  platformUrl: string;
  /** How the user trusts the platform: the relay verifies the platform with it before violet sends anything. */
  trust: PlatformTrust;
  credentials: PlatformCredentials;
  /** The artifact (.tgz) to push. */
  file: string;
  /** Default on violet's side: public-charts. */
  targetChartRepo?: string;
  clusters?: string[];
  signal?: AbortSignal;
  logger: Logger;
  /** Each line violet prints, masked. */
  onLine?: (line: string) => void;
  /** Shared with the caller so it masks the same secrets elsewhere; one is made when omitted. */
  redactor?: Redactor;
}

/** The argument array for `violet push` (never a shell string). */
export function pushArguments(options: Pick<PushOptions, 'platformUrl' | 'credentials' | 'file' | 'targetChartRepo' | 'clusters'>): string[] {
  const args = ['push', '--platform-address', originOf(options.platformUrl)];
  if (options.credentials.kind === 'password') {
    args.push('--platform-username', options.credentials.username, '--platform-password', options.credentials.password);
  } else {
    args.push('--platform-token', options.credentials.token);
  }
  if (options.targetChartRepo) args.push('--target-chartrepo', options.targetChartRepo);
  if (options.clusters && options.clusters.length > 0) args.push('--clusters', options.clusters.join(','));
  args.push(options.file);
  return args;
}

/** violet (logrus) prefixes its lines with `INFO[0003]` or `ERRO[0003]`; errors are ERRO, FATA or PANI. */
const errorLine = /^(ERRO|FATA|PANI)(\[[^\]]*\])?\s*|^(error|fatal)\b:?\s*/i;

/** The line to show for a failed push: violet's last error line without its level prefix, else its last line. */
export function lastErrorLine(lines: readonly string[]): string | undefined {
  const nonEmpty = lines.map((l) => l.trim()).filter((l) => l !== '');
  const lastError = [...nonEmpty].reverse().find((l) => errorLine.test(l));
  const chosen = lastError ?? nonEmpty[nonEmpty.length - 1];
  return chosen?.replace(errorLine, '').trim() || chosen;
}

export class VioletError extends Error {
  override readonly name = 'VioletError';
  constructor(
    message: string,
    readonly exitCode: number | undefined,
    readonly cancelled: boolean,
  ) {
    super(message);
  }
}

function describeTrust(trust: PlatformTrust): string {
  switch (trust.kind) {
    case 'pinned':
      return `the pinned SHA-256 fingerprint ${formatFingerprint(trust.fingerprint)}`;
    case 'caFile':
      return 'the CA file you picked';
    case 'system':
      return "this system's CAs";
  }
}

/**
 * Why violet failed when it printed no error: its exit code or signal, never execa's message (which holds the raw
 * command line), with the masked command line.
 */
function silentFailureDescription(result: { exitCode?: number; signal?: string }, commandLine: string): string {
  if (result.signal) return l10n.t('violet was stopped by {0} and printed no error ({1})', result.signal, commandLine);
  if (result.exitCode === undefined) return l10n.t('violet could not be started and printed no error ({0})', commandLine);
  return l10n.t('violet exited with code {0} and printed no error ({1})', result.exitCode, commandLine);
}

/**
 * Pushes one artifact with violet, streaming its output (masked) to the logger; throws VioletError on failure.
 * violet runs only after its integrity check, only with the credentials of the platform it came from, in a
 * throw-away HOME with a minimal environment, and reaches the platform through the relay.
 */
export async function pushArtifact(options: PushOptions): Promise<void> {
  const redactor = options.redactor ?? new Redactor();
  if (options.credentials.kind === 'password') redactor.registerBasicAuth(options.credentials.username, options.credentials.password);
  else redactor.register(options.credentials.token);
  const name = basename(options.file);
  const origin = originOf(options.platformUrl);
  if (options.violet.origin !== origin) {
    throw new VioletError(
      l10n.t('The violet at {0} was downloaded from {1}; it is not run with the credentials of {2}.', options.violet.path, options.violet.origin, origin),
      undefined,
      false,
    );
  }
  try {
    await assertUnchanged(options.violet);
  } catch (err) {
    throw new VioletError(l10n.t('Refusing to run violet to push {0}: {1}', name, err instanceof Error ? err.message : String(err)), undefined, false);
  }
  const args = pushArguments(options);
  const relay = await startPushRelay({ platformUrl: origin, trust: options.trust, logger: options.logger });
  redactor.register(relay.secret);
  try {
    options.logger.info(
      `violet reaches ${origin} through a relay on 127.0.0.1 that checks the platform's certificate against ${describeTrust(options.trust)} before violet sends anything. ` +
        'violet itself does not verify TLS: if it does not use the relay, its connection is not checked.',
    );
    if (proxyBypassedFor(origin)) {
      options.logger.warn(`A real violet (Go) skips proxies for localhost and loopback addresses, so the relay cannot cover a push to ${origin}.`);
    }
    options.logger.info(`Running ${redactor.redact(describeCommandLine(args))}`);
    const result = await withVioletHome((home) => runPush(options, args, home, relay.proxyUrl, redactor));
    if (result.cancelled) throw new VioletError(l10n.t('Cancelled pushing {0}.', name), result.exitCode, true);
    const refusal = relay.refusal();
    if (result.failed) {
      const why = refusal?.message ?? lastErrorLine(result.lines) ?? silentFailureDescription(result, describeCommandLine(args));
      throw new VioletError(redactor.redact(l10n.t('violet push {0} failed: {1}', name, why)), result.exitCode, false);
    }
    if (relay.connections() === 0) {
      options.logger.warn(`violet pushed ${name} without using the relay: the extension did not verify that connection's certificate.`);
    }
    options.logger.info(`Pushed ${name}`);
  } finally {
    await relay.close();
  }
}

interface PushRun {
  lines: string[];
  cancelled: boolean;
  failed: boolean;
  exitCode?: number;
  signal?: string;
}

async function runPush(options: PushOptions, args: string[], home: string, proxyUrl: string, redactor: Redactor): Promise<PushRun> {
  const { execa } = await loadExeca();
  const lines: string[] = [];
  const receive = (line: string, stream: 'stdout' | 'stderr'): void => {
    const masked = redactor.redact(line.replace(/\r$/, ''));
    if (masked.trim() === '') return;
    lines.push(masked);
    if (stream === 'stderr' || errorLine.test(masked)) options.logger.warn(`violet: ${masked}`);
    else options.logger.info(`violet: ${masked}`);
    options.onLine?.(masked);
  };
  const result = await execa(options.violet.path, args, {
    reject: false,
    stdin: 'ignore',
    cwd: home,
    env: violetEnvironment(home, proxyUrl),
    extendEnv: false,
    // violet's progress output is only useful line by line; nothing is kept in memory besides our own line list.
    buffer: false,
    cancelSignal: options.signal,
    forceKillAfterDelay: 3000,
    // Line transforms see each line as it arrives; yielding it keeps execa's own handling unchanged.
    stdout: [function* (line: unknown) { receive(String(line), 'stdout'); yield line; }],
    stderr: [function* (line: unknown) { receive(String(line), 'stderr'); yield line; }],
  });
  return { lines, cancelled: result.isCanceled, failed: result.exitCode !== 0 || result.failed, exitCode: result.exitCode, signal: result.signal };
}
