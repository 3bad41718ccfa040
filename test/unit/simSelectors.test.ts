import { strict as assert } from 'node:assert';
import type { KubeObject } from '../sim/contract';
import { labelsMatch, parseFieldSelector, parseLabelSelector, parseSelector, SelectorError, selectorMatches } from '../sim/selectors';

describe('simulator selectors', () => {
  const labels = { app: 'deepflow', component: 'server', tier: 'backend' };
  const cases: [string, boolean][] = [
    ['app=deepflow', true],
    ['app==deepflow', true],
    ['app!=deepflow', false],
    ['app!=other', true],
    ['missing!=x', true],
    ['component in (server, app)', true],
    ['component in (agent)', false],
    ['component notin (agent,grafana)', true],
    ['missing notin (a)', true],
    ['tier', true],
    ['missing', false],
    ['!missing', true],
    ['!tier', false],
    ['app=deepflow,component in (server),!missing', true],
    ['app=deepflow,component=agent', false],
    ['', true],
  ];
  for (const [selector, expected] of cases) {
    it(`${JSON.stringify(selector)} ${expected ? 'matches' : 'does not match'}`, () => {
      assert.equal(labelsMatch(parseLabelSelector(selector), labels), expected);
    });
  }

  it('treats an object without labels as having none', () => {
    assert.equal(labelsMatch(parseLabelSelector('!app'), undefined), true);
    assert.equal(labelsMatch(parseLabelSelector('app'), undefined), false);
  });

  it('rejects nonsense', () => {
    assert.throws(() => parseLabelSelector('a b c'), SelectorError);
    assert.throws(() => parseFieldSelector('metadata.name'), SelectorError);
  });

  it('matches field selectors on metadata and nested fields', () => {
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } };
    assert.equal(selectorMatches(parseSelector(null, 'metadata.name=p'), pod), true);
    assert.equal(selectorMatches(parseSelector(null, 'metadata.name=q'), pod), false);
    assert.equal(selectorMatches(parseSelector(null, 'metadata.namespace==ns,spec.nodeName=n1'), pod), true);
    assert.equal(selectorMatches(parseSelector(null, 'status.phase!=Running'), pod), false);
  });
});
