// The cluster and Grafana messages as a zh-cn user gets them: domain modules are loaded before the bundle is
// configured (as at activation), so a message made at module scope would stay English here; the proxy's pages stay
// well-formed and escaped in Chinese.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as l10n from '@vscode/l10n';
import { toClusterError } from '../../src/cluster/errors';
import { rolloutStatus } from '../../src/cluster/rollout';
import { describeHealth, healthFromError } from '../../src/grafana/health';
import { credentialsRequestedPage, failurePage } from '../../src/grafana/pages';
import { validateNamespaceName } from '../../src/grafana/querier';
import { TIME_PRESETS } from '../../src/grafana/timeRange';
import { describeCapturePoint, describeRcode } from '../../src/grafana/troubleshoot';

const target = { platformUrl: 'https://192.168.1.10', cluster: 'cluster1' };
const links = { retry: '/s3cr3t/__deepflow/retry?to=d%2Fx%3Fa%3D1%26b%3D%22', updateCredentials: '/s3cr3t/__deepflow/update-credentials?to=' };
const hasHan = /\p{Script=Han}/u;

/** The page's elements in order, without their text: what must not change when the words do. */
function tags(html: string): string[] {
  return [...html.matchAll(/<\/?([a-z0-9]+)[\s>]/gi)].map((m) => m[0].replace(/\s$/, '').replace(/>$/, ''));
}

function chinese(run: () => void): void {
  l10n.config({ contents: JSON.parse(readFileSync('l10n/bundle.l10n.zh-cn.json', 'utf8')) as Record<string, string> });
  try {
    run();
  } finally {
    l10n.config({ contents: {} });
  }
}

describe('cluster and Grafana messages in zh-cn', () => {
  it('words API server errors in Chinese, with the reason looked up when the error is made', () => {
    chinese(() => {
      const refused = toClusterError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), { server: 'https://10.0.0.1:6443' });
      assert.equal(refused.message, '无法连接位于 https://10.0.0.1:6443 的 API 服务器：连接被拒绝（ECONNREFUSED）。');
      const expired = toClusterError(Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }));
      assert.match(expired.message, /^API 服务器的 TLS 证书被拒绝：证书已过期（CERT_HAS_EXPIRED）。/);
      assert.equal(expired.kind, 'tls', 'the kind, not the words, classifies the error');
    });
    assert.match(toClusterError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })).message, /^Cannot reach the API server: connection refused/, 'English again without the bundle');
  });

  it('reads tables of words (time ranges, DNS codes, capture points, rollout progress) when they are shown', () => {
    chinese(() => {
      assert.deepEqual(
        TIME_PRESETS.map((p) => p.label),
        ['最近 15 分钟', '最近 1 小时', '最近 6 小时', '最近 24 小时'],
      );
      assert.equal(describeRcode(3), 'NXDOMAIN: 域名不存在');
      assert.equal(describeCapturePoint('s-p'), '服务端进程 (S)');
      assert.equal(validateNamespaceName(''), '请选择命名空间');
      const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'deepflow-app', generation: 1 }, spec: { replicas: 3 }, status: { observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 1, availableReplicas: 1 } };
      assert.equal(rolloutStatus(deployment).summary, 'deepflow-app 1/3 就绪');
    });
  });

  it('serves the failure page in Chinese with the same elements as in English, every value escaped', () => {
    const problem = { kind: 'badCredentials' as const, user: '<img src=x onerror="alert(1)">' };
    const english = failurePage(problem, target, links).html;
    chinese(() => {
      const page = failurePage(problem, target, links);
      assert.deepEqual(tags(page.html), tags(english), 'the same elements, in the same order');
      assert.match(page.html, /<html lang="zh-CN">/);
      assert.match(page.html, /<title>Grafana 拒绝了登录<\/title>/);
      assert.match(page.html, /<h1>Grafana 拒绝了登录<\/h1>/);
      assert.match(page.html, />更新凭据…<\/a> <a class="button" data-request="retry" href="[^"]*">重试<\/a>/);
      assert.ok(!page.html.includes('<img'), 'the user name is text, not markup');
      assert.ok(page.html.includes('Grafana 不接受用户“&#60;img src=x onerror=&#34;alert(1)&#34;&#62;”的密码。'));
      assert.ok(page.html.includes('href="/s3cr3t/__deepflow/retry?to=d%2Fx%3Fa%3D1%26b%3D%22"'));
      const described = describeHealth(problem, target);
      for (const text of [described.title, described.cause, described.fix]) assert.ok(hasHan.test(text), `translated: ${text}`);
    });
    assert.match(english, /<html lang="en">/);
  });

  it('words the page after "Update Credentials" and an unreachable platform in Chinese', () => {
    chinese(() => {
      const page = credentialsRequestedPage(links).html;
      assert.match(page, /<h1>请在编辑器中输入 Grafana 登录信息<\/h1>/);
      assert.match(page, /<p>编辑器正在询问 Grafana 用户和密码。输入完成后，请选择“重试”。<\/p>/);
      const unreachable = describeHealth(healthFromError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), target);
      assert.equal(unreachable.cause, '无法连接 https://192.168.1.10：连接被拒绝（该地址和端口上没有服务在监听）。');
    });
  });
});
