/**
 * The platform trust decisions (a pinned SHA-256 fingerprint or a CA file's PEM, per platform origin), kept in
 * globalState: they are not secrets, the install and the Grafana proxy both read it.
 */
import type * as vscode from 'vscode';
import type { PlatformTrust, TrustStore } from '../acp/platformTrust';

const key = 'deepflow.platformTrust';

type Stored = Record<string, PlatformTrust>;

function isTrust(value: unknown): value is PlatformTrust {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.kind === 'system' || (v.kind === 'caFile' && typeof v.caPem === 'string') || (v.kind === 'pinned' && typeof v.fingerprint === 'string')
  );
}

export class MementoTrustStore implements TrustStore {
  constructor(private readonly memento: vscode.Memento) {}

  private all(): Stored {
    const raw = this.memento.get<unknown>(key);
    if (typeof raw !== 'object' || raw === null) return {};
    return Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter((entry): entry is [string, PlatformTrust] => isTrust(entry[1])));
  }

  get(origin: string): PlatformTrust | undefined {
    return this.all()[origin];
  }

  async set(origin: string, trust: PlatformTrust): Promise<void> {
    await this.memento.update(key, { ...this.all(), [origin]: trust });
  }

  async forget(origin: string): Promise<void> {
    const { [origin]: _removed, ...rest } = this.all();
    await this.memento.update(key, rest);
  }
}
