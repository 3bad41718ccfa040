// Provisions everything the project runs on, idempotently; a second run only checks (well under a second).
// Usage: node scripts/setup.mjs [--for start|test|all]   (npm run setup -- --for test)
//   start: npm packages, Node 24, code-server
//   test:  the same plus Debian Chromium and kubectl 1.20 and 1.33
import { pathToFileURL } from 'node:url';
import {
  CODE_SERVER_VERSION,
  chromium,
  cjkFont,
  ensureChromium,
  ensureCjkFont,
  ensureCodeServer,
  ensureKubectl120,
  ensureKubectl133,
  ensureNode24,
  ensureNodeModules,
} from './lib/tools.mjs';

const STEPS = {
  'npm packages': { for: ['start', 'test'], run: ensureNodeModules },
  'Node 24': { for: ['start', 'test'], run: ensureNode24 },
  [`code-server ${CODE_SERVER_VERSION}`]: { for: ['start', 'test'], run: ensureCodeServer },
  Chromium: { for: ['test'], run: ensureChromium, present: chromium },
  'Chinese font': { for: ['test'], run: ensureCjkFont, present: cjkFont },
  'kubectl 1.20': { for: ['test'], run: () => timed(ensureKubectl120) },
  'kubectl 1.33': { for: ['test'], run: () => timed(ensureKubectl133) },
};

/** The kubectl helpers return a path either way; report whether this run provisioned it. */
function timed(ensure) {
  const started = Date.now();
  const path = ensure();
  const ms = Date.now() - started;
  return ms > 200 ? `${path} in ${(ms / 1000).toFixed(1)} s` : undefined;
}

export function parseTarget(argv) {
  const i = argv.indexOf('--for');
  const value = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--for='))?.slice('--for='.length);
  const target = value ?? 'all';
  if (!['start', 'test', 'all'].includes(target)) throw new Error(`--for must be start, test or all (got ${target})`);
  return target;
}

export function setup(target = 'all') {
  const started = Date.now();
  for (const [name, step] of Object.entries(STEPS)) {
    if (target !== 'all' && !step.for.includes(target)) continue;
    const t = Date.now();
    const done = step.run();
    const took = ((Date.now() - t) / 1000).toFixed(1);
    console.log(done ? `setup: ${name}: ${done}` : `setup: ${name}: present${step.present ? ` (${step.present})` : ''} [${took} s]`);
  }
  console.log(`setup: ready for ${target} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    setup(parseTarget(process.argv.slice(2)));
  } catch (e) {
    console.error(`setup failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
