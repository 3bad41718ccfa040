// The zh-cn completeness check (npm run check:l10n): each rule fails on the mistake it exists for.
import assert from 'node:assert/strict';
import { findL10nProblems, type L10nInputs } from '../../scripts/lib/l10nCheck';

const manifestText = JSON.stringify({
  displayName: '%displayName%',
  contributes: { commands: [{ command: 'deepflow.install.all', title: '%command.install.all.title%', category: '%command.category%' }] },
});

function complete(): L10nInputs {
  return {
    sourceMessages: { 'Enter the platform URL, like {0}': 'Enter the platform URL, like {0}', 'Push Artifacts': 'Push Artifacts' },
    bundleZh: { 'Enter the platform URL, like {0}': '输入平台地址，例如 {0}', 'Push Artifacts': '推送制品' },
    nls: { displayName: 'DeepFlow for ACP', 'command.install.all.title': 'Install DeepFlow (Guided)', 'command.category': 'DeepFlow' },
    nlsZh: { displayName: 'DeepFlow for ACP', 'command.install.all.title': '安装 DeepFlow（向导）', 'command.category': 'DeepFlow' },
    manifestText,
  };
}

describe('the zh-cn localization check', () => {
  it('passes a complete translation', () => {
    assert.deepEqual(findL10nProblems(complete()), []);
  });

  it('fails when a message of the sources has no translation', () => {
    const inputs = complete();
    delete inputs.bundleZh['Push Artifacts'];
    assert.deepEqual(findL10nProblems(inputs), ['bundle: no zh-cn translation for "Push Artifacts"']);
  });

  it('fails when a translation drops or renames a placeholder', () => {
    const inputs = complete();
    inputs.bundleZh['Enter the platform URL, like {0}'] = '输入平台地址';
    assert.match(findL10nProblems(inputs).join('\n'), /has placeholders \[\], not \[\{0\}\]/);
  });

  it('fails when a translation is the English text again, or a message is no longer used', () => {
    const inputs = complete();
    inputs.bundleZh['Push Artifacts'] = 'Push Artifacts';
    inputs.bundleZh['Gone from the sources'] = '已删除';
    const problems = findL10nProblems(inputs).join('\n');
    assert.match(problems, /"Push Artifacts" is the English text/);
    assert.match(problems, /"Gone from the sources" is translated but no source uses it/);
  });

  it('fails when a manifest key has no zh-cn translation, or a manifest title is plain text', () => {
    const inputs = complete();
    delete inputs.nlsZh['command.install.all.title'];
    inputs.manifestText = manifestText.replace('%command.category%', 'DeepFlow');
    const problems = findL10nProblems(inputs);
    assert.ok(problems.includes('package.nls: no zh-cn translation for "command.install.all.title"'), problems.join('\n'));
    assert.ok(problems.includes('package.json: the category of deepflow.install.all is not localizable: "DeepFlow"'), problems.join('\n'));
  });
});
