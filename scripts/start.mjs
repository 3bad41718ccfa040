// npm start: setup (npm packages, Node 24, code-server) -> build and package the extension -> the ACP simulator and
// code-server with the extension installed (test/e2e/serve.ts, through tsx). Stays in the foreground; Ctrl-C stops
// everything. PORT (default 8080) picks code-server's port on 127.0.0.1.
// `npm start -- --with-deepflow` installs DeepFlow on the simulator first, so the first look is a ready cluster.
// `npm start -- --zh-cn` shows VS Code with the display language Chinese (Simplified), through the test language pack.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setup } from './setup.mjs';
import { repoRoot } from './lib/tools.mjs';

const knownFlags = ['--with-deepflow', '--zh-cn'];
const flags = process.argv.slice(2);
const unknown = flags.filter((f) => !knownFlags.includes(f));
if (unknown.length > 0) {
  console.error(`start: unknown option ${unknown.join(' ')}; known: ${knownFlags.join(' ')} (npm start -- --with-deepflow --zh-cn)`);
  process.exit(2);
}

try {
  setup('start');
  console.log('start: building and packaging the extension');
  mkdirSync(join(repoRoot, 'dist-vsix'), { recursive: true }); // vsce -o does not create the folder
  execFileSync('npm', ['run', '--silent', 'package'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
} catch (e) {
  console.error(`start failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}

const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
const child = spawn(tsx, [join(repoRoot, 'test', 'e2e', 'serve.ts'), ...flags], { cwd: repoRoot, stdio: 'inherit' });
// Ctrl-C reaches the child too (same process group); forward other stops and wait for it to clean up.
process.on('SIGINT', () => child.kill('SIGINT'));
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
