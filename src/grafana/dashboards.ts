/**
 * DeepFlow's dashboards as Grafana serves them: the folders and dashboards of the search API, and links built from
 * the variables a dashboard itself declares (`templating.list[].name`). Dashboard uids ship in an image tagged
 * `latest`, so they are looked up at run time before a link is trusted.
 */
import * as l10n from '@vscode/l10n';
import { isRecord } from '../cluster/types';
import type { GrafanaApi } from './contract';
import type { TimeRange } from './timeRange';

export const TEMPLATES_FOLDER = 'DeepFlow Templates';
export const SYSTEM_FOLDER = 'DeepFlow System';
/** Grafana's name for dashboards outside any folder. */
export const GENERAL_FOLDER = 'General';

/** The Distributed Tracing dashboard of DeepFlow Templates (ACP-FACTS.md), by uid and, failing that, by title. */
export const DISTRIBUTED_TRACING = { uid: 'Distributed_Tracing', title: 'Distributed Tracing' } as const;

export interface DashboardEntry {
  uid: string;
  title: string;
  folder: string;
  tags: string[];
}

export interface DashboardFolder {
  title: string;
  dashboards: DashboardEntry[];
}

/** A dashboard's definition, as far as links need it. */
export interface DashboardDefinition {
  uid: string;
  title: string;
  slug: string;
  /** The variable names the dashboard declares, in its order. */
  variables: string[];
}

function folderRank(title: string): number {
  if (title === TEMPLATES_FOLDER) return 0;
  if (title === SYSTEM_FOLDER) return 1;
  return 2;
}

/** Grafana's slug of a title (as its `slugify`): lowercase words joined by '-'. */
export function slugOf(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Folders in the order a DeepFlow user wants them: DeepFlow Templates, DeepFlow System, then the rest by name. */
export function groupDashboards(entries: readonly DashboardEntry[]): DashboardFolder[] {
  const folders = new Map<string, DashboardEntry[]>();
  for (const entry of entries) folders.set(entry.folder, [...(folders.get(entry.folder) ?? []), entry]);
  return [...folders.entries()]
    .map(([title, dashboards]) => ({ title, dashboards: [...dashboards].sort((a, b) => a.title.localeCompare(b.title)) }))
    .sort((a, b) => folderRank(a.title) - folderRank(b.title) || a.title.localeCompare(b.title));
}

/** Parses Grafana's `/api/search` answer into dashboards (folders themselves are skipped). */
export function parseSearch(body: unknown): DashboardEntry[] {
  if (!Array.isArray(body)) throw new Error(l10n.t("Grafana's search API sent something that is not a list."));
  return body.filter(isRecord).flatMap((hit) => {
    if (hit.type !== 'dash-db' || typeof hit.uid !== 'string' || typeof hit.title !== 'string') return [];
    const folder = typeof hit.folderTitle === 'string' && hit.folderTitle !== '' ? hit.folderTitle : GENERAL_FOLDER;
    const tags = Array.isArray(hit.tags) ? hit.tags.filter((t): t is string => typeof t === 'string') : [];
    return [{ uid: hit.uid, title: hit.title, folder, tags }];
  });
}

/** Every dashboard Grafana lists, grouped by folder, DeepFlow Templates first. */
export async function listDashboards(api: GrafanaApi, signal?: AbortSignal): Promise<DashboardFolder[]> {
  return groupDashboards(parseSearch(await api.getJson('api/search?type=dash-db&limit=5000', signal)));
}

/** Parses `/api/dashboards/uid/<uid>`: the uid, title, slug and declared variable names. */
export function parseDashboard(body: unknown): DashboardDefinition {
  const dashboard = isRecord(body) && isRecord(body.dashboard) ? body.dashboard : undefined;
  if (!dashboard || typeof dashboard.uid !== 'string') throw new Error(l10n.t('Grafana sent a dashboard without a uid.'));
  const meta = isRecord(body) && isRecord(body.meta) ? body.meta : {};
  const title = typeof dashboard.title === 'string' ? dashboard.title : dashboard.uid;
  const templating = isRecord(dashboard.templating) ? dashboard.templating : {};
  const list = Array.isArray(templating.list) ? templating.list : [];
  const variables = list.filter(isRecord).flatMap((v) => (typeof v.name === 'string' ? [v.name] : []));
  const slug = typeof meta.slug === 'string' && meta.slug !== '' ? meta.slug : slugOf(title);
  return { uid: dashboard.uid, title, slug, variables };
}

export async function readDashboard(api: GrafanaApi, uid: string, signal?: AbortSignal): Promise<DashboardDefinition> {
  return parseDashboard(await api.getJson(`api/dashboards/uid/${encodeURIComponent(uid)}`, signal));
}

/**
 * Finds a dashboard by its known uid, or by its title when this Grafana's image gave it another uid, and reads it.
 * Throws a message naming the dashboard when neither is there.
 */
export async function findDashboard(api: GrafanaApi, wanted: { uid: string; title: string }, signal?: AbortSignal): Promise<DashboardDefinition> {
  const hits = parseSearch(await api.getJson(`api/search?type=dash-db&query=${encodeURIComponent(wanted.title)}`, signal));
  const hit = hits.find((h) => h.uid === wanted.uid) ?? hits.find((h) => h.title === wanted.title);
  if (!hit) {
    throw new Error(l10n.t('This Grafana has no "{0}" dashboard (uid {1}). Is the {2} folder provisioned?', wanted.title, wanted.uid, TEMPLATES_FOLDER));
  }
  return readDashboard(api, hit.uid, signal);
}

export type VariableValues = Record<string, string | readonly string[]>;

export interface LinkOptions {
  variables?: VariableValues;
  range?: TimeRange;
}

/**
 * The path of a dashboard relative to Grafana's root: `d/<uid>/<slug>?orgId=1&var-<name>=<value>…&from=…&to=…`.
 * Only variables the dashboard declares may be set; one it lacks is an error naming it, so a link never silently
 * loses a filter. Values are percent-encoded as Grafana reads them back (`*` stays a literal wildcard).
 */
export function dashboardPath(dashboard: DashboardDefinition, options: LinkOptions = {}): string {
  const params: string[] = ['orgId=1'];
  for (const [name, value] of Object.entries(options.variables ?? {})) {
    if (!dashboard.variables.includes(name)) {
      const declared = dashboard.variables.join(', ');
      throw new Error(
        declared
          ? l10n.t('The "{0}" dashboard has no variable "{1}" (it has {2}).', dashboard.title, name, declared)
          : l10n.t('The "{0}" dashboard has no variable "{1}" (it has none).', dashboard.title, name),
      );
    }
    for (const v of typeof value === 'string' ? [value] : value) params.push(`var-${encodeURIComponent(name)}=${encodeURIComponent(v)}`);
  }
  if (options.range) params.push(`from=${encodeURIComponent(options.range.from)}`, `to=${encodeURIComponent(options.range.to)}`);
  return `d/${encodeURIComponent(dashboard.uid)}/${encodeURIComponent(dashboard.slug)}?${params.join('&')}`;
}
