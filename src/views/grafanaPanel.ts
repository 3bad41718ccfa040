/**
 * DeepFlow's Grafana in a webview panel, one per cluster. The page comes from the local proxy (src/grafana/proxy.ts)
 * through `asExternalUri`, so it works in desktop, remote and browser-based VS Code. Before framing, the proxy
 * checks the way end to end; anything wrong becomes a page that names the cause and the fix, never a blank frame.
 * The proxy runs while a panel (or a flow that reads Grafana's API) needs it and stops with the last panel.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { grafanaRootUrl, type GrafanaAccess, type GrafanaApi } from '../grafana/contract';
import { healthLogLine } from '../grafana/health';
import { describeHealth, GrafanaProxy, type GrafanaHealth, type GrafanaProblem, type ProxiedGrafana } from '../grafana/proxy';
import { readGrafanaReadiness } from '../grafana/target';
import { GrafanaLogin, resolveGrafanaTarget, type ResolvedTarget } from '../commands/grafanaTarget';
import { resolvePlatformTrust } from '../commands/install/platformTrustPrompt';
import type { Services } from '../services';
import { panelHtml, type PanelProblem, type PanelView, type ProblemAction } from './grafanaPanelHtml';

const viewType = 'deepflow.grafana';

/** One cluster's Grafana: its proxy target, its login, and its panel while one is open. */
interface Entry {
  key: string;
  resolved: ResolvedTarget;
  proxied: ProxiedGrafana;
  login: GrafanaLogin;
  panel?: vscode.WebviewPanel;
  /** Grafana-relative path of the page shown (for Reload, kiosk and theme changes). */
  path: string;
  kiosk: boolean;
  disposables: vscode.Disposable[];
}

type PanelMessage = { type: 'ready' | 'reload' | 'openInBrowser' | 'retry' | 'updateCredentials' | 'changePlatform' | 'trustAgain' | 'showLog' } | { type: 'kiosk'; on: boolean };

function isPanelMessage(value: unknown): value is PanelMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  if (type === 'kiosk') return typeof (value as { on?: unknown }).on === 'boolean';
  return typeof type === 'string' && ['ready', 'reload', 'openInBrowser', 'retry', 'updateCredentials', 'changePlatform', 'trustAgain', 'showLog'].includes(type);
}

function entryKey(resolved: ResolvedTarget): string {
  return `${resolved.contextName}\n${resolved.target.platformUrl}\n${resolved.target.cluster}`;
}

/** `d/uid/slug?x=y` → the same, without a leading slash; undefined → Grafana's home. */
function normalisePath(path: string | undefined): string {
  return (path ?? '').replace(/^\/+/, '');
}

export class GrafanaPanels implements GrafanaAccess, vscode.Disposable {
  private proxy: Promise<GrafanaProxy> | undefined;
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly services: Services,
    private readonly extensionUri: vscode.Uri,
  ) {}

  async open(path?: string): Promise<void> {
    const entry = await this.entryForCurrentContext();
    if (!entry) return;
    entry.path = normalisePath(path);
    if (entry.panel) {
      entry.panel.reveal();
      await this.render(entry);
      return;
    }
    this.createPanel(entry);
    await this.render(entry);
  }

  async currentApi(signal?: AbortSignal): Promise<GrafanaApi | undefined> {
    const entry = await this.entryForCurrentContext();
    if (!entry) return undefined;
    const health = await entry.proxied.check(signal);
    if (health.kind !== 'ok') {
      const problem = await this.problemFor(entry, health);
      if (problem) throw new Error(vscode.l10n.t({ message: '{0}. {1}', args: [problem.title, problem.detail.join(' ')], comment: ['{0} is the title of a problem with Grafana (no full stop), {1} its cause and fix'] }));
    }
    return entry.proxied.api;
  }

  dispose(): void {
    for (const entry of [...this.entries.values()]) this.removeEntry(entry);
    void this.stopProxy();
  }

  // -------------------------------------------------------------------------------------------------------------

  private async entryForCurrentContext(options: { askPlatform?: boolean } = {}): Promise<Entry | undefined> {
    const resolved = await resolveGrafanaTarget(this.services, options);
    if (!resolved) return undefined;
    const key = entryKey(resolved);
    const existing = this.entries.get(key);
    if (existing) return existing;
    const origin = resolved.target.platformUrl;
    // A stored trust is used as it is: a certificate that changed under a pin shows as a page, not a modal.
    const trust = this.services.trustStore.get(origin) ?? (await resolvePlatformTrust(origin, this.services.trustStore, this.services.log));
    const proxy = await this.startProxy();
    const login = new GrafanaLogin(this.services, resolved);
    const proxied = proxy.addTarget({ ...resolved.target, trust, credentials: () => login.credentials() });
    const external = await vscode.env.asExternalUri(vscode.Uri.parse(proxied.localUrl));
    proxied.setExternalUrl(external.toString(true));
    const entry: Entry = { key, resolved, proxied, login, path: '', kiosk: false, disposables: [] };
    entry.disposables.push(
      proxied.onPageRequest((request) => void this.handle(entry, { type: request })),
    );
    this.entries.set(key, entry);
    this.services.log.info(`Grafana of cluster ${resolved.target.cluster} is served for the editor by the local proxy on 127.0.0.1:${proxy.port}.`);
    return entry;
  }

  private startProxy(): Promise<GrafanaProxy> {
    this.proxy ??= GrafanaProxy.start({ logger: this.services.log, requestTimeoutMs: this.services.settings.current.requestTimeoutMs });
    return this.proxy;
  }

  private async stopProxy(): Promise<void> {
    const proxy = this.proxy;
    this.proxy = undefined;
    if (proxy) await (await proxy).close();
  }

  private createPanel(entry: Entry): void {
    const mediaRoot = vscode.Uri.joinPath(this.extensionUri, 'media', 'grafana');
    const panel = vscode.window.createWebviewPanel(viewType, `Grafana · ${entry.resolved.target.cluster}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [mediaRoot],
    });
    entry.panel = panel;
    entry.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => {
        if (isPanelMessage(message)) void this.handle(entry, message);
      }),
      panel.onDidDispose(() => {
        entry.panel = undefined;
        this.removeEntry(entry);
        if (this.entries.size === 0) void this.stopProxy();
      }),
      vscode.window.onDidChangeActiveColorTheme(() => void this.render(entry, { recheck: false })),
    );
  }

  private removeEntry(entry: Entry): void {
    this.entries.delete(entry.key);
    for (const d of entry.disposables.splice(0)) d.dispose();
    entry.panel?.dispose();
    void this.proxy?.then((proxy) => proxy.removeTarget(entry.proxied));
  }

  private async handle(entry: Entry, message: PanelMessage): Promise<void> {
    try {
      switch (message.type) {
        case 'ready':
          return;
        case 'reload':
        case 'retry':
          return await this.render(entry);
        case 'kiosk':
          entry.kiosk = message.on;
          return await this.render(entry, { recheck: false });
        case 'openInBrowser':
          await vscode.env.openExternal(vscode.Uri.parse(`${grafanaRootUrl(entry.resolved.target)}${entry.path}`));
          return;
        case 'showLog':
          this.services.log.show();
          return;
        case 'updateCredentials':
          entry.proxied.resetLogin();
          entry.login.askAgain();
          return await this.render(entry);
        case 'trustAgain':
          await this.trustAgain(entry);
          return;
        case 'changePlatform':
          await this.changePlatform(entry);
          return;
      }
    } catch (error) {
      if (error instanceof vscode.CancellationError) return;
      const text = this.services.log.redact(error instanceof Error ? error.message : String(error));
      this.services.log.error(`Grafana panel: ${text}`);
      void vscode.window.showErrorMessage(`DeepFlow: ${text}`);
    }
  }

  /** Forgets the pin and asks again, as the install does; the new decision replaces the old for this origin. */
  private async trustAgain(entry: Entry): Promise<void> {
    const origin = entry.resolved.target.platformUrl;
    await this.services.trustStore.forget(origin);
    await resolvePlatformTrust(origin, this.services.trustStore, this.services.log);
    const path = entry.path;
    this.removeEntry(entry);
    await this.open(path);
  }

  private async changePlatform(entry: Entry): Promise<void> {
    const path = entry.path;
    const next = await this.entryForCurrentContext({ askPlatform: true });
    if (!next || next === entry) return;
    this.removeEntry(entry);
    next.path = path;
    this.createPanel(next);
    await this.render(next);
  }

  /** Checks the way to Grafana (unless only the URL changed) and shows the page, or what is wrong. */
  private async render(entry: Entry, options: { recheck?: boolean } = {}): Promise<void> {
    const panel = entry.panel;
    if (!panel) return;
    const cluster = entry.resolved.target.cluster;
    if (options.recheck !== false) {
      this.show(entry, { kind: 'connecting', cluster });
      const health = await entry.proxied.check();
      if (!entry.panel) return;
      const problem = await this.problemFor(entry, health);
      if (problem) {
        this.show(entry, { kind: 'problem', cluster, problem });
        return;
      }
    }
    this.show(entry, { kind: 'frame', cluster, url: this.frameUrl(entry), kiosk: entry.kiosk });
  }

  private async problemFor(entry: Entry, health: GrafanaHealth): Promise<PanelProblem | undefined> {
    if (health.kind === 'ok') return undefined;
    const { target, client } = entry.resolved;
    // The ingress only says 503; the cluster says how many Grafana pods are ready.
    const readiness = health.kind === 'notReady' ? await readGrafanaReadiness(client).catch(() => undefined) : undefined;
    const described = describeHealth(health, target, readiness);
    this.services.log.warn(healthLogLine(health, target));
    return { title: described.title, detail: [described.cause, described.fix], actions: actionsFor(health) };
  }

  /** The external URL of the page, with Grafana's theme following VS Code's and kiosk mode when chosen. */
  private frameUrl(entry: Entry): string {
    const kind = vscode.window.activeColorTheme.kind;
    const light = kind === vscode.ColorThemeKind.Light || kind === vscode.ColorThemeKind.HighContrastLight;
    const url = entry.proxied.externalUrlFor(entry.path);
    const separator = url.includes('?') ? '&' : '?';
    // Grafana reads a bare `kiosk` flag; `kiosk=` would be taken as another mode by some versions.
    return `${url}${separator}theme=${light ? 'light' : 'dark'}${entry.kiosk ? '&kiosk' : ''}`;
  }

  private show(entry: Entry, view: PanelView): void {
    const panel = entry.panel;
    if (!panel) return;
    const media = vscode.Uri.joinPath(this.extensionUri, 'media', 'grafana');
    panel.webview.html = panelHtml(view, {
      cspSource: panel.webview.cspSource,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.css')).toString(),
      nonce: randomBytes(16).toString('base64'),
      language: vscode.env.language,
    });
  }
}

/** The buttons that help with a problem: Retry always; the fix the cause calls for first. */
function actionsFor(health: GrafanaProblem): ProblemAction[] {
  switch (health.kind) {
    case 'badCredentials':
    case 'noCredentials':
      return ['updateCredentials', 'retry', 'showLog'];
    case 'untrusted':
    case 'pinMismatch':
      return ['trustAgain', 'retry', 'showLog'];
    case 'unreachable':
    case 'noIngress':
      return ['retry', 'changePlatform', 'showLog'];
    default:
      return ['retry', 'showLog'];
  }
}
