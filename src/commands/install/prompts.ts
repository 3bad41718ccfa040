/**
 * The install questions, kept apart from execution (the vscode-containers habit: prompt steps, then execute
 * steps). A command picks the questions it needs; they run as one multi-step input with back and step/total, with
 * defaults from the last answers, then the settings, then the guide. Secrets are registered with the redactor the
 * moment they are entered, and are never remembered outside SecretStorage.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import * as vscode from 'vscode';
import { chartVersionFromArtifact, validateArtifactFile, type ArtifactKind } from '../../acp/artifacts';
import { defaultDeepflowSizes } from '../../acp/deepflowValues';
import { defaultNfsStorageClassName } from '../../acp/manifests';
import { originOf } from '../../acp/platformTrust';
import {
  generateGrafanaPassword,
  normalisePlatformUrl,
  validateClusterName,
  validateGrafanaUser,
  validateNfsPath,
  validateNfsServer,
  validateGrafanaPassword,
  validatePassword,
  validatePlatformUrl,
  validateQuantity,
  validateStorageClassName,
  validateToken,
  validateUsername,
} from '../../acp/validation';
import type { Redactor } from '../../acp/redact';
import type { DeepflowSettings } from '../../config';
import type { PlatformSecrets } from '../../state/platformSecrets';
import { MultiStepInput, type InputStep } from '../multiStepInput';
import type { RememberedAnswers } from '../../state/installMemory';

/** Everything a command may ask for. Filled as the user answers. */
export interface InstallAnswers {
  platformUrl?: string;
  authKind?: 'password' | 'token';
  username?: string;
  password?: string;
  token?: string;
  /** The secret was typed now (not read from SecretStorage), and the user agreed to keep it. */
  keepSecret?: boolean;
  secretWasSaved?: boolean;
  /** A secret was saved for this login, and the user typed another one instead: keep the new one, or forget both. */
  savedSecretReplaced?: boolean;
  nfsArtifact?: string;
  deepflowArtifact?: string;
  chartVersion?: string;
  nfsServer?: string;
  nfsPath?: string;
  storageClass?: string;
  clusterName?: string;
  grafanaAdminUser?: string;
  grafanaAdminPassword?: string;
  /** The Grafana password is the one generated for this run (so it is offered for copying once). */
  grafanaPasswordGenerated?: boolean;
  /** The Grafana password came unchanged from SecretStorage. */
  grafanaPasswordWasSaved?: boolean;
  /** The user agreed to keep the Grafana password in SecretStorage. */
  keepGrafanaPassword?: boolean;
  mysqlSize?: string;
  clickhousePathSize?: string;
  clickhouseStoragePathSize?: string;
}

export type Topic = 'platform' | 'credentials' | 'artifacts' | 'deepflowArtifact' | 'chartVersion' | 'nfs' | 'storageClass' | 'deepflow';

/** Defaults that come from outside the last answers: the settings and the cluster. */
export interface PromptDefaults {
  settings: DeepflowSettings['installDefaults'];
  /** The current context's cluster name, when it is a valid DNS-1123 label. */
  clusterName?: string;
}

export interface PromptServices {
  remembered: RememberedAnswers;
  defaults: PromptDefaults;
  secrets: PlatformSecrets;
  redactor: Redactor;
}

interface Question {
  applies?: (a: InstallAnswers) => boolean;
  ask: (input: MultiStepInput, a: InstallAnswers, at: { step: number; totalSteps: number }) => Promise<void>;
}

function pick<T>(...values: (T | undefined)[]): T | undefined {
  return values.find((v) => v !== undefined && v !== '');
}

/** Made when asked (never at module scope), so its tooltip is in the display language. */
function browseButton(): vscode.QuickInputButton {
  return { iconPath: new vscode.ThemeIcon('folder-opened'), tooltip: vscode.l10n.t('Browse…') };
}

/** What the artifact boxes say, one whole sentence per artifact (the artifact's name takes a different place in Chinese). */
function artifactTexts(kind: ArtifactKind): { empty: string; prompt: string; dialogTitle: string } {
  return kind === 'nfs'
    ? {
        empty: vscode.l10n.t('Enter the path of the NFS CSI plugin artifact (.tgz), or press Browse…'),
        prompt: vscode.l10n.t('The NFS CSI plugin artifact (.tgz) to push: type its absolute path, or press Browse…'),
        dialogTitle: vscode.l10n.t('Pick the NFS CSI plugin artifact'),
      }
    : {
        empty: vscode.l10n.t('Enter the path of the DeepFlow artifact (.tgz), or press Browse…'),
        prompt: vscode.l10n.t('The DeepFlow artifact (.tgz) to push: type its absolute path, or press Browse…'),
        dialogTitle: vscode.l10n.t('Pick the DeepFlow artifact'),
      };
}

/** A typed path: absolute, an existing file, a .tgz named like the expected artifact. */
export function validateArtifactPath(value: string, kind: ArtifactKind): string | undefined {
  const text = value.trim();
  if (!text) return artifactTexts(kind).empty;
  if (!isAbsolute(text)) return vscode.l10n.t('Enter an absolute path, or press Browse…');
  const naming = validateArtifactFile(text, kind);
  if (naming) return naming;
  try {
    if (!statSync(text).isFile()) return vscode.l10n.t('{0} is not a file', text);
  } catch {
    return vscode.l10n.t('{0} does not exist', text);
  }
  return undefined;
}

function artifactQuestion(kind: ArtifactKind, title: string, s: PromptServices): Question {
  const field = kind === 'nfs' ? 'nfsArtifact' : 'deepflowArtifact';
  const texts = artifactTexts(kind);
  return {
    async ask(input, a, at) {
      const previous = pick(a[field], s.remembered[field]);
      const value = await input.showInputBox({
        title,
        ...at,
        value: previous && existsSync(previous) ? previous : '',
        prompt: texts.prompt,
        placeholder: kind === 'nfs' ? '/path/to/nfs.amd64.v4.0.2.tgz' : '/path/to/deepflow-v3.19.0-fix.49.27.gb547cdc5-dbs.tgz',
        validate: (v) => validateArtifactPath(v, kind),
        buttons: [browseButton()],
        onButton: async (_button, box) => {
          const current = box.value.trim();
          const picked = await vscode.window.showOpenDialog({
            title: texts.dialogTitle,
            canSelectMany: false,
            openLabel: vscode.l10n.t('Use This Artifact'),
            filters: { [vscode.l10n.t('Artifacts (.tgz)')]: ['tgz'] },
            ...(current && isAbsolute(current) ? { defaultUri: vscode.Uri.file(current) } : {}),
          });
          const file = picked?.[0];
          if (file) box.value = file.fsPath;
        },
      });
      a[field] = value.trim();
    },
  };
}

function questionsFor(topic: Topic, title: string, s: PromptServices): Question[] {
  const r = s.remembered;
  const d = s.defaults.settings;
  switch (topic) {
    case 'platform':
      return [
        textQuestion('platformUrl', title, {
          proposals: [r.platformUrl, d.platformUrl],
          prompt: vscode.l10n.t('The ACP platform URL (https), where violet is downloaded from and artifacts are pushed to'),
          placeholder: 'https://acp.example.com',
          validate: validatePlatformUrl,
          normalise: normalisePlatformUrl,
        }),
      ];
    case 'credentials':
      return [
        {
          async ask(input, a, at) {
            const items: (vscode.QuickPickItem & { kind2: 'password' | 'token' })[] = [
              {
                label: vscode.l10n.t('Platform token'),
                description: vscode.l10n.t('recommended; required for LDAP and OIDC users'),
                detail: vscode.l10n.t("violet takes the login on its command line, which other local users can read (ps) while a push runs: a token can be revoked without changing the account's password."),
                kind2: 'token',
              },
              { label: vscode.l10n.t('Username and password'), description: vscode.l10n.t('a local platform account'), kind2: 'password' },
            ];
            const current = pick(a.authKind, r.authKind) ?? 'token';
            const chosen = await input.showQuickPick({
              title,
              ...at,
              items,
              activeItem: items.find((i) => i.kind2 === current),
              placeholder: vscode.l10n.t('How should violet log in to the platform?'),
            });
            a.authKind = chosen.kind2;
          },
        },
        {
          applies: (a) => a.authKind === 'password',
          async ask(input, a, at) {
            a.username = (
              await input.showInputBox({
                title,
                ...at,
                value: pick(a.username, r.username) ?? '',
                prompt: vscode.l10n.t('The platform username (it needs the platform-admin-system role to push)'),
                placeholder: 'admin@cpaas.io',
                validate: validateUsername,
              })
            ).trim();
          },
        },
        {
          applies: (a) => a.authKind === 'password',
          async ask(input, a, at) {
            const origin = originOf(a.platformUrl ?? '');
            const saved = await s.secrets.get(origin, 'password', a.username);
            const value = await input.showInputBox({
              title,
              ...at,
              value: '',
              password: true,
              prompt: saved
                ? vscode.l10n.t('Press Enter to use the password saved for {0}, or type another', a.username ?? '')
                : vscode.l10n.t('The password of {0} on {1}', a.username ?? '', origin),
              validate: (v) => (saved && v === '' ? undefined : validatePassword(v)),
            });
            a.password = value === '' && saved ? saved : value;
            a.secretWasSaved = value === '' && saved !== undefined;
            a.savedSecretReplaced = value !== '' && saved !== undefined;
            s.redactor.registerBasicAuth(a.username ?? '', a.password);
          },
        },
        {
          applies: (a) => a.authKind === 'token',
          async ask(input, a, at) {
            const origin = originOf(a.platformUrl ?? '');
            const saved = await s.secrets.get(origin, 'token');
            const value = await input.showInputBox({
              title,
              ...at,
              value: '',
              password: true,
              prompt: saved ? vscode.l10n.t('Press Enter to use the saved platform token, or paste another') : vscode.l10n.t('A platform API token for {0}', origin),
              validate: (v) => (saved && v === '' ? undefined : validateToken(v)),
            });
            a.token = value === '' && saved ? saved : value.trim();
            a.secretWasSaved = value === '' && saved !== undefined;
            a.savedSecretReplaced = value !== '' && saved !== undefined;
            s.redactor.register(a.token);
          },
        },
        {
          applies: (a) => !a.secretWasSaved,
          async ask(input, a, at) {
            const url = a.platformUrl ?? '';
            const texts =
              a.authKind === 'token'
                ? { dontKeep: vscode.l10n.t("Don't keep the token"), keep: vscode.l10n.t("Keep the token in VS Code's secret storage"), question: vscode.l10n.t('Keep the token for {0}?', url) }
                : { dontKeep: vscode.l10n.t("Don't keep the password"), keep: vscode.l10n.t("Keep the password in VS Code's secret storage"), question: vscode.l10n.t('Keep the password for {0}?', url) };
            const items = [
              { label: texts.dontKeep, description: vscode.l10n.t('ask again next time'), keep: false },
              { label: texts.keep, description: secretStorageDescription(), keep: true },
            ];
            const chosen = await input.showQuickPick({ title, ...at, items, placeholder: texts.question });
            a.keepSecret = chosen.keep;
          },
        },
      ];
    case 'artifacts':
      return [artifactQuestion('nfs', title, s), artifactQuestion('deepflow', title, s)];
    case 'deepflowArtifact':
      return [artifactQuestion('deepflow', title, s)];
    case 'chartVersion':
      return [
        {
          async ask(input, a, at) {
            const version = chartVersionFromArtifact(a.deepflowArtifact ?? '');
            if (!version) return input.back();
            const items = [
              { label: version, description: vscode.l10n.t('read from the artifact name; the Application asks for this chart version'), back: false },
              { label: vscode.l10n.t('Pick another artifact'), description: '', back: true },
            ];
            const chosen = await input.showQuickPick({ title, ...at, items, placeholder: vscode.l10n.t('Install DeepFlow chart version {0}?', version) });
            if (chosen.back) return input.back();
            a.chartVersion = version;
          },
        },
      ];
    case 'nfs':
      return [
        textQuestion('nfsServer', title, {
          proposals: [r.nfsServer, d.nfsServer],
          prompt: vscode.l10n.t('The NFS server: a host name or an IPv4 address'),
          placeholder: '10.100.0.4',
          validate: validateNfsServer,
        }),
        textQuestion('nfsPath', title, {
          proposals: [r.nfsPath, d.nfsPath],
          prompt: vscode.l10n.t('The exported NFS path (absolute)'),
          placeholder: '/nfs',
          validate: validateNfsPath,
        }),
      ];
    case 'storageClass':
      return [
        textQuestion('storageClass', title, {
          proposals: [r.storageClass, d.storageClass],
          fallback: defaultNfsStorageClassName,
          prompt: vscode.l10n.t('The storage class for DeepFlow’s volumes (created on the NFS share)'),
          validate: validateStorageClassName,
        }),
      ];
    case 'deepflow':
      return [
        textQuestion('clusterName', title, {
          // The current context's cluster comes before the last answer: installing on another cluster is the
          // usual reason to rerun, and the guide's example name must never become a default.
          proposals: [s.defaults.clusterName, r.clusterName],
          prompt: vscode.l10n.t('The cluster name as ACP shows it (DNS-1123: lowercase letters, digits, "-")'),
          placeholder: 'business-1',
          validate: validateClusterName,
        }),
        textQuestion('grafanaAdminUser', title, {
          proposals: [r.grafanaAdminUser, d.grafanaAdminUser],
          fallback: 'admin',
          prompt: vscode.l10n.t('The Grafana admin user'),
          validate: validateGrafanaUser,
          normalise: (v) => v.trim(),
        }),
        grafanaPasswordQuestion(title, s),
        {
          applies: (a) => grafanaSecretKey(a, s) !== undefined && !a.grafanaPasswordWasSaved,
          async ask(input, a, at) {
            const items = [
              {
                label: vscode.l10n.t("Don't keep the Grafana password"),
                description: a.grafanaPasswordGenerated ? vscode.l10n.t('copy it when offered: it is shown only once') : vscode.l10n.t('ask again next time'),
                keep: false,
              },
              { label: vscode.l10n.t("Keep the Grafana password in VS Code's secret storage"), description: secretStorageDescription(), keep: true },
            ];
            const chosen = await input.showQuickPick({
              title,
              ...at,
              items,
              placeholder: vscode.l10n.t('Keep the Grafana admin password of {0} on {1}?', a.grafanaAdminUser ?? '', a.clusterName ?? ''),
            });
            a.keepGrafanaPassword = chosen.keep;
          },
        },
        sizeQuestion('mysqlSize', title, s),
        sizeQuestion('clickhousePathSize', title, s),
        sizeQuestion('clickhouseStoragePathSize', title, s),
      ];
  }
}

/** Where SecretStorage keeps things, said plainly for each host (README, Security). */
function secretStorageDescription(): string {
  return vscode.l10n.t('desktop: the OS keychain (weaker on Linux without a keyring); code-server: this browser session only');
}

function showButton(): vscode.QuickInputButton {
  return { iconPath: new vscode.ThemeIcon('eye'), tooltip: vscode.l10n.t('Show or hide the password') };
}

/** The SecretStorage key parts of the Grafana password: the platform origin, the cluster and the Grafana user. */
function grafanaSecretKey(a: InstallAnswers, s: PromptServices): { origin: string; cluster: string; user: string } | undefined {
  const url = a.platformUrl ?? s.remembered.platformUrl;
  if (!url || !a.clusterName || !a.grafanaAdminUser) return undefined;
  return { origin: originOf(url), cluster: a.clusterName, user: a.grafanaAdminUser };
}

/**
 * The Grafana admin password: the one kept for this platform, cluster and user when there is one, else a strong
 * generated one (never the chart's default, which is refused). The eye button shows it, so it can be read once.
 */
function grafanaPasswordQuestion(title: string, s: PromptServices): Question {
  return {
    async ask(input, a, at) {
      const key = grafanaSecretKey(a, s);
      const saved = key ? await s.secrets.getGrafanaPassword(key.origin, key.cluster, key.user) : undefined;
      const generated = a.grafanaPasswordGenerated && a.grafanaAdminPassword ? a.grafanaAdminPassword : generateGrafanaPassword();
      const offered = a.grafanaAdminPassword ?? saved ?? generated;
      const value = await input.showInputBox({
        title,
        ...at,
        value: offered,
        password: true,
        prompt: saved
          ? vscode.l10n.t('The Grafana admin password kept for {0} on {1}: press Enter to use it, or type another', a.grafanaAdminUser ?? '', a.clusterName ?? '')
          : vscode.l10n.t('The Grafana admin password: a strong generated one is filled in (the eye shows it); press Enter to use it, or type your own'),
        validate: validateGrafanaPassword,
        buttons: [showButton()],
        onButton: (_button, box) => {
          box.password = !box.password;
          return Promise.resolve();
        },
      });
      a.grafanaAdminPassword = value;
      a.grafanaPasswordGenerated = value === generated && value !== saved;
      a.grafanaPasswordWasSaved = saved !== undefined && value === saved;
      s.redactor.register(value);
    },
  };
}

type TextField = 'platformUrl' | 'nfsServer' | 'nfsPath' | 'storageClass' | 'clusterName' | 'grafanaAdminUser' | SizeField;
type SizeField = 'mysqlSize' | 'clickhousePathSize' | 'clickhouseStoragePathSize';

interface TextQuestionOptions {
  /** Values to offer after the answer given earlier in this run (after Back): the first non-empty one wins. */
  proposals: (string | undefined)[];
  /** Offered when nothing else is. */
  fallback?: string;
  prompt: string;
  placeholder?: string;
  validate: (value: string) => string | undefined;
  normalise?: (value: string) => string;
}

/** One input box for a plain text answer. */
function textQuestion(field: TextField, title: string, options: TextQuestionOptions): Question {
  return {
    async ask(input, a, at) {
      const value = await input.showInputBox({
        title,
        ...at,
        value: pick(a[field], ...options.proposals) ?? options.fallback ?? '',
        prompt: options.prompt,
        placeholder: options.placeholder,
        validate: options.validate,
      });
      a[field] = options.normalise ? options.normalise(value) : value;
    },
  };
}

/** Each volume's prompt as one sentence; the example is the chart's default size. */
function sizePrompt(field: SizeField): string {
  const example = defaultDeepflowSizes[field];
  switch (field) {
    case 'mysqlSize':
      return vscode.l10n.t('MySQL volume size (a Kubernetes quantity, like {0})', example);
    case 'clickhousePathSize':
      return vscode.l10n.t('ClickHouse clickhouse-path volume size (a Kubernetes quantity, like {0})', example);
    case 'clickhouseStoragePathSize':
      return vscode.l10n.t('ClickHouse clickhouse-storage-path volume size (a Kubernetes quantity, like {0})', example);
  }
}

function sizeQuestion(field: SizeField, title: string, s: PromptServices): Question {
  return textQuestion(field, title, {
    proposals: [s.remembered[field], s.defaults.settings[field]],
    fallback: defaultDeepflowSizes[field],
    prompt: sizePrompt(field),
    validate: validateQuantity,
  });
}

/** Asks the questions of `topics`, in order, as one multi-step input. Resolves undefined when the user cancelled. */
export async function promptFor(topics: readonly Topic[], title: string, s: PromptServices): Promise<InstallAnswers | undefined> {
  const questions = topics.flatMap((t) => questionsFor(t, title, s));
  const answers: InstallAnswers = {};
  if (questions.length === 0) return answers;
  const applicable = (): Question[] => questions.filter((q) => q.applies?.(answers) ?? true);
  const stepAt =
    (index: number): InputStep =>
    async (input) => {
      const list = applicable();
      const question = list[index];
      if (!question) return undefined;
      await question.ask(input, answers, { step: index + 1, totalSteps: list.length });
      return index + 1 < applicable().length ? stepAt(index + 1) : undefined;
    };
  const completed = await MultiStepInput.run(stepAt(0));
  return completed ? answers : undefined;
}

/** The non-secret answers, for the next run's defaults. */
export function rememberable(a: InstallAnswers): RememberedAnswers {
  return {
    platformUrl: a.platformUrl,
    authKind: a.authKind,
    username: a.username,
    nfsArtifact: a.nfsArtifact,
    deepflowArtifact: a.deepflowArtifact,
    nfsServer: a.nfsServer,
    nfsPath: a.nfsPath,
    storageClass: a.storageClass,
    clusterName: a.clusterName,
    grafanaAdminUser: a.grafanaAdminUser,
    mysqlSize: a.mysqlSize,
    clickhousePathSize: a.clickhousePathSize,
    clickhouseStoragePathSize: a.clickhouseStoragePathSize,
  };
}
