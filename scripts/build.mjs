// Bundles the extension (and the tests that run inside the extension host) with esbuild.
// Usage: node scripts/build.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  // client-node's ESM build reads import.meta.url in a few places; map it onto the CJS file URL.
  define: { 'import.meta.url': 'importMetaUrl' },
  alias: { 'whatwg-url': './scripts/lib/whatwgUrlShim.ts' },
  banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
};

const extension = {
  ...common,
  entryPoints: { extension: 'src/extension.ts' },
  outdir: 'dist',
  external: ['vscode'],
  minify: production,
  metafile: true,
};

// Extension-host tests: one file per suite plus the mocha entry. mocha stays external: the host loads it from
// node_modules, because it resolves its reporters dynamically.
const exthostDir = 'test/exthost';
const exthostEntries = readdirSync(exthostDir).filter((f) => f.endsWith('.ts') && !f.startsWith('runDesktop'));
const exthostTests = {
  ...common,
  entryPoints: exthostEntries.map((f) => join(exthostDir, f)),
  outdir: 'dist/test/exthost',
  external: ['vscode', 'mocha'],
};

if (watch) {
  const contexts = await Promise.all([esbuild.context(extension), esbuild.context(exthostTests)]);
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  const [result] = await Promise.all([esbuild.build(extension), esbuild.build(exthostTests)]);
  if (process.argv.includes('--sizes')) {
    for (const [file, out] of Object.entries(result.metafile.outputs)) console.log(`${file}\t${out.bytes}`);
  }
}
