/**
 * violet and platform trust against the simulated platform: its self-signed HTTPS is refused until trusted, a pin
 * of another certificate is refused with both fingerprints, and pushes stream violet's output with the password
 * masked everywhere.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { connect as tcpConnect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureViolet, findViolet, pushArtifact, VioletError, VioletIntegrityError, type VerifiedViolet } from '../../src/acp/violet';
import {
  downloadFile,
  PlatformTrustError,
  probePlatformCertificate,
  requestPlatform,
  resolvePlatformTrust,
  type PlatformTrust,
  type TrustStore,
} from '../../src/acp/platformTrust';
import { startPushRelay } from '../../src/acp/pushRelay';
import type { Logger } from '../../src/cluster';
import { freePort } from '../e2e/codeServer';
import { startSimulator, type StartedSimulator } from '../sim/index';
import { createCertificateAuthority, issueCertificate } from '../sim/pki';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
    debug: (m) => lines.push(`debug ${m}`),
  };
}

/** A stand-in executable of our own (not violet), accepted by pushArtifact as if it had been downloaded so. */
function scriptViolet(dir: string, name: string, script: string, origin: string): VerifiedViolet {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return { path, sha256: createHash('sha256').update(readFileSync(path)).digest('hex'), origin };
}

function otherFingerprint(fingerprint: string): string {
  const first = fingerprint.slice(0, 2) === '00' ? '11' : '00';
  return `${first}${fingerprint.slice(2)}`;
}

describe('violet and platform trust (simulator)', function () {
  let sim: StartedSimulator;
  let dir: string;

  before(async function () {
    sim = await startSimulator({ timeScale: 0.05, platformPassword: 'Pa$$ "w\\rd" 07Apples@' });
    dir = mkdtempSync(join(tmpdir(), 'deepflow-violet-'));
  });

  after(async function () {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('probes the self-signed certificate: not trusted, with the platform fingerprint', async function () {
    const probe = await probePlatformCertificate(sim.info.platformUrl);
    assert.equal(probe.trusted, false);
    assert.equal(probe.fingerprint, sim.info.platformFingerprint);
    assert.match(probe.issuer, /ACP Platform/);
    assert.ok(probe.validTo.length > 0);
  });

  it('refuses the self-signed platform with system trust and downloads nothing', async function () {
    const storageDir = join(dir, 'untrusted');
    await assert.rejects(
      ensureViolet({ platformUrl: sim.info.platformUrl, trust: { kind: 'system' }, storageDir, logger: recordingLogger() }),
      (err: unknown) => err instanceof PlatformTrustError && err.kind === 'untrusted' && /not trusted.*self-signed|not trusted/.test(err.message),
    );
    assert.throws(() => statSync(join(storageDir, 'violet_linux_amd64')));
  });

  it('refuses a pin of another certificate, naming both fingerprints', async function () {
    const wrong = otherFingerprint(sim.info.platformFingerprint);
    const storageDir = join(dir, 'wrong-pin');
    await assert.rejects(
      ensureViolet({ platformUrl: sim.info.platformUrl, trust: { kind: 'pinned', fingerprint: wrong }, storageDir, logger: recordingLogger() }),
      (err: unknown) =>
        err instanceof PlatformTrustError &&
        err.kind === 'pinMismatch' &&
        err.message.includes(sim.info.platformFingerprint) &&
        err.message.includes(wrong),
    );
  });

  it('downloads with the platform CA file, and refuses a CA that did not sign the certificate', async function () {
    const url = `${sim.info.platformUrl}/platform/tools/download/violet/violet_linux_amd64`;
    const { bytes } = await downloadFile(url, { kind: 'caFile', caPem: sim.platformCaPem }, join(dir, 'violet-ca'));
    assert.ok(bytes > 100);
    // The API server's CA is another CA: trusting the cluster does not mean trusting the platform.
    await assert.rejects(downloadFile(url, { kind: 'caFile', caPem: sim.caPem }, join(dir, 'violet-other-ca')), (err: unknown) => err instanceof PlatformTrustError && err.kind === 'untrusted');
    assert.throws(() => statSync(join(dir, 'violet-other-ca')));
  });

  it('downloads violet with the pinned fingerprint, checks its version, then reuses it', async function () {
    const storageDir = join(dir, 'pinned');
    const trust: PlatformTrust = { kind: 'pinned', fingerprint: sim.info.platformFingerprint.toLowerCase() };
    const first = await ensureViolet({ platformUrl: sim.info.platformUrl, trust, storageDir, logger: recordingLogger() });
    assert.equal(first.version, 'v3.0.0');
    assert.equal(first.downloaded, true);
    assert.ok((statSync(first.path).mode & 0o111) !== 0, 'executable');
    const second = await ensureViolet({ platformUrl: sim.info.platformUrl, trust, storageDir, logger: recordingLogger() });
    assert.equal(second.downloaded, false);
    assert.equal(second.path, first.path);
  });

  it('asks once per origin, stores the pin, and refuses when the user declines', async function () {
    const saved = new Map<string, PlatformTrust>();
    const store: TrustStore = { get: (origin) => saved.get(origin), set: (origin, trust) => Promise.resolve(void saved.set(origin, trust)) };
    const asked: string[] = [];
    await assert.rejects(
      resolvePlatformTrust(sim.info.platformUrl, store, () => Promise.resolve(undefined)),
      (err: unknown) => err instanceof PlatformTrustError && err.message.includes(sim.info.platformFingerprint),
    );
    assert.equal(saved.size, 0);
    const decide = (probe: { fingerprint: string }, origin: string): Promise<PlatformTrust> => {
      asked.push(origin);
      return Promise.resolve({ kind: 'pinned', fingerprint: probe.fingerprint });
    };
    const first = await resolvePlatformTrust(`${sim.info.platformUrl}/platform`, store, decide);
    const second = await resolvePlatformTrust(sim.info.platformUrl, store, decide);
    assert.deepEqual(first, { kind: 'pinned', fingerprint: sim.info.platformFingerprint });
    assert.deepEqual(second, first);
    assert.deepEqual(asked, [sim.info.platformUrl]);
  });

  describe('push', function () {
    let violet: VerifiedViolet;
    let artifact: string;
    let trust: PlatformTrust;

    before(async function () {
      trust = { kind: 'pinned', fingerprint: sim.info.platformFingerprint };
      violet = await ensureViolet({ platformUrl: sim.info.platformUrl, trust, storageDir: join(dir, 'push'), logger: recordingLogger() });
      artifact = join(dir, 'nfs.amd64.v4.0.2.tgz');
      writeFileSync(artifact, Buffer.alloc(2048, 7));
    });

    it('pushes with username and password, streaming output with the password masked', async function () {
      const logger = recordingLogger();
      const seen: string[] = [];
      await pushArtifact({
        violet,
        trust,
        platformUrl: sim.info.platformUrl,
        credentials: { kind: 'password', username: sim.info.platformUsername, password: sim.info.platformPassword },
        file: artifact,
        logger,
        onLine: (line) => seen.push(line),
      });
      const push = sim.pushes().find((p) => p.file === 'nfs.amd64.v4.0.2.tgz');
      assert.ok(push, 'the platform recorded the push');
      assert.equal(push.user, sim.info.platformUsername);
      assert.equal(push.sizeBytes, 2048);
      assert.ok(seen.some((l) => /succeeded/.test(l)), seen.join('\n'));
      assert.ok(logger.lines.some((l) => l.includes('--platform-password ••••••')), logger.lines.join('\n'));
      assert.ok(logger.lines.some((l) => /through a relay on 127\.0\.0\.1 that checks the platform's certificate/.test(l)), logger.lines.join('\n'));
      assert.ok(!logger.lines.some((l) => /without using the relay/.test(l)), 'the push did not go through the relay');
      for (const line of [...logger.lines, ...seen]) assert.ok(!line.includes(sim.info.platformPassword), `password leaked: ${line}`);
    });

    it('pushes with a platform token', async function () {
      const logger = recordingLogger();
      await pushArtifact({ violet, trust, platformUrl: sim.info.platformUrl, credentials: { kind: 'token', token: sim.platformToken }, file: artifact, clusters: ['cluster1'], logger });
      assert.ok(sim.pushes().some((p) => p.user === 'token' && p.clusters.includes('cluster1')));
      for (const line of logger.lines) assert.ok(!line.includes(sim.platformToken), `token leaked: ${line}`);
    });

    it("fails a wrong password with violet's last error line, the password nowhere", async function () {
      const logger = recordingLogger();
      const wrong = `${sim.info.platformPassword}-wrong`;
      const before = sim.pushes().length;
      let caught: unknown;
      try {
        await pushArtifact({ violet, trust, platformUrl: sim.info.platformUrl, credentials: { kind: 'password', username: sim.info.platformUsername, password: wrong }, file: artifact, logger });
      } catch (err) {
        caught = err;
      }
      assert.ok(caught instanceof VioletError, String(caught));
      assert.match(caught.message, /login failed: 401 Unauthorized: invalid username or password/);
      assert.doesNotMatch(caught.message, /ERRO\[/);
      assert.equal(sim.pushes().length, before);
      for (const text of [caught.message, ...logger.lines]) {
        assert.ok(!text.includes(wrong), `password leaked: ${text}`);
        assert.ok(!text.includes(sim.info.platformPassword), `password leaked: ${text}`);
      }
    });

    it('cancels a push through the signal', async function () {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(
        pushArtifact({
          violet,
          trust,
          platformUrl: sim.info.platformUrl,
          credentials: { kind: 'token', token: sim.platformToken },
          file: artifact,
          logger: recordingLogger(),
          signal: controller.signal,
        }),
        (err: unknown) => err instanceof VioletError && err.cancelled,
      );
    });

    it('a failed push that prints nothing, with a quote in the password, leaves no piece of the password anywhere', async function () {
      const logger = recordingLogger();
      const password = `Summer' 2024!`;
      const silent = scriptViolet(dir, 'violet-silent', 'exit 3', violet.origin);
      let caught: unknown;
      try {
        await pushArtifact({ violet: silent, trust, platformUrl: sim.info.platformUrl, credentials: { kind: 'password', username: 'admin@cpaas.io', password }, file: artifact, logger });
      } catch (err) {
        caught = err;
      }
      assert.ok(caught instanceof VioletError, String(caught));
      assert.match(caught.message, /violet exited with code 3 and printed no error \(violet push .*--platform-password ••••••/);
      for (const text of [caught.message, ...logger.lines]) {
        for (const piece of ['Summer', '2024', "'\\''"]) assert.ok(!text.includes(piece), `a piece of the password (${piece}) leaked: ${text}`);
      }
    });

    it('runs violet in a throw-away 0700 HOME with a minimal environment and the relay as its proxy', async function () {
      const logger = recordingLogger();
      const seen: string[] = [];
      process.env.DEEPFLOW_TEST_LEAK = 'from-the-extension-host';
      try {
        const probe = scriptViolet(dir, 'violet-env', 'echo "home=$HOME mode=$(stat -c %a "$HOME") config=$XDG_CONFIG_HOME proxy=$HTTPS_PROXY"; echo "names=$(env | cut -d= -f1 | sort | tr \'\\n\' \' \')"', violet.origin);
        await pushArtifact({ violet: probe, trust, platformUrl: sim.info.platformUrl, credentials: { kind: 'token', token: sim.platformToken }, file: artifact, logger, onLine: (l) => seen.push(l) });
      } finally {
        delete process.env.DEEPFLOW_TEST_LEAK;
      }
      const facts = /home=(\S+) mode=(\d+) config=(\S+) proxy=(\S+)/.exec(seen.join('\n'));
      assert.ok(facts, seen.join('\n'));
      const [, home = '', mode, config, proxy] = facts;
      assert.notEqual(home, process.env.HOME);
      assert.equal(mode, '700');
      assert.equal(config, join(home, '.config'));
      assert.match(proxy ?? '', /^http:\/\/(relay:)?••••••@?127\.0\.0\.1:\d+$/, 'the relay secret is masked in the output');
      assert.equal(existsSync(home), false, 'the throw-away HOME was not removed');
      const names = (/names=(.*)/.exec(seen.join('\n'))?.[1] ?? '').trim().split(' ');
      assert.ok(!names.includes('DEEPFLOW_TEST_LEAK'), `the extension host's environment reached violet: ${names.join(' ')}`);
      for (const name of names) assert.ok(['HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'TMPDIR', 'LANG', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy', 'PATH', 'PWD', 'SHLVL', '_'].includes(name), `unexpected variable ${name}`);
      assert.ok(logger.lines.some((l) => /without using the relay/.test(l)), 'a violet that ignores the relay must be named in the log');
    });

    it('never runs a violet fetched from one platform with the credentials of another', async function () {
      const other = scriptViolet(dir, 'violet-other-origin', `touch '${join(dir, 'ran-other')}'`, 'https://other.example:8443');
      await assert.rejects(
        pushArtifact({ violet: other, trust, platformUrl: sim.info.platformUrl, credentials: { kind: 'token', token: sim.platformToken }, file: artifact, logger: recordingLogger() }),
        (err: unknown) => err instanceof VioletError && /downloaded from https:\/\/other\.example:8443; it is not run with the credentials of/.test(err.message),
      );
      assert.equal(existsSync(join(dir, 'ran-other')), false, 'the binary ran');
    });
  });

  describe('the violet binary is checked before every run', function () {
    const marker = (): string => join(dir, 'swapped-ran');
    const swapIn = (path: string): void => {
      unlinkSync(path);
      writeFileSync(path, `#!/bin/sh\ntouch '${marker()}'\necho violet v3.0.0\n`, { mode: 0o755 });
    };

    it('refuses a swapped binary (another hash) before it runs, and downloads it again', async function () {
      const trust: PlatformTrust = { kind: 'pinned', fingerprint: sim.info.platformFingerprint };
      const storageDir = join(dir, 'swap');
      const violet = await ensureViolet({ platformUrl: sim.info.platformUrl, trust, storageDir, logger: recordingLogger() });
      swapIn(violet.path);
      const artifact = join(dir, 'nfs.amd64.v4.0.2.tgz');
      await assert.rejects(
        pushArtifact({ violet, trust, platformUrl: sim.info.platformUrl, credentials: { kind: 'token', token: sim.platformToken }, file: artifact, logger: recordingLogger() }),
        (err: unknown) => err instanceof VioletError && /changed since it was downloaded .*SHA-256 now .*recorded .*it is not run/.test(err.message),
      );
      const found = await findViolet(storageDir, sim.info.platformUrl);
      assert.ok(found instanceof VioletIntegrityError && found.kind === 'changed', JSON.stringify(found));
      const logger = recordingLogger();
      const again = await ensureViolet({ platformUrl: sim.info.platformUrl, trust, storageDir, logger });
      assert.equal(again.downloaded, true);
      assert.equal(again.sha256, violet.sha256);
      assert.ok(logger.lines.some((l) => /Refusing to run the kept violet/.test(l)), logger.lines.join('\n'));
      assert.equal(existsSync(marker()), false, 'the swapped binary ran');
    });

    it('refuses a symbolic link in place of the binary, even to an identical file', async function () {
      const trust: PlatformTrust = { kind: 'pinned', fingerprint: sim.info.platformFingerprint };
      const storageDir = join(dir, 'symlink');
      const violet = await ensureViolet({ platformUrl: sim.info.platformUrl, trust, storageDir, logger: recordingLogger() });
      const copy = join(dir, 'violet-copy');
      writeFileSync(copy, readFileSync(violet.path), { mode: 0o755 });
      unlinkSync(violet.path);
      symlinkSync(copy, violet.path);
      const found = await findViolet(storageDir, sim.info.platformUrl);
      assert.ok(found instanceof VioletIntegrityError && /is a symbolic link; it is not run/.test(found.message), JSON.stringify(found));
      await assert.rejects(
        pushArtifact({ violet, trust, platformUrl: sim.info.platformUrl, credentials: { kind: 'token', token: sim.platformToken }, file: join(dir, 'nfs.amd64.v4.0.2.tgz'), logger: recordingLogger() }),
        (err: unknown) => err instanceof VioletError && /is a symbolic link/.test(err.message),
      );
    });

    it('caps the download size: a larger violet is refused and nothing is kept', async function () {
      const storageDir = join(dir, 'capped');
      await assert.rejects(
        ensureViolet({ platformUrl: sim.info.platformUrl, trust: { kind: 'pinned', fingerprint: sim.info.platformFingerprint }, storageDir, logger: recordingLogger(), maxDownloadBytes: 1024 }),
        (err: unknown) => err instanceof Error && /more than the 0 MiB allowed|larger than/.test(err.message),
      );
      const found = await findViolet(storageDir, sim.info.platformUrl);
      assert.ok(found instanceof VioletIntegrityError && found.kind === 'missing', JSON.stringify(found));
    });
  });

  it('the push relay refuses a CONNECT without its secret, and one to any other host:port', async function () {
    const relay = await startPushRelay({ platformUrl: sim.info.platformUrl, trust: { kind: 'pinned', fingerprint: sim.info.platformFingerprint }, logger: recordingLogger() });
    const proxy = new URL(relay.proxyUrl);
    const statusLine = (target: string, authorization?: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = tcpConnect(Number(proxy.port), '127.0.0.1', () => {
          socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${authorization ? `Proxy-Authorization: ${authorization}\r\n` : ''}\r\n`);
        });
        socket.once('data', (data: Buffer) => {
          resolve(data.toString('latin1').split('\r\n')[0] ?? '');
          socket.destroy();
        });
        socket.once('error', reject);
      });
    const platform = new URL(sim.info.platformUrl).host;
    const good = `Basic ${Buffer.from(`relay:${relay.secret}`).toString('base64')}`;
    try {
      assert.equal(proxy.hostname, '127.0.0.1');
      assert.match(await statusLine(platform), /^HTTP\/1\.1 407/);
      assert.match(await statusLine(platform, `Basic ${Buffer.from('relay:guess').toString('base64')}`), /^HTTP\/1\.1 407/);
      assert.match(await statusLine('127.0.0.1:22', good), /^HTTP\/1\.1 403/);
      assert.match(relay.refusal()?.message ?? '', /may only reach the platform/);
      assert.match(await statusLine(platform, good), /^HTTP\/1\.1 200/);
      assert.equal(relay.connections(), 1);
    } finally {
      await relay.close();
    }
  });

  it('a stalled TLS handshake under a pin fails within the request timeout', async function () {
    const stalled = new Set<Socket>();
    const server = createTcpServer((socket) => stalled.add(socket)); // accepts TCP, never speaks TLS
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const started = Date.now();
    try {
      await assert.rejects(
        requestPlatform(`https://127.0.0.1:${port}/`, { kind: 'pinned', fingerprint: sim.info.platformFingerprint }, { timeoutMs: 1500 }),
        /did not complete a TLS handshake within 1\.5 s/,
      );
      assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
    } finally {
      for (const socket of stalled) socket.destroy();
      server.close();
    }
  });
});

describe('violet push through the relay: an impostor platform receives no credentials', function () {
  it('the relay refuses the impostor by its certificate; the push fails naming the mismatch', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'deepflow-impostor-'));
    const port = await freePort();
    const real = await startSimulator({ timeScale: 0.05, platformPort: port });
    const platformUrl = real.info.platformUrl;
    const trust: PlatformTrust = { kind: 'pinned', fingerprint: real.info.platformFingerprint };
    const credentials = { kind: 'password' as const, username: real.info.platformUsername, password: real.info.platformPassword };
    let violet: VerifiedViolet;
    try {
      violet = await ensureViolet({ platformUrl, trust, storageDir: join(dir, 'storage'), logger: recordingLogger() });
    } finally {
      await real.stop();
    }
    // Another server at the same address, with another certificate for the same host: it records whatever reaches it.
    const ca = createCertificateAuthority('Impostor CA');
    const leaf = issueCertificate(ca, { commonName: '127.0.0.1', hosts: ['127.0.0.1', 'localhost'] });
    const received: string[] = [];
    const impostor = createHttpsServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
      received.push(`${req.method ?? ''} ${req.url ?? ''} ${JSON.stringify(req.headers)}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"user":"admin@cpaas.io"}');
    });
    await new Promise<void>((resolve) => impostor.listen(port, '127.0.0.1', resolve));
    const artifact = join(dir, 'nfs.amd64.v4.0.2.tgz');
    writeFileSync(artifact, Buffer.alloc(1024, 3));
    const logger = recordingLogger();
    try {
      let caught: unknown;
      try {
        await pushArtifact({ violet, trust, platformUrl, credentials, file: artifact, logger });
      } catch (err) {
        caught = err;
      }
      assert.ok(caught instanceof VioletError, String(caught));
      assert.match(caught.message, /violet push nfs\.amd64\.v4\.0\.2\.tgz failed: The certificate of https:\/\/127\.0\.0\.1:\d+ has changed/);
      assert.deepEqual(received, [], 'the impostor received requests');
      for (const text of [caught.message, ...logger.lines]) assert.ok(!text.includes(credentials.password), `password leaked: ${text}`);
    } finally {
      impostor.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
