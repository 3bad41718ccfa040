import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = join(dir, entry.name);
    if (entry.isDirectory()) return sources(file);
    return entry.name.endsWith('.ts') ? [file] : [];
  });
}

/** Code without comments, so a comment that names client-node does not count as using it. */
function code(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
}

describe('@kubernetes/client-node stays off the first paint', () => {
  it('only src/cluster/clientNodeAuth.ts imports it', () => {
    const importers = sources(join(root, 'src'))
      .filter((file) => code(file).includes('@kubernetes/client-node'))
      .map((file) => relative(root, file).replaceAll('\\', '/'));
    assert.deepEqual(importers, ['src/cluster/clientNodeAuth.ts']);
  });

  it('clientNodeAuth.ts is reached only through a dynamic import()', () => {
    const staticImport = /^\s*(?:import|export)\b[^;]*?from\s+['"]\.{1,2}\/(?:cluster\/)?clientNodeAuth['"]/m;
    const importers = sources(join(root, 'src')).filter((file) => /clientNodeAuth['"]/.test(code(file)));
    assert.ok(importers.length > 0);
    for (const file of importers) {
      const text = code(file).replace(/^\s*import type\b.*$/gm, '');
      assert.ok(!staticImport.test(text), `${relative(root, file)} imports clientNodeAuth statically`);
      assert.match(text, /import\(\s*['"]\.\/clientNodeAuth['"]\s*\)/);
    }
  });
});
