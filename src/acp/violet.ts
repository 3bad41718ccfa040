/**
 * violet, ACP's package upload CLI: download it from the platform over verified TLS, keep it in the extension's
 * storage, and push artifacts with it. violet takes the password on its command line (its limitation, see
 * ACP-FACTS.md), so the password is registered with a Redactor before the process starts and every line violet
 * prints, every command line we show and every error we raise goes through that Redactor.
 */
import { access, constants as fsConstants, mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from '../cluster/types';
import { downloadFile, originOf, type PlatformTrust } from './platformTrust';
import { Redactor, secretMask } from './redact';

export type PlatformCredentials = { kind: 'password'; username: string; password: string } | { kind: 'token'; token: string };

/** violet build names on the platform's download path (ACP-FACTS.md). */
export function violetBuildName(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  const cpu = arch === 'x64' ? 'amd64' : arch === 'arm64' ? 'arm64' : undefined;
  if (platform === 'win32' && cpu === 'amd64') return 'violet_windows_amd64.exe';
  if ((platform === 'linux' || platform === 'darwin') && cpu) return `violet_${platform}_${cpu}`;
  throw new Error(`The platform offers no violet build for ${platform}/${arch}; builds exist for linux and darwin (amd64, arm64) and windows (amd64).`);
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
  /** The extension's global storage directory. */
  storageDir: string;
  signal?: AbortSignal;
  logger: Logger;
  onProgress?: (message: string) => void;
  /** Overrides for tests; default: this machine. */
  platform?: NodeJS.Platform;
  arch?: string;
}

export interface VioletBinary {
  path: string;
  version: string;
  /** Whether it was downloaded now (false: an existing binary was reused). */
  downloaded: boolean;
}

async function loadExeca(): Promise<typeof import('execa')> {
  // execa is ESM-only; a dynamic import loads it both from the esbuild bundle and under tsx's CommonJS loader
  // (a static import would be turned into require(), which its dependency `unicorn-magic` does not allow).
  return import('execa');
}

/** Runs `violet version`; resolves the version, or undefined when the file is missing or is not a working violet. */
export async function violetVersion(path: string, signal?: AbortSignal): Promise<string | undefined> {
  try {
    await access(path, fsConstants.X_OK);
  } catch {
    return undefined;
  }
  const { execa } = await loadExeca();
  const result = await execa(path, ['version'], { reject: false, timeout: 20_000, cancelSignal: signal, stdin: 'ignore' });
  if (result.isCanceled) throw new Error('Cancelled while checking violet.');
  return result.exitCode === 0 ? parseVioletVersion(String(result.stdout)) : undefined;
}

/**
 * Makes sure a working violet is in `storageDir`: reuses the binary there when `violet version` works, otherwise
 * downloads the build for this machine from the platform (TLS verified by `trust`), makes it executable, and checks it.
 */
export async function ensureViolet(options: EnsureVioletOptions): Promise<VioletBinary> {
  const build = violetBuildName(options.platform, options.arch);
  const path = join(options.storageDir, build);
  const existing = await violetVersion(path, options.signal);
  if (existing) {
    options.logger.info(`Reusing violet ${existing} at ${path}`);
    return { path, version: existing, downloaded: false };
  }
  const url = violetDownloadUrl(options.platformUrl, build);
  await mkdir(options.storageDir, { recursive: true });
  options.onProgress?.(`downloading ${build}`);
  options.logger.info(`Downloading violet from ${url}`);
  const { bytes } = await downloadFile(url, options.trust, path, options.signal, 0o755);
  const version = await violetVersion(path, options.signal);
  if (!version) {
    await rm(path, { force: true });
    throw new Error(`The file downloaded from ${url} (${bytes} bytes) is not a working violet: \`violet version\` failed. It was removed.`);
  }
  options.logger.info(`Downloaded violet ${version} (${bytes} bytes) to ${path}`);
  return { path, version, downloaded: true };
}

export interface PushOptions {
  violetPath: string;
  platformUrl: string;
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

/** Pushes one artifact with violet, streaming its output (masked) to the logger; throws VioletError on failure. */
export async function pushArtifact(options: PushOptions): Promise<void> {
  const redactor = options.redactor ?? new Redactor();
  if (options.credentials.kind === 'password') redactor.register(options.credentials.password);
  else redactor.register(options.credentials.token);
  const args = pushArguments(options);
  const name = basename(options.file);
  options.logger.info(`Running ${redactor.redact(describeCommandLine(args))}`);
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
  const subprocess = execa(options.violetPath, args, {
    reject: false,
    stdin: 'ignore',
    // violet's progress output is only useful line by line; nothing is kept in memory besides our own line list.
    buffer: false,
    cancelSignal: options.signal,
    forceKillAfterDelay: 3000,
    // Line transforms see each line as it arrives; yielding it keeps execa's own handling unchanged.
    stdout: [function* (line: unknown) { receive(String(line), 'stdout'); yield line; }],
    stderr: [function* (line: unknown) { receive(String(line), 'stderr'); yield line; }],
  });
  const result = await subprocess;
  if (result.isCanceled) throw new VioletError(`Cancelled pushing ${name}.`, result.exitCode, true);
  if (result.exitCode !== 0 || result.failed) {
    const last = lastErrorLine(lines) ?? redactor.redact(result.shortMessage ?? `exit code ${String(result.exitCode)}`);
    throw new VioletError(redactor.redact(`violet push ${name} failed: ${last}`), result.exitCode, false);
  }
  options.logger.info(`Pushed ${name}`);
}
