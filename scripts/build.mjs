// Bundles the extension (and the tests that run inside the extension host) with esbuild.
// Usage: node scripts/build.mjs [--production] [--watch] [--outdir <dir>] [--sizes]
// Besides the code, <outdir>/meta.json names the sources in each file of the extension (tests and the bench read it).
import * as esbuild from 'esbuild';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const outdirFlag = process.argv.indexOf('--outdir');
const outdir = outdirFlag >= 0 ? process.argv[outdirFlag + 1] : 'dist';

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

/**
 * The extension, split so that activation loads only what the first paint needs (the Components view, the status
 * bar, the watch cache): each feature's dynamic import() becomes its own chunk under dist/chunks, loaded on first use.
 * esbuild splits only ESM output, and VS Code loads a CommonJS `main` (engines ^1.92), so the chunks are written as
 * ESM to a scratch folder and each is then rewritten as CommonJS: a static import becomes a require() of the shared
 * chunk (Node's module cache keeps one copy, so classes stay one class), and import() a deferred require().
 * import() only our own modules (or ESM packages): a CommonJS package's chunk keeps its named exports only behind a
 * static import, so src/views/objectYaml.ts wraps `yaml` for the one lazy use of it.
 */
const extensionChunks = {
  ...common,
  entryPoints: { extension: 'src/extension.ts' },
  format: 'esm',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  external: ['vscode'],
  minify: production,
  metafile: true,
  // The CommonJS banner goes on in the second pass, once per file.
  banner: {},
};

async function buildExtension() {
  const scratch = mkdtempSync(join(tmpdir(), 'deepflow-build-'));
  try {
    const esm = await esbuild.build({ ...extensionChunks, outdir: scratch });
    const files = Object.keys(esm.metafile.outputs).filter((f) => f.endsWith('.js'));
    rmSync(join(outdir, 'chunks'), { recursive: true, force: true });
    const cjs = await esbuild.build({
      entryPoints: files.map((f) => ({ in: f, out: relative(scratch, f).replace(/\.js$/, '') })),
      outdir,
      bundle: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      // import() of a chunk becomes a deferred require(): the same module cache and VS Code's require hook for `vscode`.
      supported: { 'dynamic-import': false },
      minify: production,
      sourcemap: production ? false : 'linked',
      banner: common.banner,
      logLevel: 'warning',
      metafile: true,
    });
    const sources = Object.fromEntries(files.map((f) => [relative(scratch, f).replaceAll('\\', '/'), Object.keys(esm.metafile.outputs[f].inputs)]));
    mkdirSync(outdir, { recursive: true });
    writeFileSync(join(outdir, 'meta.json'), `${JSON.stringify({ sources }, null, 1)}\n`);
    return cjs;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

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
  // Watch mode rebuilds the extension in one CommonJS file: the split matters for activation, not for editing.
  const watched = { ...common, entryPoints: extensionChunks.entryPoints, outdir, external: ['vscode'] };
  const contexts = await Promise.all([esbuild.context(watched), esbuild.context(exthostTests)]);
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  // With --outdir only the extension is built (a test's scratch build); the extension-host tests go to dist.
  const [result] = await Promise.all([buildExtension(), ...(outdirFlag >= 0 ? [] : [esbuild.build(exthostTests)])]);
  if (process.argv.includes('--sizes')) {
    for (const [file, out] of Object.entries(result.metafile.outputs)) console.log(`${file}\t${out.bytes}`);
  }
}
