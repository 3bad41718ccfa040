/**
 * What the Grafana proxy changes in Grafana's answers, as pure functions: frame-blocking headers, `Location`, and
 * the index page's `<base href>` and boot data, so the frontend's own requests come back through the proxy.
 *
 * Names used throughout:
 * - `subPath`: Grafana's root path on the platform, `/clusters/<cluster>/deepflow` (no trailing slash);
 * - `localBase`: the path in front of `subPath` as the browser sees it, `<externalPrefix>/<secret>`, where the
 *   external prefix is what a port proxy in front of us adds (code-server: `/proxy/<port>`; usually empty).
 */
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';

/** Where Grafana lives upstream and where the browser sees it. */
export interface RewriteContext {
  /** The platform's origin, `https://host:port`. */
  platformOrigin: string;
  /** `/clusters/<cluster>/deepflow`. */
  subPath: string;
  /** `<externalPrefix>/<secret>`: the browser's path in front of subPath. */
  localBase: string;
  /** The browser's origin for the proxy (`http://127.0.0.1:<port>`, or code-server's). */
  externalOrigin: string;
}

/** Whether an absolute path lies at or under Grafana's sub-path. */
export function isUnderSubPath(path: string, subPath: string): boolean {
  return path === subPath || path.startsWith(`${subPath}/`) || path.startsWith(`${subPath}?`);
}

/**
 * `Location` as the browser must follow it: relative, absolute-path and absolute platform URLs under the sub-path
 * become absolute paths under the local base (the prefix and the secret); anything else (another origin, or a
 * platform path outside Grafana) is left as it is, since the proxy would refuse it anyway.
 */
export function rewriteLocation(location: string, upstreamUrl: string, context: RewriteContext): string {
  let resolved: URL;
  try {
    resolved = new URL(location, upstreamUrl);
  } catch {
    return location;
  }
  if (resolved.origin !== context.platformOrigin || !isUnderSubPath(resolved.pathname, context.subPath)) return location;
  return `${context.localBase}${resolved.pathname}${resolved.search}${resolved.hash}`;
}

/**
 * A Content-Security-Policy without its `frame-ancestors` directive (the webview frames Grafana from another
 * origin); every other directive is kept. Undefined when nothing is left.
 */
export function withoutFrameAncestors(policy: string): string | undefined {
  const kept = policy
    .split(';')
    .map((directive) => directive.trim())
    .filter((directive) => directive !== '' && !/^frame-ancestors(\s|$)/i.test(directive));
  return kept.length > 0 ? kept.join('; ') : undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Grafana's index page with every place that names its root re-pointed at the proxy:
 * - `<base href="<subPath>/">` and absolute-path `href`/`src` attributes under the sub-path (relative ones resolve
 *   through the base);
 * - the boot data's `appSubUrl` (the frontend builds its API and navigation URLs from it) and `appUrl` (the
 *   absolute root URL), and the webpack public path when it is set from the sub-path.
 */
export function rewriteIndexHtml(html: string, context: RewriteContext): string {
  const sub = context.subPath;
  const newSub = `${context.localBase}${sub}`;
  const newRoot = `${context.externalOrigin}${newSub}/`;
  const subPattern = escapeRegExp(sub);
  // href="<sub>/...", src="<sub>/...", and the base element, with either quote.
  let out = html.replace(new RegExp(`(\\s(?:href|src|action)\\s*=\\s*)(["'])${subPattern}(?=[/"'?#])`, 'gi'), (_m, attr: string, quote: string) => `${attr}${quote}${newSub}`);
  out = out.replace(/("appSubUrl"\s*:\s*)"((?:[^"\\]|\\.)*)"/g, (match, key: string, value: string) => {
    const decoded = decodeJsonString(value);
    return decoded === sub || decoded === `${sub}/` || decoded === '' ? `${key}${JSON.stringify(newSub)}` : match;
  });
  out = out.replace(/("appUrl"\s*:\s*)"((?:[^"\\]|\\.)*)"/g, (_m, key: string) => `${key}${JSON.stringify(newRoot)}`);
  out = out.replace(new RegExp(`(__grafana_public_path__\\s*=\\s*)(["'])${subPattern}/`, 'g'), (_m, assign: string, quote: string) => `${assign}${quote}${newSub}/`);
  return out;
}

function decodeJsonString(value: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(`"${value}"`);
    return typeof parsed === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** A Grafana-relative path (`d/uid/slug?x=y`, `/d/uid`, or empty for the home page) without a leading slash. */
export function normaliseGrafanaPath(path: string | undefined): string {
  return (path ?? '').replace(/^\/+/, '');
}

const DECOMPRESS: Record<string, (input: Buffer) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

/**
 * A body as plain bytes, whatever `Content-Encoding` Grafana (or an ingress with gzip on) chose, so HTML can be
 * rewritten. Throws for an encoding it cannot undo rather than rewriting compressed bytes.
 */
export async function decodeBody(raw: Buffer, contentEncoding: string | undefined): Promise<Buffer> {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return raw;
  const decode = DECOMPRESS[encoding];
  if (!decode) throw new Error(`Grafana's page uses a content encoding the proxy cannot read (${encoding}).`);
  return decode(raw);
}
