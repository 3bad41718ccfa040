/**
 * Time ranges as Grafana takes them (`from=now-1h&to=now`, or epoch milliseconds) and as the querier needs them
 * (epoch seconds in `time >= … AND time <= …`). One range drives both, so the native list and the dashboard agree.
 */
import * as l10n from '@vscode/l10n';

/** A range in Grafana's URL terms: `now`, `now-2h`, or epoch milliseconds as a string. */
export interface TimeRange {
  from: string;
  to: string;
}

export interface TimePreset {
  label: string;
  range: TimeRange;
}

/** A range from `from` to now, whose label is looked up each time it is read (after activation chose the language). */
function untilNow(from: string, label: () => string): TimePreset {
  return {
    get label() {
      return label();
    },
    range: { from, to: 'now' },
  };
}

/** The time-range choices of the troubleshooting flows, shortest first. */
export const TIME_PRESETS: readonly TimePreset[] = [
  untilNow('now-15m', () => l10n.t('Last 15 minutes')),
  untilNow('now-1h', () => l10n.t('Last 1 hour')),
  untilNow('now-6h', () => l10n.t('Last 6 hours')),
  untilNow('now-24h', () => l10n.t('Last 24 hours')),
];

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const relative = /^now(?:-(\d{1,6})([smhdw]))?$/;
/** A date, with an optional time and zone: 2026-12-02, 2026-12-02T10:15, 2026-12-02 10:15:30Z, …+08:00. */
const isoShape = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** The message for a time the user typed, or undefined when it is `now`, `now-<n><s|m|h|d|w>` or an ISO time. */
export function validateTimeExpression(text: string): string | undefined {
  const value = text.trim();
  if (value === '') return l10n.t('Enter a time: now, now-2h, or an ISO time like {0}', '2026-12-02T10:00');
  if (relative.test(value)) return undefined;
  if (isoShape.test(value) && !Number.isNaN(Date.parse(value.replace(' ', 'T')))) return undefined;
  return l10n.t('"{0}" is not a time: use now, now-<number><s|m|h|d|w> (e.g. now-2h), or an ISO time like {1}', value, '2026-12-02T10:00');
}

/** The Grafana form of a validated time expression: relative ones as typed, absolute ones as epoch milliseconds. */
export function toGrafanaTime(text: string): string {
  const value = text.trim();
  const invalid = validateTimeExpression(value);
  if (invalid) throw new Error(invalid);
  if (relative.test(value)) return value;
  return String(Date.parse(value.replace(' ', 'T')));
}

/** Epoch milliseconds of a Grafana time (`now-1h` or epoch ms) at `nowMs`. */
export function resolveGrafanaTime(value: string, nowMs: number): number {
  const m = relative.exec(value);
  if (m) return m[1] && m[2] ? nowMs - Number(m[1]) * (UNIT_MS[m[2]] ?? 0) : nowMs;
  if (/^\d{1,16}$/.test(value)) return Number(value);
  throw new Error(l10n.t('"{0}" is not a Grafana time', value));
}

/** The range in epoch seconds, for the querier's `time` column; an empty or reversed range is refused. */
export function rangeSeconds(range: TimeRange, nowMs: number): { from: number; to: number } {
  const from = Math.floor(resolveGrafanaTime(range.from, nowMs) / 1000);
  const to = Math.ceil(resolveGrafanaTime(range.to, nowMs) / 1000);
  if (from >= to) throw new Error(l10n.t('The time range is empty: "{0}" is not before "{1}".', range.from, range.to));
  return { from, to };
}

/** A custom range from what the user typed, or the reason it is refused. */
export function customRange(fromText: string, toText: string, nowMs: number): TimeRange | string {
  const invalid = validateTimeExpression(fromText) ?? validateTimeExpression(toText);
  if (invalid) return invalid;
  const range = { from: toGrafanaTime(fromText), to: toGrafanaTime(toText) };
  try {
    rangeSeconds(range, nowMs);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  return range;
}

/** A range around one moment (±`marginMs`), for links that narrow to a row. */
export function rangeAround(epochMs: number, marginMs = 60_000): TimeRange {
  return { from: String(epochMs - marginMs), to: String(epochMs + marginMs) };
}

/** How a range reads in a sentence: "last 1 hour" or "2026-12-02T10:00:00Z to 2026-12-02T11:00:00Z". */
export function describeRange(range: TimeRange): string {
  const preset = TIME_PRESETS.find((p) => p.range.from === range.from && p.range.to === range.to);
  if (preset) return preset.label.toLowerCase();
  const show = (v: string): string => (/^\d+$/.test(v) ? new Date(Number(v)).toISOString().replace('.000Z', 'Z') : v);
  return l10n.t('{0} to {1}', show(range.from), show(range.to));
}
