/**
 * violet and platform trust against the simulated platform: its self-signed HTTPS is refused until trusted, a pin
 * of another certificate is refused with both fingerprints, and pushes stream violet's output with the password
 * masked everywhere.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureViolet, pushArtifact, VioletError } from '../../src/acp/violet';
import { downloadFile, PlatformTrustError, probePlatformCertificate, resolvePlatformTrust, type PlatformTrust, type TrustStore } from '../../src/acp/platformTrust';
import type { Logger } from '../../src/cluster';
import { startSimulator, type StartedSimulator } from '../sim/index';

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
    let violetPath: string;
    let artifact: string;

    before(async function () {
      const violet = await ensureViolet({
        platformUrl: sim.info.platformUrl,
        trust: { kind: 'pinned', fingerprint: sim.info.platformFingerprint },
        storageDir: join(dir, 'push'),
        logger: recordingLogger(),
      });
      violetPath = violet.path;
      artifact = join(dir, 'nfs.amd64.v4.0.2.tgz');
      writeFileSync(artifact, Buffer.alloc(2048, 7));
    });

    it('pushes with username and password, streaming output with the password masked', async function () {
      const logger = recordingLogger();
      const seen: string[] = [];
      await pushArtifact({
        violetPath,
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
      for (const line of [...logger.lines, ...seen]) assert.ok(!line.includes(sim.info.platformPassword), `password leaked: ${line}`);
    });

    it('pushes with a platform token', async function () {
      const logger = recordingLogger();
      await pushArtifact({ violetPath, platformUrl: sim.info.platformUrl, credentials: { kind: 'token', token: sim.platformToken }, file: artifact, clusters: ['cluster1'], logger });
      assert.ok(sim.pushes().some((p) => p.user === 'token' && p.clusters.includes('cluster1')));
      for (const line of logger.lines) assert.ok(!line.includes(sim.platformToken), `token leaked: ${line}`);
    });

    it("fails a wrong password with violet's last error line, the password nowhere", async function () {
      const logger = recordingLogger();
      const wrong = `${sim.info.platformPassword}-wrong`;
      const before = sim.pushes().length;
      let caught: unknown;
      try {
        await pushArtifact({ violetPath, platformUrl: sim.info.platformUrl, credentials: { kind: 'password', username: sim.info.platformUsername, password: wrong }, file: artifact, logger });
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
          violetPath,
          platformUrl: sim.info.platformUrl,
          credentials: { kind: 'token', token: sim.platformToken },
          file: artifact,
          logger: recordingLogger(),
          signal: controller.signal,
        }),
        (err: unknown) => err instanceof VioletError && err.cancelled,
      );
    });
  });
});
