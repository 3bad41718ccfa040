/**
 * DeepFlow's Grafana as the platform's ingress exposes it at /clusters/<cluster>/deepflow/. Two layers:
 * - the ingress controller: the path answers only while Ingress `deepflow-grafana` (cpaas-system) routes it, and
 *   503 while the Grafana Deployment has no ready pod;
 * - Grafana itself, run with serve_from_sub_path: X-Frame-Options deny on every answer, a login with a SameSite=Lax
 *   session cookie, basic auth on /api, the real DeepFlow dashboards (test/sim/data/deepflow/dashboards).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { ObjectStore } from '../contract';
import { record, str } from '../controllers/runtime';

const NS = 'cpaas-system';
const DASHBOARD_DIR = join(__dirname, '..', 'data', 'deepflow', 'dashboards');
/** The frontend bundle stand-in: routes on appSubUrl and fetches dashboards over the API, like Grafana's. */
const APP_SCRIPT = readFileSync(join(__dirname, '..', 'data', 'grafana', 'app.js'), 'utf8');
/** Grafana's build names its bundles by content hash, so the index page names the file it can serve. */
const APP_SCRIPT_PATH = `public/build/app.${createHash('sha256').update(APP_SCRIPT).digest('hex').slice(0, 20)}.js`;

interface Dashboard {
  id: number;
  uid: string;
  title: string;
  slug: string;
  tags: string[];
  folder: Folder;
  json: Record<string, unknown>;
}

interface Folder {
  id: number;
  uid: string;
  title: string;
}

/** Both provisioned folders (config/dashboards in deepflow-dashboards); the three files here are all Templates. */
const FOLDERS: Folder[] = [
  { id: 1, uid: 'deepflow-templates', title: 'DeepFlow Templates' },
  { id: 2, uid: 'deepflow-system', title: 'DeepFlow System' },
];

export function slugify(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function loadDashboards(): Dashboard[] {
  const templates = FOLDERS[0] as Folder;
  return readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f, i) => {
      const json = JSON.parse(readFileSync(join(DASHBOARD_DIR, f), 'utf8')) as Record<string, unknown>;
      const title = str(json.title) ?? f;
      const tags = Array.isArray(json.tags) ? json.tags.filter((t): t is string => typeof t === 'string') : [];
      return { id: 10 + i, uid: str(json.uid) ?? f, title, slug: slugify(title), tags, folder: templates, json };
    });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export class GrafanaStandIn {
  private readonly dashboards = loadDashboards();
  /** session token -> user */
  private readonly sessions = new Map<string, string>();
  private readonly sockets = new Set<Socket>();
  /**
   * The admin password once changed in Grafana itself (profile page or admin API). Grafana keeps its users in its
   * database (DeepFlow's Grafana uses the chart's MySQL), and the chart's admin password only seeds the admin user
   * on first start: after a change here, the Secret goes stale, and pod restarts keep the changed password.
   */
  private changedPassword: string | undefined;

  constructor(
    private readonly store: ObjectStore,
    readonly clusterName: string,
  ) {}

  close(): void {
    for (const s of this.sockets) s.destroy();
  }

  /** The Grafana backend of the Ingress whose path matches, or a reason why the ingress controller answers itself. */
  private route(path: string): { ok: true } | { ok: false; status: number } {
    if (!path.startsWith('/clusters/')) return { ok: false, status: 0 };
    for (const ing of this.store.list('networking.k8s.io/v1', 'Ingress')) {
      const rules = record(ing.spec).rules;
      for (const rule of Array.isArray(rules) ? rules : []) {
        const paths = record(record(rule).http).paths;
        for (const p of Array.isArray(paths) ? paths : []) {
          const pattern = str(record(p).path) ?? '';
          let re: RegExp;
          try {
            // nginx ImplementationSpecific paths are regexes anchored at the start.
            re = new RegExp(`^${pattern}`);
          } catch {
            continue;
          }
          if (!re.test(path)) continue;
          const svc = record(record(record(p).backend).service);
          if (ing.metadata.namespace !== NS || svc.name !== 'deepflow-grafana') continue;
          const grafana = this.store.get('apps/v1', 'Deployment', NS, 'deepflow-grafana');
          const service = this.store.get('v1', 'Service', NS, 'deepflow-grafana');
          // ingress-nginx answers 503 itself while the Service has no ready endpoint (no ready Grafana pod),
          // also when the Deployment is scaled to 0, which a roll-out check would call complete.
          const readyPods = Number(record(grafana?.status).readyReplicas ?? 0);
          if (!service || !grafana || !(readyPods > 0)) return { ok: false, status: 503 };
          return { ok: true };
        }
      }
    }
    return { ok: false, status: 404 };
  }

  /** Grafana's settings as the chart rendered them. */
  private settings(): GrafanaSettings {
    const secret = this.store.get('v1', 'Secret', NS, 'deepflow-grafana');
    const data = record(secret?.data);
    const decode = (v: unknown, fallback: string): string => (typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : fallback);
    const ini = str(record(this.store.get('v1', 'ConfigMap', NS, 'deepflow-grafana')?.data)['grafana.ini']) ?? '';
    const rootUrl = /^root_url\s*=\s*(.*)$/m.exec(ini)?.[1]?.trim() ?? '';
    const fromSubPath = /^serve_from_sub_path\s*=\s*true/m.test(ini);
    const subPath = fromSubPath ? rootUrl.replace(/^%\(protocol\)s:\/\/%\(domain\)s(:%\(http_port\)s)?/, '').replace(/^[a-z]+:\/\/[^/]*/, '').replace(/\/+$/, '') : '';
    // Grafana expands root_url with its [server] defaults (protocol http, domain localhost, http_port 3000).
    const appUrl = `${rootUrl.replace('%(protocol)s', 'http').replace('%(domain)s', 'localhost').replace('%(http_port)s', '3000').replace(/\/+$/, '')}/`;
    return { subPath, appUrl, user: decode(data['admin-user'], 'admin'), password: this.changedPassword ?? decode(data['admin-password'], 'deepflow') };
  }

  /** Returns false when the path is not the ingress's business (the platform then 404s). */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const route = this.route(url.pathname);
    if (!route.ok) {
      if (route.status === 0 || route.status === 404) return false;
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end('<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>\n');
      return true;
    }
    const cfg = this.settings();
    // Grafana runs behind the ingress; with serve_from_sub_path it only answers under its root_url's path.
    if (cfg.subPath === '' || !(url.pathname === cfg.subPath || url.pathname.startsWith(`${cfg.subPath}/`))) {
      res.writeHead(404, { 'content-type': 'text/plain', 'x-frame-options': 'deny' });
      res.end('404 page not found\n');
      return true;
    }
    const rel = url.pathname.slice(cfg.subPath.length) || '/';
    void this.serve(req, res, url, rel, cfg).catch(() => res.destroy());
    return true;
  }

  private sessionUser(req: IncomingMessage): string | undefined {
    const cookie = req.headers.cookie ?? '';
    const m = /(?:^|;\s*)grafana_session=([^;]+)/.exec(cookie);
    return m?.[1] ? this.sessions.get(m[1]) : undefined;
  }

  private basicUser(req: IncomingMessage, cfg: { user: string; password: string }): string | undefined {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Basic ')) return undefined;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    return decoded === `${cfg.user}:${cfg.password}` ? cfg.user : undefined;
  }

  private async serve(req: IncomingMessage, res: ServerResponse, url: URL, rel: string, cfg: GrafanaSettings): Promise<void> {
    const base = { 'x-frame-options': 'deny', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };
    const sendJson = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { ...base, 'content-type': 'application/json', ...headers });
      res.end(text);
    };
    const sendHtml = (status: number, html: string): void => {
      res.writeHead(status, { ...base, 'content-type': 'text/html; charset=UTF-8' });
      res.end(html);
    };
    if (rel === '/api/health') return sendJson(200, { commit: 'sim', database: 'ok', version: '10.4.1' });
    if (rel === `/${APP_SCRIPT_PATH}`) {
      res.writeHead(200, { ...base, 'content-type': 'application/javascript', 'cache-control': 'public, max-age=31536000' });
      res.end(APP_SCRIPT);
      return;
    }
    if (rel.startsWith('/public/')) return sendHtml(404, '<!DOCTYPE html><html><body>404 page not found</body></html>\n');
    if (rel === '/login' && req.method === 'GET') {
      // Signed in already: Grafana sends the user home instead of showing the form.
      if (this.sessionUser(req)) {
        res.writeHead(302, { ...base, location: `${cfg.subPath}/` });
        res.end();
        return;
      }
      return sendHtml(200, indexPage(cfg, undefined));
    }
    if (rel === '/login' && req.method === 'POST') {
      const body = await readText(req);
      let creds: Record<string, unknown> = {};
      try {
        creds = record(JSON.parse(body));
      } catch {
        creds = Object.fromEntries(new URLSearchParams(body));
      }
      if (creds.user !== cfg.user || creds.password !== cfg.password) return sendJson(401, { message: 'Invalid username or password' });
      const token = randomBytes(16).toString('hex');
      this.sessions.set(token, cfg.user);
      return sendJson(200, { message: 'Logged in', redirectUrl: `${cfg.subPath}/` }, { 'set-cookie': `grafana_session=${token}; Path=${cfg.subPath}; Max-Age=2592000; HttpOnly; SameSite=Lax` });
    }
    if (rel === '/logout') {
      res.writeHead(302, { ...base, location: `${cfg.subPath}/login`, 'set-cookie': `grafana_session=; Path=${cfg.subPath}; Max-Age=0; HttpOnly; SameSite=Lax` });
      res.end();
      return;
    }
    const user = this.sessionUser(req) ?? (rel.startsWith('/api/') ? this.basicUser(req, cfg) : undefined);
    if (!user) {
      if (rel.startsWith('/api/')) return sendJson(401, { message: 'Unauthorized' });
      res.writeHead(302, { ...base, location: `${cfg.subPath}/login`, 'set-cookie': `redirect_to=${encodeURIComponent(url.pathname + url.search)}; Path=${cfg.subPath}; HttpOnly; SameSite=Lax` });
      res.end();
      return;
    }
    // Grafana's own password changes; the new password is kept in its database. An admin's reset of a user's
    // password also signs that user out everywhere (Grafana revokes the user's session tokens).
    const adminReset = /^\/api\/admin\/users\/1\/password$/.test(rel) && req.method === 'PUT';
    if ((rel === '/api/user/password' && req.method === 'PUT') || adminReset) {
      const body = record(JSON.parse((await readText(req)) || '{}'));
      const next = adminReset ? body.password : body.newPassword;
      if (!adminReset && body.oldPassword !== cfg.password) return sendJson(401, { message: 'Invalid old password' });
      if (typeof next !== 'string' || next.length < 4) return sendJson(400, { message: 'New password is too short' });
      this.changedPassword = next;
      if (adminReset) for (const [token, owner] of this.sessions) if (owner === cfg.user) this.sessions.delete(token);
      return sendJson(200, { message: adminReset ? 'User password updated' : 'User password changed' });
    }
    if (rel === '/api/user') return sendJson(200, { id: 1, login: user, name: user, email: `${user}@localhost`, isGrafanaAdmin: true, orgId: 1 });
    if (rel === '/api/folders') return sendJson(200, FOLDERS.map((f) => ({ id: f.id, uid: f.uid, title: f.title, url: `${cfg.subPath}/dashboards/f/${f.uid}/${slugify(f.title)}` })));
    if (rel === '/api/search') return sendJson(200, this.search(url.searchParams, cfg.subPath));
    const byUid = /^\/api\/dashboards\/uid\/([^/]+)$/.exec(rel);
    if (byUid) {
      const d = this.dashboards.find((x) => x.uid === decodeURIComponent(byUid[1] ?? ''));
      if (!d) return sendJson(404, { message: 'Dashboard not found' });
      return sendJson(200, {
        dashboard: { ...d.json, id: d.id },
        meta: { type: 'db', canSave: false, canEdit: true, slug: d.slug, url: `${cfg.subPath}/d/${d.uid}/${d.slug}`, provisioned: true, folderId: d.folder.id, folderUid: d.folder.uid, folderTitle: d.folder.title, folderUrl: `${cfg.subPath}/dashboards/f/${d.folder.uid}/${slugify(d.folder.title)}` },
      });
    }
    if (rel.startsWith('/api/')) return sendJson(404, { message: 'Not found' });
    // Grafana's middleware moves legacy panel links (?panelId=2&fullscreen[&edit]) to viewPanel/editPanel with a
    // 301 to an absolute path under the sub-path (RedirectFromLegacyPanelEditURL).
    const panelId = url.searchParams.get('panelId');
    if (rel.startsWith('/d/') && panelId !== null && url.searchParams.has('fullscreen')) {
      const params = new URLSearchParams(url.searchParams);
      const edit = params.has('edit');
      for (const name of ['panelId', 'fullscreen', 'edit']) params.delete(name);
      params.set(edit ? 'editPanel' : 'viewPanel', panelId);
      res.writeHead(301, { ...base, location: `${cfg.subPath}${rel}?${params.toString()}` });
      res.end();
      return;
    }
    // Every UI route is the same index page; the frontend renders it (a route it does not know: 404 status).
    const known = rel === '/' || rel === '/dashboards' || rel.startsWith('/dashboards/') || /^\/d\/[^/]+(\/[^/]*)?$/.test(rel) || rel === '/explore' || rel === '/profile';
    return sendHtml(known ? 200 : 404, indexPage(cfg, user));
  }

  private search(params: URLSearchParams, subPath: string): unknown[] {
    const query = (params.get('query') ?? '').toLowerCase();
    const type = params.get('type');
    const tags = params.getAll('tag');
    const folderUids = params.getAll('folderUIDs').flatMap((s) => s.split(','));
    const folderIds = params.getAll('folderIds').flatMap((s) => s.split(',')).map(Number);
    const uids = params.getAll('dashboardUIDs').flatMap((s) => s.split(','));
    const out: unknown[] = [];
    if (type !== 'dash-db' && tags.length === 0 && uids.length === 0 && folderUids.length === 0 && folderIds.length === 0) {
      for (const f of FOLDERS) {
        if (query && !f.title.toLowerCase().includes(query)) continue;
        out.push({ id: f.id, uid: f.uid, title: f.title, uri: `db/${slugify(f.title)}`, url: `${subPath}/dashboards/f/${f.uid}/${slugify(f.title)}`, slug: '', type: 'dash-folder', tags: [], isStarred: false });
      }
    }
    if (type === 'dash-folder') return out;
    for (const d of this.dashboards) {
      if (query && !d.title.toLowerCase().includes(query)) continue;
      if (tags.length > 0 && !tags.every((t) => d.tags.includes(t))) continue;
      if (uids.length > 0 && !uids.includes(d.uid)) continue;
      if (folderUids.length > 0 && !folderUids.includes(d.folder.uid)) continue;
      if (folderIds.length > 0 && !folderIds.includes(d.folder.id)) continue;
      out.push({
        id: d.id,
        uid: d.uid,
        title: d.title,
        uri: `db/${d.slug}`,
        url: `${subPath}/d/${d.uid}/${d.slug}`,
        slug: '',
        type: 'dash-db',
        tags: d.tags,
        isStarred: false,
        folderId: d.folder.id,
        folderUid: d.folder.uid,
        folderTitle: d.folder.title,
        folderUrl: `${subPath}/dashboards/f/${d.folder.uid}/${slugify(d.folder.title)}`,
      });
    }
    return out;
  }

  /**
   * Grafana Live's websocket (/api/live/ws): the handshake and a ping/close-aware idle connection, enough for a
   * proxy test to see frames pass both ways (text frames are echoed).
   */
  upgrade(req: IncomingMessage, socket: Socket): void {
    const url = new URL(req.url ?? '/', 'https://platform.invalid');
    const route = this.route(url.pathname);
    const cfg = this.settings();
    const wsKey = req.headers['sec-websocket-key'];
    const authed = this.sessionUser(req) ?? this.basicUser(req, cfg);
    if (!route.ok || url.pathname !== `${cfg.subPath}/api/live/ws` || typeof wsKey !== 'string' || !authed) {
      socket.end(`HTTP/1.1 ${route.ok ? (authed ? 404 : 401) : route.status || 404} Refused\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    const accept = createHash('sha1').update(`${wsKey}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`);
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const frame = parseFrame(buffered);
        if (!frame) return;
        buffered = buffered.subarray(frame.length);
        if (frame.opcode === 0x8) {
          socket.end(encodeFrame(0x8, Buffer.alloc(0)));
          return;
        }
        if (frame.opcode === 0x9) socket.write(encodeFrame(0xa, frame.payload));
        else if (frame.opcode === 0x1) socket.write(encodeFrame(0x1, frame.payload));
      }
    });
  }
}

interface GrafanaSettings {
  subPath: string;
  /** root_url as Grafana expands it, with a trailing slash. */
  appUrl: string;
  user: string;
  password: string;
}

/** `<`, `>` and `&` as JSON escapes, so boot data cannot close its script element (as Go's html/template does). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Grafana's index page (public/views/index.html in Grafana 10/11): `<base href="[[.AppSubUrl]]/" />`, the boot
 * data with appSubUrl and appUrl, a preloader that says the application files failed to load until the bundle
 * replaces it, and the bundle by a relative src that resolves through the base href.
 */
function indexPage(cfg: GrafanaSettings, user: string | undefined): string {
  const bootUser = user
    ? { isSignedIn: true, id: 1, login: user, email: `${user}@localhost`, name: user, lightTheme: false, orgId: 1, orgName: 'Main Org.', orgRole: 'Admin', isGrafanaAdmin: true, theme: 'dark', timezone: 'browser' }
    : { isSignedIn: false, id: 0, login: '', orgId: 1, lightTheme: false, theme: 'dark' };
  const settings = {
    appSubUrl: cfg.subPath,
    appUrl: cfg.appUrl,
    appTitle: 'Grafana',
    allowOrgCreate: false,
    authProxyEnabled: false,
    buildInfo: { version: '10.4.1', commit: 'sim', edition: 'Open Source', env: 'production' },
    defaultDatasource: 'DeepFlow',
    disableLoginForm: false,
    featureToggles: {},
    liveEnabled: true,
    theme2: { type: 'dark' },
  };
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1" />
    <meta name="viewport" content="width=device-width" />
    <meta name="theme-color" content="#000" />
    <title>Grafana</title>
    <base href="${escapeHtml(cfg.subPath)}/" />
    <link rel="icon" type="image/png" href="public/img/fav32.png" />
  </head>
  <body class="theme-dark app-grafana">
    <div class="preloader">
      <div class="preloader__text">If you're seeing this Grafana has failed to load its application files</div>
    </div>
    <div id="reactRoot"></div>
    <script>
      window.grafanaBootData = {
        user: ${scriptJson(bootUser)},
        settings: ${scriptJson(settings)},
        navTree: ${scriptJson([{ id: 'home', text: 'Home', url: `${cfg.subPath}/` }, { id: 'dashboards/browse', text: 'Dashboards', url: `${cfg.subPath}/dashboards` }])},
        themePaths: { light: 'public/build/grafana.light.css', dark: 'public/build/grafana.dark.css' },
        assets: { jsFiles: [${scriptJson(APP_SCRIPT_PATH)}] },
      };
    </script>
    <script src="${APP_SCRIPT_PATH}" type="text/javascript"></script>
  </body>
</html>
`;
}

function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseFrame(buf: Buffer): { opcode: number; payload: Buffer; length: number } | undefined {
  if (buf.length < 2) return undefined;
  const b0 = buf[0] ?? 0;
  const b1 = buf[1] ?? 0;
  let len = b1 & 0x7f;
  let offset = 2;
  if (len === 126) {
    if (buf.length < 4) return undefined;
    len = buf.readUInt16BE(2);
    offset = 4;
  } else if (len === 127) {
    if (buf.length < 10) return undefined;
    len = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  const masked = (b1 & 0x80) !== 0;
  const maskOffset = offset;
  if (masked) offset += 4;
  if (buf.length < offset + len) return undefined;
  const payload = Buffer.from(buf.subarray(offset, offset + len));
  if (masked) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (buf[maskOffset + (i % 4)] ?? 0);
  return { opcode: b0 & 0x0f, payload, length: offset + len };
}

function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const head = payload.length < 126 ? Buffer.from([0x80 | opcode, payload.length]) : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([head, payload]);
}

