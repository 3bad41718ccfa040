import assert from 'node:assert/strict';
import { Redactor, secretMask } from '../../src/acp/redact';

describe('Redactor', () => {
  it('masks a registered secret wherever it appears, including odd characters', () => {
    const redactor = new Redactor();
    const password = 'p"a\\s$ s wörd';
    redactor.register(password);
    const text = `violet failed for user admin with ${password} (again: ${password})`;
    const masked = redactor.redact(text);
    assert.ok(!masked.includes(password));
    assert.equal(masked, `violet failed for user admin with ${secretMask} (again: ${secretMask})`);
  });

  it('masks secret-shaped arguments and headers it was never told about', () => {
    const redactor = new Redactor();
    assert.equal(
      redactor.redact('violet push --platform-password hunter22 --platform-token=abc.def x.tgz'),
      `violet push --platform-password ${secretMask} --platform-token=${secretMask} x.tgz`,
    );
    assert.equal(redactor.redact('Authorization: Bearer eyJhbGciOi.x-y'), `Authorization: Bearer ${secretMask}`);
    assert.equal(redactor.redact('{"adminPassword":"deepflow"}'), `{"adminPassword":"${secretMask}"}`);
  });

  it('leaves ordinary text alone and ignores trivially short secrets', () => {
    const redactor = new Redactor();
    redactor.register('a');
    assert.equal(redactor.redact('a cat sat'), 'a cat sat');
  });
});

describe('Redactor: every form a secret takes on the way', () => {
  const secret = `Summer' 2024! <a&b> "q" \\ é`;
  const masked = (text: string, register: (r: Redactor) => void = (r) => r.register(secret)): string => {
    const redactor = new Redactor();
    register(redactor);
    return redactor.redact(`before ${text} after`);
  };
  const expectMasked = (form: string, register?: (r: Redactor) => void): void => {
    assert.equal(masked(form, register), `before ${secretMask} after`, `not masked: ${form}`);
  };

  it('raw', () => expectMasked(secret));
  it('JSON-escaped the JavaScript way, once and twice', () => {
    expectMasked(JSON.stringify(secret).slice(1, -1));
    const twice = JSON.stringify(JSON.stringify(secret)).slice(1, -1);
    assert.equal(masked(twice), `before \\"${secretMask}\\" after`);
  });
  it('JSON-escaped the Go way (\\u0026, \\u003c, \\u003e), as the API server prints it', () => {
    const go = JSON.stringify(secret).slice(1, -1).replace(/&/g, '\\u0026').replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
    assert.ok(go.includes('\\u003ca\\u0026b\\u003e'));
    expectMasked(go);
  });
  it('URL-encoded (encodeURIComponent and Go url.QueryEscape)', () => {
    expectMasked(encodeURIComponent(secret));
    expectMasked(encodeURIComponent(secret).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+'));
  });
  it('form-encoded (application/x-www-form-urlencoded)', () => {
    const form = new URLSearchParams({ password: secret }).toString();
    assert.equal(masked(form), `before password=${secretMask} after`);
  });
  it('base64, as a Kubernetes Secret holds it', () => expectMasked(Buffer.from(secret).toString('base64')));
  it('base64 of user:password, as basic auth sends it', () => {
    const header = Buffer.from(`admin@cpaas.io:${secret}`).toString('base64');
    // Without the shape rule for "Basic <token>": the bare base64 is masked too.
    expectMasked(header, (r) => r.registerBasicAuth('admin@cpaas.io', secret));
  });

  it('does not register a value that occurs in an object name the log shows, so the log does not give it away', () => {
    const redactor = new Redactor();
    assert.equal(redactor.register('deepflow'), false);
    assert.equal(redactor.register('system'), false);
    const line = 'Applied Application cpaas-system/deepflow; Deployment deepflow-grafana ready';
    assert.equal(redactor.redact(line), line);
    assert.equal(redactor.register('n0t-a-name-2026'), true);
  });
});
