/**
 * Platform credentials in VS Code's SecretStorage, and only there: keyed by platform origin and username (or
 * "token"), stored only when the user agreed. Nothing secret goes to settings, globalState or files.
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

  private grafanaKey(origin: string, cluster: string, user: string): string {
    return `deepflow.grafana:${origin}:${cluster}:${user}`;
  }

  /** The Grafana admin password the user chose to keep for this platform's cluster. */
  async getGrafanaPassword(origin: string, cluster: string, user: string): Promise<string | undefined> {
    const value = await this.storage.get(this.grafanaKey(origin, cluster, user));
    this.redactor.register(value);
    return value || undefined;
  }

  async storeGrafanaPassword(origin: string, cluster: string, user: string, password: string): Promise<void> {
    this.redactor.register(password);
    await this.storage.store(this.grafanaKey(origin, cluster, user), password);
  }

  async forgetGrafanaPassword(origin: string, cluster: string, user: string): Promise<void> {
    await this.storage.delete(this.grafanaKey(origin, cluster, user));
  }
}
