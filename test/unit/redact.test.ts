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
