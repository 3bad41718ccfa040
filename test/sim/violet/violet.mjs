#!/usr/bin/env node
/* eslint-disable no-console -- a command-line tool: printing is its output */
// The simulator's stand-in for ACP's `violet` packaging CLI, behaving as the guide shows the real one does on the
// wire: it does NOT verify the platform's certificate (the guide pushes to a self-signed platform without a flag),
// and, like Go's net/http, it sends HTTPS through HTTPS_PROXY (or https_proxy) with CONNECT, user info in the proxy
// URL becoming Proxy-Authorization, and NO_PROXY honoured. One deliberate difference: Go skips the proxy for
// localhost and loopback IPs, but the simulated platform lives on 127.0.0.1, so this stand-in uses the proxy there
// too (the extension logs that a real violet would not).
// Plain JavaScript with no dependencies and only dynamic imports: the served file has no extension, so Node runs
// it as CommonJS, while this source file stays a valid ES module for the linter.

const VERSION = 'v3.0.0';

function log(level, message) {
  const stamp = String(Math.floor(process.uptime())).padStart(4, '0');
  console.log(`${level}[${stamp}] ${message}`);
}

class UsageError extends Error {}

function parseArgs(argv) {
  const flags = {};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      if (eq > 0) {
        flags[arg.slice(2, eq)] = arg.slice(eq + 1);
      } else {
        const next = argv[i + 1];
        if (next === undefined || next.startsWith('--')) throw new UsageError(`flag needs an argument: ${arg}`);
        flags[arg.slice(2)] = next;
        i++;
      }
    } else {
      positional.push(arg);
    }
  }
  return { flags, positional };
}

function platformUrl(flags) {
  const address = flags['platform-address'];
  if (!address) throw new UsageError('required flag "platform-address" not set');
  let url;
  try {
    url = new URL(address);
  } catch {
    throw new UsageError(`invalid platform address: ${address}`);
  }
  if (url.hostname.startsWith('[') || url.hostname.includes(':')) {
    throw new UsageError(`IPv6 address is not supported: ${address}; use an IPv4 address or a domain name`);
  }
  return url;
}

function credentials(flags) {
  const token = flags['platform-token'];
  const user = flags['platform-username'];
  const password = flags['platform-password'];
  if (token && (user || password)) throw new UsageError('--platform-token cannot be used together with --platform-username/--platform-password');
  if (token) return { header: `Bearer ${token}`, user: 'token' };
  if (!user || !password) throw new UsageError('either --platform-token or both --platform-username and --platform-password are required');
  return { header: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, user };
}

function proxyFor(url) {
  const proxy = process.env.HTTPS_PROXY || process.env.https_proxy || '';
  if (!proxy) return undefined;
  const noProxy = (process.env.NO_PROXY || process.env.no_proxy || '').split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  const host = url.hostname.toLowerCase();
  if (noProxy.some((h) => h === '*' || host === h.replace(/^\./, '') || host.endsWith(h.startsWith('.') ? h : `.${h}`))) return undefined;
  return new URL(proxy.includes('://') ? proxy : `http://${proxy}`);
}

/** A TCP tunnel through the proxy, as Go's Transport opens it: CONNECT host:port, 200 or an error naming the status. */
async function tunnel(proxy, url) {
  const http = await import('node:http');
  const authority = `${url.hostname}:${url.port || '443'}`;
  const headers = { host: authority };
  if (proxy.username) headers['proxy-authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: proxy.hostname, port: proxy.port || 80, method: 'CONNECT', path: authority, headers });
    req.on('connect', (res, socket) => {
      if (res.statusCode === 200) resolve(socket);
      else {
        socket.destroy();
        reject(new Error(`proxyconnect: ${res.statusCode} ${res.statusMessage}`));
      }
    });
    req.on('error', (err) => reject(new Error(`proxyconnect tcp: ${err.message}`)));
    req.end();
  });
}

async function request(url, method, auth, body) {
  const https = await import('node:https');
  const tls = await import('node:tls');
  const proxy = proxyFor(url);
  const socket = proxy ? await tunnel(proxy, url) : undefined;
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        // As the real violet: the platform's certificate is not verified.
        rejectUnauthorized: false,
        ...(socket ? { agent: false, createConnection: () => tls.connect({ socket, servername: url.hostname, rejectUnauthorized: false }) } : {}),
        headers: { authorization: auth, 'content-type': 'application/octet-stream', ...(body ? { 'content-length': body.length } : {}) },
        timeout: 30000,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          // Go ends with the process; Node would wait for an open tunnel, so it is closed with the answer.
          socket?.destroy();
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', (err) => reject(new Error(`${method} "${url.href}": ${err.message}`)));
    req.end(body);
  });
}

function errorText(response) {
  try {
    const parsed = JSON.parse(response.text);
    if (parsed && typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: use the raw text
  }
  return response.text.trim() || `HTTP ${response.status}`;
}

function checkResponse(response) {
  if (response.status === 401) throw new Error(`login failed: 401 Unauthorized: ${errorText(response)}`);
  if (response.status === 403) throw new Error(`permission denied: 403 Forbidden: ${errorText(response)}`);
  if (response.status < 200 || response.status >= 300) throw new Error(`platform answered ${response.status}: ${errorText(response)}`);
}

async function push(flags, positional) {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const url = platformUrl(flags);
  const auth = credentials(flags);
  const file = positional[0];
  if (!file) throw new UsageError('push needs a package file, e.g. violet push [flags] FILE.tgz');
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new Error(`open ${file}: no such file or directory`);
  const target = flags['target-chartrepo'] ?? 'public-charts';
  const clusters = flags.clusters ?? '';
  const body = fs.readFileSync(file);
  const name = path.basename(file);
  log('INFO', `Start to push package ${name} (${body.length} bytes) to ${url.origin}`);
  log('INFO', `Logging in to ${url.origin} as ${auth.user}`);
  const login = await request(new URL('/sim/violet/login', url), 'POST', auth.header);
  checkResponse(login);
  log('INFO', `Uploading ${name} to chart repository ${target}${clusters ? ` for clusters ${clusters}` : ''}`);
  const query = new URLSearchParams({ file: name, targetChartRepo: target, clusters });
  const response = await request(new URL(`/sim/violet/push?${query.toString()}`, url), 'POST', auth.header, body);
  checkResponse(response);
  log('INFO', `Push ${name} succeeded`);
}

async function list(flags) {
  const url = platformUrl(flags);
  const auth = credentials(flags);
  const response = await request(new URL('/sim/violet/artifacts', url), 'GET', auth.header);
  checkResponse(response);
  const items = JSON.parse(response.text);
  console.log('NAME\tREPOSITORY\tSIZE\tPUSHED');
  for (const item of items) console.log(`${item.file}\t${item.targetChartRepo}\t${item.sizeBytes}\t${item.at}`);
}

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'version' || command === '--version') {
    console.log(`violet ${VERSION}`);
    return;
  }
  const { flags, positional } = parseArgs(rest);
  switch (command) {
    case 'push':
      await push(flags, positional);
      return;
    case 'list':
    case 'show':
      await list(flags);
      return;
    case 'verify':
      for (const file of positional) log('INFO', `${file}: package format ok`);
      return;
    case 'gc':
      log('INFO', 'nothing to collect');
      return;
    default:
      throw new UsageError(`unknown command "${command ?? ''}"; available: version, push, show, list, verify, gc`);
  }
}

main().catch((err) => {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`ERRO[${String(Math.floor(process.uptime())).padStart(4, '0')}] ${message}`);
  process.exitCode = 1;
});
