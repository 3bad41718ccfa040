import assert from 'node:assert/strict';
import { findProblems, type Manifest } from '../../scripts/lib/commandCheck';

const manifest = (ids: string[], extra: Partial<Manifest['contributes']> = {}): Manifest => ({
  contributes: { commands: ids.map((command) => ({ command })), ...extra },
});

describe('the contributed/registered command check', () => {
  const table = new Map([['src/commands/registerCommands.ts', "const handlers = {\n  'deepflow.log.show': () => {},\n};"]]);

  it('passes when the handler table and the manifest agree', () => {
    assert.deepEqual(findProblems(manifest(['deepflow.log.show']), table), []);
  });

  it('reports a contributed command nobody registers', () => {
    assert.deepEqual(findProblems(manifest(['deepflow.log.show', 'deepflow.install.all']), table), [
      'contributed but never registered: deepflow.install.all',
    ]);
  });

  it('reports a registerCommand call missing from the manifest', () => {
    const sources = new Map([...table, ['src/views/x.ts', "vscode.commands.registerCommand('deepflow.views.hidden', f)"]]);
    assert.deepEqual(findProblems(manifest(['deepflow.log.show']), sources), [
      'registered but not contributed: deepflow.views.hidden',
    ]);
  });

  it('reports menus and welcome links to unknown commands', () => {
    const problems = findProblems(
      manifest(['deepflow.log.show'], {
        menus: { 'view/title': [{ command: 'deepflow.nope' }] },
        viewsWelcome: [{ contents: '[Go](command:deepflow.gone)' }],
      }),
      table,
    );
    assert.deepEqual(problems, [
      'menu view/title names an unknown command: deepflow.nope',
      'welcome view links an unknown command: deepflow.gone',
    ]);
  });
});
