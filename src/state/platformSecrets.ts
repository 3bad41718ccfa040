/**
 * Platform credentials and Grafana admin passwords in VS Code's SecretStorage, and only there: keyed by platform
 * origin and username (or "token"), or by platform origin, cluster and Grafana user; stored only when the user
 * agreed. Nothing secret goes to settings, globalState or files. What SecretStorage itself does differs by host:
 * desktop VS Code encrypts with the OS keychain (Electron safeStorage), which on Linux without a keyring may fall
 * back to a weak or basic store; code-server keeps secrets in the browser session's memory only.
 */
import type * as vscode from 'vscode';
import type { Redactor } from '../acp/redact';

export type SecretKind = 'password' | 'token';

export class PlatformSecrets {
  constructor(
    private readonly storage: vscode.SecretStorage,
    private readonly redactor: Redactor,
  ) {}

  private key(origin: string, kind: SecretKind, username?: string): string {
    return `deepflow.platform:${origin}:${kind === 'token' ? 'token' : `password:${username ?? ''}`}`;
  }

  /** The saved secret, registered with the redactor at once so it can never be logged. */
  async get(origin: string, kind: SecretKind, username?: string): Promise<string | undefined> {
    const value = await this.storage.get(this.key(origin, kind, username));
    this.redactor.register(value);
    return value || undefined;
  }

  async store(origin: string, kind: SecretKind, secret: string, username?: string): Promise<void> {
    this.redactor.register(secret);
    await this.storage.store(this.key(origin, kind, username), secret);
  }

  async forget(origin: string, kind: SecretKind, username?: string): Promise<void> {
    await this.storage.delete(this.key(origin, kind, username));
  }

  private grafanaKey(platformOrigin: string, cluster: string, user: string): string {
    return `deepflow.grafana:${platformOrigin}:${cluster}:${user}`;
  }

  /** The Grafana admin password the user kept for this platform, cluster and Grafana user; registered with the redactor. */
  async getGrafanaPassword(platformOrigin: string, cluster: string, user: string): Promise<string | undefined> {
    const value = await this.storage.get(this.grafanaKey(platformOrigin, cluster, user));
    this.redactor.register(value);
    return value || undefined;
  }

  async storeGrafanaPassword(platformOrigin: string, cluster: string, user: string, password: string): Promise<void> {
    this.redactor.register(password);
    await this.storage.store(this.grafanaKey(platformOrigin, cluster, user), password);
  }

  async forgetGrafanaPassword(platformOrigin: string, cluster: string, user: string): Promise<void> {
    await this.storage.delete(this.grafanaKey(platformOrigin, cluster, user));
  }
}
