// The Grafana proxy's added latency: the same dashboard API call made directly to the platform (verified TLS
// under the pin, Grafana's session cookie) and through the local proxy (loopback HTTP, the proxy's own verified
// TLS and held session), interleaved so both see the same machine load.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { requestPlatform, httpsAgentFor, type PlatformTrust } from '../../src/acp/platformTrust';
import { grafanaRootUrl } from '../../src/grafana/contract';
import { GrafanaProxy } from '../../src/grafana/proxy';
import type { SimulatorInfo } from '../../test/sim/contract';
import { series, type Series } from './util';

export interface GrafanaProxyBench {
  requests: number;
  path: string;
  directMs: Series & { p95: number };
  proxiedMs: Series & { p95: number };
  /** proxied median − direct median, and the same for p95. */
  addedMedianMs: number;
  addedP95Ms: number;
}

function p95(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? Number.NaN;
}

function withP95(values: readonly number[]): Series & { p95: number } {
  return { ...series(values), p95: p95(values) };
}

async function timeDirect(url: string, trust: PlatformTrust, agent: ReturnType<typeof httpsAgentFor>, cookie: string): Promise<number> {
  const started = performance.now();
  const res = await requestPlatform(url, trust, { agent, headers: { cookie, accept: 'application/json' } });
  for await (const _chunk of res) {
    // read the whole body, as the frame does
  }
  if (res.statusCode !== 200) throw new Error(`the direct request answered ${res.statusCode}`);
  return performance.now() - started;
}

function timeProxied(url: string, agent: HttpAgent): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent, headers: { accept: 'application/json' } }, (res) => {
      res.resume();
      res.once('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`the proxied request answered ${res.statusCode}`))));
    });
    req.once('error', reject);
    req.end();
  });
}

/** Logs in directly, the way the proxy does, for the direct side's cookie. */
async function directSession(rootUrl: string, trust: PlatformTrust, agent: ReturnType<typeof httpsAgentFor>, password: string): Promise<string> {
  const res = await requestPlatform(`${rootUrl}login`, trust, { agent, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password }) });
  res.resume();
  const cookie = (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).find((c) => c?.startsWith('grafana_session='));
  if (res.statusCode !== 200 || !cookie) throw new Error(`the direct Grafana login answered ${res.statusCode}`);
  return cookie;
}

export async function benchGrafanaProxy(info: SimulatorInfo, grafanaPassword: string, requests: number): Promise<GrafanaProxyBench> {
  const trust: PlatformTrust = { kind: 'pinned', fingerprint: info.platformFingerprint };
  const target = { platformUrl: info.platformUrl, cluster: info.clusterName };
  const path = 'api/dashboards/uid/Distributed_Tracing';
  const proxy = await GrafanaProxy.start({ logger: { info: () => undefined, warn: (m) => console.error(m), error: (m) => console.error(m) } });
  const directAgent = httpsAgentFor(trust);
  const loopback = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  try {
    const proxied = proxy.addTarget({ ...target, trust, credentials: () => Promise.resolve({ user: 'admin', password: grafanaPassword }) });
    const health = await proxied.check();
    if (health.kind !== 'ok') throw new Error(`the proxy cannot reach Grafana: ${health.kind}`);
    const rootUrl = grafanaRootUrl(target);
    const cookie = await directSession(rootUrl, trust, directAgent, grafanaPassword);
    const directUrl = `${rootUrl}${path}`;
    const proxiedUrl = `${proxied.localUrl}${path}`;
    // Warm both ways (TLS sessions, keep-alive sockets, JIT) before measuring.
    for (let i = 0; i < 20; i++) {
      await timeDirect(directUrl, trust, directAgent, cookie);
      await timeProxied(proxiedUrl, loopback);
    }
    const direct: number[] = [];
    const viaProxy: number[] = [];
    for (let i = 0; i < requests; i++) {
      // Alternate which goes first so neither always runs on a just-warmed cache.
      if (i % 2 === 0) {
        direct.push(await timeDirect(directUrl, trust, directAgent, cookie));
        viaProxy.push(await timeProxied(proxiedUrl, loopback));
      } else {
        viaProxy.push(await timeProxied(proxiedUrl, loopback));
        direct.push(await timeDirect(directUrl, trust, directAgent, cookie));
      }
    }
    const directMs = withP95(direct);
    const proxiedMs = withP95(viaProxy);
    return { requests, path, directMs, proxiedMs, addedMedianMs: proxiedMs.median - directMs.median, addedP95Ms: proxiedMs.p95 - directMs.p95 };
  } finally {
    loopback.destroy();
    directAgent.destroy();
    await proxy.close();
  }
}
