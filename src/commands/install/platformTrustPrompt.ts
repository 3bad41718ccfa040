/**
 * Deciding how to trust the platform's certificate before anything is downloaded from it: the system CAs when they
 * verify it; otherwise the user sees the SHA-256 fingerprint in a modal and pins it, or picks the CA file. A pinned
 * certificate that changed is refused.
 */
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { fingerprintsEqual, formatFingerprint, originOf, probePlatformCertificate, type PlatformTrust, type TrustStore } from '../../acp/platformTrust';
import type { Logger } from '../../log';

export async function resolvePlatformTrust(platformUrl: string, store: TrustStore, log: Logger): Promise<PlatformTrust> {
  const origin = originOf(platformUrl);
  const probe = await probePlatformCertificate(platformUrl);
  const stored = store.get(origin);
  if (stored?.kind === 'pinned') {
    if (fingerprintsEqual(probe.fingerprint, stored.fingerprint)) return stored;
    log.warn(`The certificate of ${origin} changed: it presents ${formatFingerprint(probe.fingerprint)}, the pin is ${formatFingerprint(stored.fingerprint)}.`);
    throw new Error(
      vscode.l10n.t(
        'The certificate of {0} has changed since you trusted it (now SHA-256 {1}, trusted {2}). Refusing to connect: check the new fingerprint with your platform administrator.',
        origin,
        formatFingerprint(probe.fingerprint),
        formatFingerprint(stored.fingerprint),
      ),
    );
  }
  if (stored) return stored;
  if (probe.trusted) return { kind: 'system' };

  const fingerprint = formatFingerprint(probe.fingerprint);
  const trustThisCertificate = vscode.l10n.t('Trust This Certificate');
  const pickCaFile = vscode.l10n.t('Pick CA File…');
  const choice = await vscode.window.showWarningMessage(
    probe.reason
      ? vscode.l10n.t('The certificate of {0} is not trusted by this system ({1}).', origin, probe.reason)
      : vscode.l10n.t('The certificate of {0} is not trusted by this system.', origin),
    {
      modal: true,
      detail: [
        vscode.l10n.t('SHA-256 fingerprint:\n{0}', fingerprint),
        vscode.l10n.t('Subject: {0}\nIssuer: {1}\nValid until: {2}', probe.subject, probe.issuer, probe.validTo),
        vscode.l10n.t(
          'Compare the fingerprint with the one your platform administrator gives you. Trusting pins this exact certificate for {0} only; TLS verification stays on everywhere else.',
          origin,
        ),
        vscode.l10n.t(
          "It covers violet's download and its pushes, and DeepFlow's Grafana in the editor. violet does not check certificates itself, so it reaches the platform through a relay on 127.0.0.1 that checks this one before violet sends your login. A violet that bypasses the relay is not covered; the DeepFlow log says when that happens.",
        ),
      ].join('\n\n'),
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
      title: vscode.l10n.t('The CA certificate that signed {0}', origin),
      canSelectMany: false,
      openLabel: vscode.l10n.t('Trust This CA'),
      filters: { [vscode.l10n.t('PEM certificates')]: ['pem', 'crt', 'cer'] },
    });
    const file = picked?.[0];
    if (!file) throw new vscode.CancellationError();
    const caPem = await readFile(file.fsPath, 'utf8');
    if (!caPem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(vscode.l10n.t('{0} is not a PEM certificate.', file.fsPath));
    const trust: PlatformTrust = { kind: 'caFile', caPem };
    await store.set(origin, trust);
    log.info(`Trusting ${origin} through the CA in ${file.fsPath}.`);
    return trust;
  }
  throw new Error(vscode.l10n.t('The certificate of {0} is not trusted, so nothing was sent to it or downloaded from it. Run the command again to trust it.', origin));
}
