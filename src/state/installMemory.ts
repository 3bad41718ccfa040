/**
 * What the install remembers between runs, in globalState: the last answers (never a password or token) and the
 * ledger of violet pushes (the platform offers no API to list them).
 */
import type * as vscode from 'vscode';
import type { PushLedger, PushRecord } from '../install';

/** The answers worth offering again as defaults. No secret belongs here. */
export interface RememberedAnswers {
  platformUrl?: string;
  authKind?: 'password' | 'token';
  username?: string;
  nfsArtifact?: string;
  deepflowArtifact?: string;
  nfsServer?: string;
  nfsPath?: string;
  storageClass?: string;
  clusterName?: string;
  grafanaAdminUser?: string;
  mysqlSize?: string;
  clickhousePathSize?: string;
  clickhouseStoragePathSize?: string;
}

const answersKey = 'deepflow.install.lastAnswers';
const ledgerKey = 'deepflow.install.pushes';

const rememberedFields: readonly (keyof RememberedAnswers)[] = [
  'platformUrl',
  'authKind',
  'username',
  'nfsArtifact',
  'deepflowArtifact',
  'nfsServer',
  'nfsPath',
  'storageClass',
  'clusterName',
  'grafanaAdminUser',
  'mysqlSize',
  'clickhousePathSize',
  'clickhouseStoragePathSize',
];

export class AnswerMemory {
  constructor(private readonly memento: vscode.Memento) {}

  get(): RememberedAnswers {
    const raw = this.memento.get<unknown>(answersKey);
    if (typeof raw !== 'object' || raw === null) return {};
    const record = raw as Record<string, unknown>;
    const out: Record<string, string> = {};
    for (const field of rememberedFields) {
      const value = record[field];
      if (typeof value === 'string') out[field] = value;
    }
    return out;
  }

  /** Merges `answers` into what is remembered; only the known, non-secret fields are kept. */
  async remember(answers: RememberedAnswers): Promise<void> {
    const next: Record<string, string> = { ...(this.get() as Record<string, string>) };
    for (const field of rememberedFields) {
      const value = answers[field];
      if (typeof value === 'string') next[field] = value;
    }
    await this.memento.update(answersKey, next);
  }
}

function isPushRecord(value: unknown): value is PushRecord {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.platformOrigin === 'string' &&
    typeof v.file === 'string' &&
    typeof v.sizeBytes === 'number' &&
    typeof v.modifiedMs === 'number' &&
    typeof v.targetChartRepo === 'string' &&
    typeof v.pushedAt === 'string'
  );
}

export class MementoPushLedger implements PushLedger {
  constructor(private readonly memento: vscode.Memento) {}

  list(): readonly PushRecord[] {
    const raw = this.memento.get<unknown>(ledgerKey);
    return Array.isArray(raw) ? raw.filter(isPushRecord) : [];
  }

  async add(record: PushRecord): Promise<void> {
    const others = this.list().filter((r) => !(r.platformOrigin === record.platformOrigin && r.file === record.file && r.targetChartRepo === record.targetChartRepo));
    await this.memento.update(ledgerKey, [...others, record]);
  }
}
