// The Grafana proxy in real Chromium, behind a relay that mimics code-server's port proxy (it strips
// `/proxy/<port>` and forwards to 127.0.0.1:<port>), framed from another origin as the webview frames it. The
// stand-in's own script must render the dashboard it fetched through the rewritten appSubUrl; without the
// rewrite for the prefix, the same page must stay empty (the test can fail).
import { strict as assert } from 'node:assert';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Frame } from 'playwright-core';
import { GrafanaProxy, type ProxiedGrafana } from '../../src/grafana/proxy';
import { startSimulator, type StartedSimulator } from '../sim/index';
import { grafanaSubPath, quickInstallDeepflow } from '../sim/quickInstall';
import { launchBrowser, type Browser } from './workbench';

const GRAFANA_PASSWORD = 'Browser-test-pw';

/** code-server's `/proxy/<port>/...` → `http://127.0.0.1:<port>/...`, the prefix stripped. */
async function startPortRelay(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const match = /^\/proxy\/(\d+)(\/.*)?$/.exec(req.url ?? '');
    if (!match) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not a proxied port\n');
      return;
    }
    const upstream = request({ host: '127.0.0.1', port: Number(match[1]), path: match[2] ?? '/', method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

suite('Grafana proxy in Chromium behind a code-server-like port proxy', function () {
  let sim: StartedSimulator;
  let proxy: GrafanaProxy;
  let relay: { server: Server; origin: string };
  let browser: Browser;
  let credentialCalls = 0;

  function addTarget(): ProxiedGrafana {
    return proxy.addTarget({
      platformUrl: sim.info.platformUrl,
      cluster: sim.info.clusterName,
      trust: { kind: 'pinned', fingerprint: sim.info.platformFingerprint },
      credentials: () => {
        credentialCalls++;
        return Promise.resolve({ user: 'admin', password: GRAFANA_PASSWORD });
      },
    });
  }

  /** Frames `url` from another origin (the webview's position) and returns the frame. */
  async function frame(url: string): Promise<Frame> {
    await browser.page.setContent(`<!DOCTYPE html><html><body style="margin:0"><iframe id="grafana" src="${url}" style="width:1200px;height:800px;border:0"></iframe></body></html>`);
    const handle = await browser.page.waitForSelector('#grafana');
    const content = await handle.contentFrame();
    assert.ok(content);
    await content.waitForLoadState('load');
    return content;
  }

  suiteSetup(async function () {
    this.timeout(120_000);
    sim = await startSimulator({ timeScale: 0.02, nodes: 1 });
    await quickInstallDeepflow(sim, { grafanaPassword: GRAFANA_PASSWORD });
    proxy = await GrafanaProxy.start({ logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
    relay = await startPortRelay();
    browser = await launchBrowser();
  });

  suiteTeardown(async () => {
    await browser?.close();
    relay?.server.close();
    await proxy?.close();
    await sim?.stop();
  });

  test('renders the dashboard fetched by the stand-in\'s own script, with variables, range, theme and kiosk', async () => {
    const target = addTarget();
    const local = new URL(target.localUrl);
    target.setExternalUrl(`${relay.origin}/proxy/${proxy.port}${local.pathname}`);
    const url = target.externalUrlFor('d/Distributed_Tracing/distributed-tracing?orgId=1&var-namespace=shop&var-workload=checkout&from=now-1h&to=now&theme=light&kiosk');
    assert.ok(url.startsWith(`${relay.origin}/proxy/${proxy.port}/`));
    const grafana = await frame(url);
    const title = grafana.locator('#dashboard-title');
    await title.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await title.textContent(), 'Distributed Tracing');
    assert.equal(await title.getAttribute('data-uid'), 'Distributed_Tracing');
    assert.equal(await grafana.locator('li[data-var="namespace"]').textContent(), 'var-namespace=shop');
    assert.equal(await grafana.locator('li[data-var="workload"]').textContent(), 'var-workload=checkout');
    assert.equal(await grafana.locator('#time').textContent(), 'from=now-1h to=now');
    assert.ok((await grafana.locator('#panels .panel-title').allTextContents()).includes('DeepFlow Flame Graph'));
    assert.equal(await grafana.locator('body').getAttribute('data-theme'), 'light');
    assert.equal(await grafana.locator('#nav').count(), 0, 'kiosk hides the navigation');
    assert.equal(credentialCalls, 1, 'logged in once, by the proxy, without a login form');
    assert.equal(await grafana.locator('form#login').count(), 0);
    proxy.removeTarget(target);
  });

  test('without the rewrite for the external prefix the same page shows no dashboard', async () => {
    const target = addTarget();
    // setExternalUrl is not called: the proxy rewrites for no prefix, so base href and appSubUrl miss /proxy/<port>.
    const local = new URL(target.localUrl);
    const url = `${relay.origin}/proxy/${proxy.port}${local.pathname}d/Distributed_Tracing/distributed-tracing?orgId=1`;
    const grafana = await frame(url);
    await grafana.locator('.preloader__text').waitFor({ state: 'visible', timeout: 10_000 });
    await browser.page.waitForTimeout(1_500);
    assert.equal(await grafana.locator('#dashboard-title').count(), 0, 'the dashboard must not render through a wrong prefix');
    assert.match((await grafana.locator('.preloader__text').textContent()) ?? '', /failed to load its application files/);
    proxy.removeTarget(target);
  });

  test('refuses the frame\'s request without the secret', async () => {
    const reply = await browser.page.request.get(`${relay.origin}/proxy/${proxy.port}${grafanaSubPath(sim)}/`);
    assert.equal(reply.status(), 403);
  });
});
