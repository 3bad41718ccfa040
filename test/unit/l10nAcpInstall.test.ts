// Domain messages (src/acp, src/install) speak the language of the bundle VS Code hands @vscode/l10n at activation.
// The modules are loaded before the bundle is set, as in the extension, so a message frozen at module scope (a
// constant, a table of labels) would stay English here and fail.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as l10n from '@vscode/l10n';
import { validateArtifactFile } from '../../src/acp/artifacts';
import { componentState, deepflowComponents, deepflowPrerequisites } from '../../src/acp/components';
import { explainTlsError, PlatformTrustError } from '../../src/acp/platformTrust';
import { describePod, summarizePod } from '../../src/acp/pods';
import { validateClusterName, validatePlatformUrl } from '../../src/acp/validation';
import { describeOldKernels, describeUninstallPlan, planUninstall, storageClassStep } from '../../src/install';

const zhBundle = JSON.parse(readFileSync('l10n/bundle.l10n.zh-cn.json', 'utf8')) as Record<string, string>;
const han = /\p{Script=Han}/u;

describe('domain messages in Simplified Chinese', () => {
  before(() => l10n.config({ contents: zhBundle }));
  after(() => l10n.config({ contents: {} }));

  it('the guided install\'s input boxes validate in Chinese, the IPv6 refusal included', () => {
    assert.equal(validatePlatformUrl(''), '请输入平台 URL，例如 https://acp.example.com');
    assert.equal(validatePlatformUrl('https://[fd00::1]'), '不支持 IPv6 地址：violet 无法使用。请输入主机名或 IPv4 地址');
    assert.equal(validateClusterName('Prod'), '集群名称只能使用小写字母：试试 prod');
  });

  it('names artifacts, components and prerequisites in Chinese when they are shown', () => {
    assert.equal(validateArtifactFile('/tmp/notes.txt', 'nfs'), 'notes.txt 不是 .tgz 制品；请选择 NFS CSI 插件制品，例如 nfs.amd64.v4.0.2.tgz');
    assert.equal(deepflowComponents.find((c) => c.name === 'deepflow-mysql')?.description, '元数据存储');
    assert.equal(deepflowPrerequisites.find((p) => p.id === 'nfsPlugin')?.label, 'NFS CSI 插件（ars/nfs）');
    const mysql = deepflowComponents[0];
    assert.ok(mysql);
    assert.equal(componentState(mysql, undefined).detail, '未安装');
  });

  it('describes pods, TLS refusals, old kernels and the uninstall plan in Chinese, placeholders filled', () => {
    const pod = summarizePod({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { phase: 'Running', containerStatuses: [{ ready: true, restartCount: 3 }] } });
    assert.equal(describePod(pod), 'Running · 1/1 就绪 · 重启 3 次');
    const refused = explainTlsError(Object.assign(new Error('self-signed'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'https://acp.example.com');
    assert.ok(refused instanceof PlatformTrustError);
    assert.equal(refused.message, 'https://acp.example.com 的证书不受信任：它是自签名证书（DEPTH_ZERO_SELF_SIGNED_CERT）。请信任其 SHA-256 指纹，或选择签发它的 CA 文件。');
    assert.match(describeOldKernels([{ name: 'n1', kernelVersion: '3.10.0' }]), /^1 个节点的内核低于 4\.14.*n1 \(3\.10\.0\)/);
    const plan = describeUninstallPlan(planUninstall(), 'prod');
    assert.match(plan, /^要从 prod 卸载 DeepFlow 吗？/);
    assert.ok(!/\{\d\}/.test(plan), plan);
    assert.ok(han.test(storageClassStep({ name: 'nfs', server: '10.0.0.1', share: '/nfs' }).title));
  });
});
