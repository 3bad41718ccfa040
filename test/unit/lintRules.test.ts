import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

/** The lint rule that keeps domain code testable in plain mocha must actually fire (DESIGN.md). */
describe('lint: domain folders never import vscode', function () {
  this.timeout(60_000);
  const source = "import * as vscode from 'vscode';\nexport const title: string = vscode.env.appName;\n";

  async function vscodeImportErrors(filePath: string): Promise<string[]> {
    // The snippet is not a file of the project, so lint it without type information; the folder rule stays.
    const eslint = new ESLint({ overrideConfig: tseslint.configs.disableTypeChecked });
    const [result] = await eslint.lintText(source, { filePath });
    return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  }

  for (const folder of ['src/cluster', 'src/acp', 'src/install', 'src/grafana']) {
    it(`rejects import 'vscode' in ${folder}`, async () => {
      const errors = await vscodeImportErrors(`${folder}/example.ts`);
      assert.equal(errors.length, 1);
      assert.match(errors[0] ?? '', /must not import vscode/);
    });
  }

  it('allows it in the VS Code glue (src/views)', async () => {
    assert.deepEqual(await vscodeImportErrors('src/views/example.ts'), []);
  });
});

describe('lint: services and state never reach up into commands or views', function () {
  this.timeout(60_000);

  async function upwardImportErrors(filePath: string, from: string): Promise<string[]> {
    const eslint = new ESLint({ overrideConfig: tseslint.configs.disableTypeChecked });
    const [result] = await eslint.lintText(`import { x } from '${from}';\nexport const y: unknown = x;\n`, { filePath });
    return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  }

  it('rejects src/services.ts importing from src/views', async () => {
    const errors = await upwardImportErrors('src/services.ts', './views/componentsTree');
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? '', /sit below commands and views/);
  });

  it('rejects src/state importing from src/commands', async () => {
    assert.equal((await upwardImportErrors('src/state/example.ts', '../commands/runCommand')).length, 1);
  });

  it('allows src/commands importing from src/state', async () => {
    assert.deepEqual(await upwardImportErrors('src/commands/example.ts', '../state/trustStore'), []);
  });
});
