// Bundles the extension (and the tests that run inside the extension host) with esbuild.
// Usage: node scripts/build.mjs [--production] [--watch] [--outdir <dir>] [--sizes]
// Besides the code, <outdir>/meta.json names the sources in each file of the extension (tests and the bench read it).
import * as esbuild from 'esbuild';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

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
 * ESM to a scratch folder first. Then:
 * - dist/extension.js is one CommonJS bundle of the entry and every chunk it imports statically (one file loads
 *   faster than nine: each costs a lookup, a module wrapper and its own copy of esbuild's helpers). It exports those
 *   chunks' namespaces as `__firstPaintChunks`.
 * - Each lazy chunk is rewritten as CommonJS on its own: a static import becomes a require() and import() a deferred
 *   require(). A lazy chunk that imports a first-paint chunk requires a two-line stub of the same name, which hands
 *   out the namespace bundled into dist/extension.js: one copy of every module, so `instanceof ClusterError` holds.
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

/** The CommonJS settings both second passes share. */
const commonJs = {
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
};

/**
 * esbuild turns each module's `import * as vscode from 'vscode'` (and each import of a Node built-in) into
 * `__toESM(require(...))`, which copies every property of the module onto a new object: the vscode API has some 400,
 * and the first paint imports it in 14 modules. Here each such module is required once, as an object whose prototype
 * is the real module: the copy finds no own property to copy, and every name still resolves through the prototype.
 * A module that is itself a function (node:assert) is passed through as it is, so that it stays callable. Loading the
 * first paint in plain Node: 29 ms instead of 42 ms.
 */
const namespacesByPrototype = {
  name: 'namespaces-by-prototype',
  setup(build) {
    build.onResolve({ filter: /^(vscode|node:.+)$/ }, (args) => (args.namespace === 'by-prototype' ? { path: args.path, external: true } : { path: args.path, namespace: 'by-prototype' }));
    build.onLoad({ filter: /.*/, namespace: 'by-prototype' }, (args) => ({
      contents: `const m = require(${JSON.stringify(args.path)});\nmodule.exports = typeof m === 'function' ? m : Object.create(m);`,
      loader: 'js',
    }));
  },
};

async function buildExtension() {
  const scratch = mkdtempSync(join(tmpdir(), 'deepflow-build-'));
  try {
    const esm = await esbuild.build({ ...extensionChunks, outdir: scratch });
    const rel = (file) => relative(scratch, file).replaceAll('\\', '/');
    const outputs = Object.fromEntries(Object.entries(esm.metafile.outputs).filter(([f]) => f.endsWith('.js')).map(([f, out]) => [rel(f), out]));
    // The first paint: the chunks the entry imports statically, transitively.
    const firstPaint = new Set();
    const visit = (file) => {
      for (const i of outputs[file].imports) {
        const target = rel(i.path);
        if (i.kind === 'import-statement' && !i.external && !firstPaint.has(target)) {
          firstPaint.add(target);
          visit(target);
        }
      }
    };
    visit('extension.js');
    const chunks = [...firstPaint];
    const lazy = Object.keys(outputs).filter((f) => f !== 'extension.js' && !firstPaint.has(f));
    const entry = join(scratch, '__firstPaint.js');
    writeFileSync(
      entry,
      [
        "export * from './extension.js';",
        ...chunks.map((c, i) => `import * as c${i} from './${c}';`),
        `export const __firstPaintChunks = { ${chunks.map((c, i) => `${JSON.stringify(c)}: c${i}`).join(', ')} };`,
      ].join('\n'),
    );
    rmSync(join(outdir, 'chunks'), { recursive: true, force: true });
    // A lazy chunk stays a file of its own: its import() is kept, with the path seen from dist/extension.js.
    const lazyStaysOut = {
      name: 'lazy-chunks-stay-out',
      setup(build) {
        build.onResolve({ filter: /.*/ }, (args) => (args.kind === 'dynamic-import' ? { path: `./${rel(resolve(args.resolveDir, args.path))}`, external: true } : undefined));
      },
    };
    const [bundled, rewritten] = await Promise.all([
      esbuild.build({ ...commonJs, entryPoints: { extension: entry }, outdir, bundle: true, plugins: [lazyStaysOut, namespacesByPrototype] }),
      esbuild.build({ ...commonJs, entryPoints: lazy.map((f) => ({ in: join(scratch, f), out: f.replace(/\.js$/, '') })), outdir, bundle: false }),
    ]);
    for (const c of chunks) {
      writeFileSync(join(outdir, c), `// Bundled into dist/extension.js; lazy chunks that import it get that copy.\nmodule.exports = require(${JSON.stringify(relative(dirname(join(outdir, c)), join(outdir, 'extension.js')).replaceAll('\\', '/').replace(/^(?!\.)/, './'))}).__firstPaintChunks[${JSON.stringify(c)}];\n`);
    }
    const inputsOf = (file) => Object.keys(outputs[file].inputs);
    const sources = {
      'extension.js': ['extension.js', ...chunks].flatMap(inputsOf),
      ...Object.fromEntries(lazy.map((f) => [f, inputsOf(f)])),
      ...Object.fromEntries(chunks.map((c) => [c, []])),
    };
    mkdirSync(outdir, { recursive: true });
    writeFileSync(join(outdir, 'meta.json'), `${JSON.stringify({ sources }, null, 1)}\n`);
    return { metafile: { outputs: { ...bundled.metafile.outputs, ...rewritten.metafile.outputs } } };
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
