/**
 * Deciding how to trust the platform's certificate before anything is downloaded from it: the system CAs when they
 * verify it; otherwise the user sees the SHA-256 fingerprint in a modal and pins it, or picks the CA file. A pinned
 * certificate that changed is refused.
 */
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { fingerprintsEqual, formatFingerprint, originOf, probePlatformCertificate, type PlatformTrust, type TrustStore } from '../../acp/platformTrust';
import type { Logger } from '../../log';

export const trustThisCertificate = 'Trust This Certificate';
export const pickCaFile = 'Pick CA File…';

export async function resolvePlatformTrust(platformUrl: string, store: TrustStore, log: Logger): Promise<PlatformTrust> {
  const origin = originOf(platformUrl);
  const probe = await probePlatformCertificate(platformUrl);
  const stored = store.get(origin);
  if (stored?.kind === 'pinned') {
    if (fingerprintsEqual(probe.fingerprint, stored.fingerprint)) return stored;
    log.warn(`The certificate of ${origin} changed: it presents ${formatFingerprint(probe.fingerprint)}, the pin is ${formatFingerprint(stored.fingerprint)}.`);
    throw new Error(
      `The certificate of ${origin} has changed since you trusted it (now SHA-256 ${formatFingerprint(probe.fingerprint)}, trusted ${formatFingerprint(stored.fingerprint)}). ` +
        'Refusing to connect: check the new fingerprint with your platform administrator.',
    );
  }
  if (stored) return stored;
  if (probe.trusted) return { kind: 'system' };

  const fingerprint = formatFingerprint(probe.fingerprint);
  const choice = await vscode.window.showWarningMessage(
    `The certificate of ${origin} is not trusted by this system${probe.reason ? ` (${probe.reason})` : ''}.`,
    {
      modal: true,
      detail:
        `SHA-256 fingerprint:\n${fingerprint}\n\nSubject: ${probe.subject}\nIssuer: ${probe.issuer}\nValid until: ${probe.validTo}\n\n` +
        `Compare the fingerprint with the one your platform administrator gives you. Trusting pins this exact certificate for ${origin} only; ` +
        'TLS verification stays on everywhere else.\n\n' +
        "It covers violet's download and its pushes, and DeepFlow's Grafana in the editor. violet does not check certificates itself, so it reaches the platform through a relay " +
        'on 127.0.0.1 that checks this one before violet sends your login. A violet that bypasses the relay is not covered; the DeepFlow log says when that happens.',
    },
    trustThisCertificate,
    pickCaFile,
  );
  if (choice === trustThisCertificate) {
    const trust: PlatformTrust = { kind: 'pinned', fingerprint };
    await store.set(origin, trust);
    log.info(`Trusted the certificate of ${origin} by its SHA-256 fingerprint ${fingerprint}.`);
    return trust;
  }
  if (choice === pickCaFile) {
    const picked = await vscode.window.showOpenDialog({
      title: `The CA certificate that signed ${origin}`,
      canSelectMany: false,
      openLabel: 'Trust This CA',
      filters: { 'PEM certificates': ['pem', 'crt', 'cer'] },
    });
    const file = picked?.[0];
    if (!file) throw new vscode.CancellationError();
    const caPem = await readFile(file.fsPath, 'utf8');
    if (!caPem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${file.fsPath} is not a PEM certificate.`);
    const trust: PlatformTrust = { kind: 'caFile', caPem };
    await store.set(origin, trust);
    log.info(`Trusting ${origin} through the CA in ${file.fsPath}.`);
    return trust;
  }
  throw new Error(`The certificate of ${origin} is not trusted, so nothing was sent to it or downloaded from it. Run the command again to trust it.`);
}
