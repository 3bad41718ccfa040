/**
 * How a ClusterClient proves who it is and whom it trusts, read from its kubeconfig context: the TLS settings
 * (CA, insecure-skip-tls-verify, tls-server-name, client certificate) in one keep-alive agent, and the
 * Authorization header (token, token-file, Basic, exec plugins). The rare kubeconfigs this does not cover
 * (auth-provider users, proxy-url clusters) go through client-node, loaded only then (clientNodeAuth.ts).
 * Secrets stay in memory: no message, log line or file written here contains one.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent, type Agent, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import * as l10n from '@vscode/l10n';
import type { HttpMethod } from './boundedHttp';
import type { ClientNodeAuth } from './clientNodeAuth';
import { ClusterError } from './errors';
import type { ExecConfig, KubeCluster, KubeContext, KubeUser } from './kubeconfig';
import { silentLogger, type Logger } from './types';

/** What one request needs on top of its own headers. */
export interface PreparedAuth {
  headers: OutgoingHttpHeaders;
  agent: Agent | undefined;
}

export interface CredentialsOptions {
  /** The clock for token-file freshness and exec credential expiry; tests move it forward. */
  now?: () => number;
  logger?: Logger;
}

/** A token file is read again when its copy is older than this, as client-node's FileAuth and client-go do. */
export const TOKEN_FILE_MAX_AGE_MS = 60_000;
/** CA and client certificate files are re-read as seldom, so a rotated certificate is picked up without a reload. */
const TLS_FILE_MAX_AGE_MS = 60_000;
/** Bounds on what an exec plugin may print: a credential is a few KiB. */
const MAX_PLUGIN_STDOUT_BYTES = 1024 * 1024;
const MAX_PLUGIN_STDERR_BYTES = 64 * 1024;
const DEFAULT_EXEC_API_VERSION = 'client.authentication.k8s.io/v1beta1';

/** The parts of an ExecCredential's status that are used. */
interface ExecStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  expirationTimestamp?: string;
}

interface CachedFile {
  content: Buffer;
  readAt: number;
}

/** Whether this context needs client-node's authentication (see clientNodeAuth.ts). */
export function needsClientNode(cluster: KubeCluster, user: KubeUser | undefined): boolean {
  return Boolean(cluster.proxyUrl) || Boolean(user?.authProvider);
}

/** Resolves with `promise`, or rejects with the signal's reason as soon as it aborts (the work itself goes on). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: Error) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function errnoCode(err: unknown): string {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : 'error';
}

/** The last line of a plugin's stderr that says something, shortened: it usually tells the user what to do. */
function lastLine(text: string): string | undefined {
  const line = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .pop();
  if (line === undefined) return undefined;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

export class Credentials {
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly files = new Map<string, CachedFile>();
  private agent: { agent: Agent; ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined;
  private execCredential: { status: ExecStatus; expiresAt: number | undefined } | undefined;
  private execRun: Promise<ExecStatus> | undefined;
  private clientNode: Promise<ClientNodeAuth> | undefined;

  constructor(
    private readonly context: KubeContext,
    private readonly cluster: KubeCluster,
    private readonly user: KubeUser | undefined,
    options: CredentialsOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
  }

  /** The headers and agent for one request to `url`. Failures are ClusterErrors; `signal` abandons the wait. */
  async prepare(url: URL, method: HttpMethod, signal?: AbortSignal): Promise<PreparedAuth> {
    if (needsClientNode(this.cluster, this.user)) {
      this.clientNode ??= import('./clientNodeAuth').then(
        ({ ClientNodeAuth }) => {
          this.logger.info(`context ${this.context.name}: auth-provider or proxy-url, authenticating through client-node`);
          return new ClientNodeAuth(this.context, this.cluster, this.user);
        },
        (err: Error) => {
          // A failed load is tried again by the next request rather than remembered.
          this.clientNode = undefined;
          throw err;
        },
      );
      const auth = await abortable(this.clientNode, signal);
      // A token refresh (oidc) may hang on its identity provider; the request's timeout still applies.
      return abortable(auth.prepare(url, method), signal);
    }
    const exec = this.usesExec() ? await abortable(this.execStatus(), signal) : undefined;
    const headers: OutgoingHttpHeaders = {};
    const authorization = await abortable(this.authorization(exec), signal);
    if (authorization) headers.Authorization = authorization;
    if (this.user?.impersonateUser) headers['Impersonate-User'] = this.user.impersonateUser;
    return { headers, agent: await abortable(this.agentFor(url, exec), signal) };
  }

  /**
   * The server refused the credentials (401). An exec credential without an expiry is kept until this happens,
   * as client-go does; drop it so the next request runs the plugin again.
   */
  rejected(): void {
    this.execCredential = undefined;
  }

  /** Closes the agent's connections, idle and in use alike (Agent.destroy); the next request opens a new agent. */
  dispose(): void {
    this.agent?.agent.destroy();
    this.agent = undefined;
  }

  /** A static token or token file wins over a plugin, as in client-node (the token overwrites its header). */
  private usesExec(): boolean {
    return Boolean(this.user?.exec) && !this.user?.token && !this.user?.tokenFile;
  }

  private async authorization(exec: ExecStatus | undefined): Promise<string | undefined> {
    const user = this.user;
    if (!user) return undefined;
    if (user.token) return `Bearer ${user.token}`;
    if (user.tokenFile) {
      // A trailing newline is common in token files and is not part of the token (client-go trims it too).
      const token = (await this.readFresh(user.tokenFile, TOKEN_FILE_MAX_AGE_MS)).toString('utf8').trim();
      return token === '' ? undefined : `Bearer ${token}`;
    }
    if (exec?.token) return `Bearer ${exec.token}`;
    if (user.username) return `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`;
    return undefined;
  }

  /** One agent per client, so connections are reused; a new one only when the CA or client certificate changed. */
  private async agentFor(url: URL, exec: ExecStatus | undefined): Promise<Agent> {
    if (url.protocol === 'http:') {
      if (!this.cluster.skipTLSVerify) {
        throw new ClusterError(
          'invalid',
          l10n.t('The kubeconfig cluster "{0}" has a plain http server address; the extension only uses http when the cluster sets insecure-skip-tls-verify: true.', this.cluster.name),
        );
      }
      if (!this.agent) this.agent = { agent: new HttpAgent({ keepAlive: true }) };
      return this.agent.agent;
    }
    const ca = await this.material(this.cluster.caFile, this.cluster.caData);
    const cert = exec?.clientCertificateData ? Buffer.from(exec.clientCertificateData, 'utf8') : await this.material(this.user?.certFile, this.user?.certData);
    const key = exec?.clientKeyData ? Buffer.from(exec.clientKeyData, 'utf8') : await this.material(this.user?.keyFile, this.user?.keyData);
    const same = (a: Buffer | undefined, b: Buffer | undefined): boolean => (a === undefined ? b === undefined : b !== undefined && a.equals(b));
    const current = this.agent;
    if (current && same(current.ca, ca) && same(current.cert, cert) && same(current.key, key)) return current.agent;
    // The old agent is not destroyed: a watch may still be streaming over it; its idle sockets close on their own.
    const options: AgentOptions = { keepAlive: true, ca, cert, key };
    if (this.cluster.skipTLSVerify) options.rejectUnauthorized = false;
    if (this.cluster.tlsServerName) options.servername = this.cluster.tlsServerName;
    this.agent = { agent: new HttpsAgent(options), ca, cert, key };
    return this.agent.agent;
  }

  /** PEM from a file (preferred, as in client-node) or from base64 data in the kubeconfig. */
  private async material(file: string | undefined, data: string | undefined): Promise<Buffer | undefined> {
    if (file) return this.readFresh(file, TLS_FILE_MAX_AGE_MS);
    if (data) return Buffer.from(data, 'base64');
    return undefined;
  }

  private async readFresh(file: string, maxAgeMs: number): Promise<Buffer> {
    const cached = this.files.get(file);
    if (cached && this.now() - cached.readAt <= maxAgeMs) return cached.content;
    let content: Buffer;
    try {
      content = await readFile(file);
    } catch (err) {
      const code = errnoCode(err);
      throw new ClusterError('invalid', l10n.t('Cannot read {0}, named by the kubeconfig of context "{1}" ({2}).', file, this.context.name, code), { code, cause: err });
    }
    this.files.set(file, { content, readAt: this.now() });
    return content;
  }

  /** The plugin's credential: cached until its expirationTimestamp; one run at a time however many requests wait. */
  private async execStatus(): Promise<ExecStatus> {
    const cached = this.execCredential;
    if (cached && (cached.expiresAt === undefined || cached.expiresAt > this.now())) return cached.status;
    this.execCredential = undefined;
    if (!this.execRun) {
      const exec = this.user?.exec as ExecConfig;
      this.execRun = this.runPlugin(exec)
        .then((status) => {
          const expiresAt = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : undefined;
          this.execCredential = { status, expiresAt: Number.isNaN(expiresAt) ? undefined : expiresAt };
          return status;
        })
        .finally(() => {
          this.execRun = undefined;
        });
    }
    return this.execRun;
  }

  private async execInfo(exec: ExecConfig): Promise<string> {
    const spec: Record<string, unknown> = { interactive: false };
    if (exec.provideClusterInfo) {
      const ca = await this.material(this.cluster.caFile, this.cluster.caData);
      const cluster: Record<string, unknown> = { server: this.cluster.server };
      if (this.cluster.tlsServerName) cluster['tls-server-name'] = this.cluster.tlsServerName;
      if (this.cluster.skipTLSVerify) cluster['insecure-skip-tls-verify'] = true;
      if (ca) cluster['certificate-authority-data'] = ca.toString('base64');
      if (this.cluster.execExtension !== undefined) cluster.config = this.cluster.execExtension;
      spec.cluster = cluster;
    }
    return JSON.stringify({ apiVersion: exec.apiVersion ?? DEFAULT_EXEC_API_VERSION, kind: 'ExecCredential', spec });
  }

  private async runPlugin(exec: ExecConfig): Promise<ExecStatus> {
    const userName = this.user?.name ?? '';
    if (!exec.command) {
      throw new ClusterError('invalid', l10n.t('The exec credential plugin of kubeconfig user "{0}" names no command.', userName));
    }
    const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: await this.execInfo(exec) };
    for (const entry of exec.env ?? []) if (entry.name) env[entry.name] = entry.value;
    const started = this.now();
    const { code, signal, stdout, stderr } = await new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(exec.command, exec.args ?? [], { env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outBytes = 0;
      let errBytes = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        outBytes += chunk.length;
        if (outBytes <= MAX_PLUGIN_STDOUT_BYTES) out.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        errBytes += chunk.length;
        if (errBytes <= MAX_PLUGIN_STDERR_BYTES) err.push(chunk);
      });
      child.once('error', (error) => {
        const errno = errnoCode(error);
        reject(new ClusterError('unauthorized', l10n.t('The credential plugin {0} of kubeconfig user "{1}" could not be started ({2}).', exec.command, userName, errno), { code: errno }));
      });
      child.once('close', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    });
    if (code !== 0) {
      // stdout may hold a credential even on failure, so only stderr's last line is shown (redacted by ClusterError).
      const said = lastLine(stderr);
      let message: string;
      if (code === null) {
        message = said
          ? l10n.t('The credential plugin {0} of kubeconfig user "{1}" was stopped by signal {2}: {3}', exec.command, userName, String(signal), said)
          : l10n.t('The credential plugin {0} of kubeconfig user "{1}" was stopped by signal {2}.', exec.command, userName, String(signal));
      } else {
        message = said
          ? l10n.t('The credential plugin {0} of kubeconfig user "{1}" failed (exit code {2}): {3}', exec.command, userName, code, said)
          : l10n.t('The credential plugin {0} of kubeconfig user "{1}" failed (exit code {2}).', exec.command, userName, code);
      }
      throw new ClusterError('unauthorized', message);
    }
    let status: unknown;
    try {
      status = (JSON.parse(stdout) as { status?: unknown }).status;
    } catch {
      status = undefined;
    }
    const s = typeof status === 'object' && status !== null ? (status as Record<string, unknown>) : {};
    const text = (key: string): string | undefined => (typeof s[key] === 'string' && s[key] !== '' ? s[key] : undefined);
    const result: ExecStatus = { token: text('token'), clientCertificateData: text('clientCertificateData'), clientKeyData: text('clientKeyData'), expirationTimestamp: text('expirationTimestamp') };
    if (!result.token && !(result.clientCertificateData && result.clientKeyData)) {
      throw new ClusterError('unauthorized', l10n.t('The credential plugin {0} of kubeconfig user "{1}" did not print an ExecCredential with a token or a client certificate and key.', exec.command, userName));
    }
    this.logger.debug?.(`exec plugin ${exec.command} for user ${userName}: credential in ${this.now() - started} ms${result.expirationTimestamp ? `, expires ${result.expirationTimestamp}` : ''}`);
    return result;
  }
}
