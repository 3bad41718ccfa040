import { strict as assert } from 'node:assert';
import { fingerprintsEqual, formatFingerprint, httpsAgentFor, normaliseFingerprint, originOf } from '../../src/acp/platformTrust';

const fingerprint = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';

describe('platform trust', function () {
  it('compares SHA-256 fingerprints exactly, whatever their spelling', function () {
    assert.equal(fingerprintsEqual(fingerprint, fingerprint.toLowerCase()), true);
    assert.equal(fingerprintsEqual(fingerprint, fingerprint.replace(/:/g, '')), true);
    assert.equal(fingerprintsEqual(fingerprint, fingerprint.replace(/:/g, ' ')), true);
    assert.equal(fingerprintsEqual(fingerprint, `${fingerprint.slice(0, -2)}8A`), false, 'one byte differs');
    assert.equal(fingerprintsEqual(fingerprint.slice(0, 20), fingerprint.slice(0, 20)), false, 'a truncated pin never matches');
    assert.equal(fingerprintsEqual('', ''), false, 'an empty pin never matches');
  });

  it('normalises and formats fingerprints', function () {
    assert.equal(normaliseFingerprint('ab:cd ef'), 'ABCDEF');
    assert.equal(formatFingerprint(fingerprint.replace(/:/g, '').toLowerCase()), fingerprint);
  });

  it('keys trust by https origin and refuses plain http', function () {
    assert.equal(originOf('https://10.0.0.1/platform/x'), 'https://10.0.0.1');
    assert.equal(originOf('https://acp.example.com:8443/'), 'https://acp.example.com:8443');
    assert.throws(() => originOf('http://10.0.0.1'), /must use https/);
  });

  it('makes an agent per trust kind without turning verification off', function () {
    const system = httpsAgentFor({ kind: 'system' });
    const ca = httpsAgentFor({ kind: 'caFile', caPem: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n' });
    const pinned = httpsAgentFor({ kind: 'pinned', fingerprint });
    try {
      assert.notEqual(system.options.rejectUnauthorized, false);
      assert.notEqual(ca.options.rejectUnauthorized, false);
      assert.notEqual(pinned.options.rejectUnauthorized, false, 'the pinned agent checks the fingerprint itself; its options keep verification on');
    } finally {
      for (const agent of [system, ca, pinned]) agent.destroy();
    }
  });
});
