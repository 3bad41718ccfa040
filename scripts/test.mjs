// npm test: setup (for test), then every layer in order: lint, type check, command check, unit, integration,
// extension host, e2e. Each layer's output streams through; its pass/fail counts are parsed from mocha's summary.
// Prints a table and, alone on the last line, "N passed, N failed". Exits non-zero if any layer failed or any test
// layer ran zero tests. Checks (lint, types, commands) count as one test each.
// Usage: node scripts/test.mjs [--only unit,e2e] [--skip e2e]
import { spawn } from 'node:child_process';
import { setup } from './setup.mjs';
import { repoRoot } from './lib/tools.mjs';

const LAYERS = [
  { name: 'lint', kind: 'check', command: ['npx', '--no-install', 'eslint', '.'] },
  { name: 'types', kind: 'check', command: ['npx', '--no-install', 'tsc', '--noEmit'] },
  { name: 'commands', kind: 'check', command: ['npm', 'run', '--silent', 'check:commands'] },
  { name: 'l10n', kind: 'check', command: ['npm', 'run', '--silent', 'check:l10n'] },
  { name: 'unit', kind: 'tests', command: ['npm', 'run', '--silent', 'test:unit'] },
  { name: 'integration', kind: 'tests', command: ['npm', 'run', '--silent', 'test:integration'] },
  { name: 'exthost', kind: 'tests', command: ['npm', 'run', '--silent', 'test:exthost'] },
  { name: 'e2e', kind: 'tests', command: ['npm', 'run', '--silent', 'test:e2e'] },
];

function listArg(argv, flag) {
  const i = argv.indexOf(flag);
  const value = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
  return value ? value.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** The last "N passing" / "N failing" / "N pending" of mocha's summary (ours for the extension host says the same). */
export function parseCounts(output) {
  const text = output.replace(ANSI, '');
  const last = (re) => {
    const all = [...text.matchAll(re)];
    return all.length ? Number(all[all.length - 1][1]) : undefined;
  };
  return {
    passed: last(/^\s*(?:extension host: )?(\d+) passing/gm),
    failed: last(/(\d+) failing/gm),
    pending: last(/^\s*(\d+) pending/gm),
  };
}

function runLayer(layer) {
  return new Promise((resolve) => {
    const started = Date.now();
    console.log(`\n=== ${layer.name}: ${layer.command.join(' ')}`);
    const [file, ...args] = layer.command;
    const child = spawn(file, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      output += d;
      process.stderr.write(d);
    });
    child.on('error', (e) => {
      output += String(e);
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output, seconds: (Date.now() - started) / 1000 }));
  });
}

function table(rows) {
  const header = ['layer', 'result', 'passed', 'failed', 'pending', 'time'];
  const lines = [header, ...rows.map((r) => [r.name, r.result, String(r.passed), String(r.failed), String(r.pending), `${r.seconds.toFixed(1)} s`])];
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const fmt = (l) => l.map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [fmt(lines[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.slice(1).map(fmt)].join('\n');
}

async function main() {
  const argv = process.argv.slice(2);
  const only = listArg(argv, '--only');
  const skip = listArg(argv, '--skip') ?? [];
  const unknown = [...(only ?? []), ...skip].filter((n) => !LAYERS.some((l) => l.name === n));
  if (unknown.length) throw new Error(`unknown layer(s): ${unknown.join(', ')} (layers: ${LAYERS.map((l) => l.name).join(', ')})`);
  const started = Date.now();
  setup('test');

  const rows = [];
  for (const layer of LAYERS) {
    if ((only && !only.includes(layer.name)) || skip.includes(layer.name)) continue;
    const { code, output, seconds } = await runLayer(layer);
    let passed;
    let failed;
    let pending = 0;
    let result;
    if (layer.kind === 'check') {
      passed = code === 0 ? 1 : 0;
      failed = code === 0 ? 0 : 1;
      result = code === 0 ? 'ok' : `FAILED (exit ${code})`;
    } else {
      const counts = parseCounts(output);
      passed = counts.passed ?? 0;
      failed = counts.failed ?? 0;
      pending = counts.pending ?? 0;
      if (code !== 0 && failed === 0) failed = 1; // crashed before or after mocha's summary
      if (code !== 0) result = `FAILED (exit ${code})`;
      else if (passed === 0) {
        result = 'FAILED (ran no tests)';
        failed = Math.max(failed, 1);
      } else result = 'ok';
    }
    rows.push({ name: layer.name, result, passed, failed, pending, seconds });
  }

  const passed = rows.reduce((n, r) => n + r.passed, 0);
  const failed = rows.reduce((n, r) => n + r.failed, 0);
  const bad = rows.filter((r) => r.result !== 'ok');
  console.log(`\n${table(rows)}\n`);
  console.log(`total time ${((Date.now() - started) / 1000).toFixed(1)} s${bad.length ? `; failed layers: ${bad.map((r) => r.name).join(', ')}` : ''}`);
  console.log(`${passed} passed, ${failed} failed`);
  return bad.length === 0 && failed === 0 && rows.length > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`test failed: ${e instanceof Error ? e.message : String(e)}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
