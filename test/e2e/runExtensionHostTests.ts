// Runs the mocha suite of test/exthost inside a real VS Code extension host: code-server started with the smoke-test
// driver, the workbench opened with a `payload` that names the extension under development and the tests entry.
// Usage: npm run test:exthost (builds dist/ first). Exits with mocha's code.
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { startCodeServer, type CodeServer } from './codeServer';
import { repoRoot, resultsDir } from './paths';
import { startE2eCluster, type E2eCluster } from './simulator';
import { launchBrowser, saveArtifacts, type Browser } from './workbench';
import { ensureKubectl133 } from '../../scripts/lib/tools.mjs';

const TIMEOUT_MS = Number(process.env.DEEPFLOW_EXTHOST_TIMEOUT_MS ?? 300_000);

/**
 * Workbench chatter (tagged lines like "[AgentHost] ...", the offline gallery's stack traces); kept in the saved
 * output, left out of the console. Mocha's own lines never start with a [Tag].
 */
const NOISE = /^\[[^\]]+\] |^Creating a socket \(|ENOTFOUND open-vsx\.org|authentication provider .github.|^\s+at .*https?:\/\/127\.0\.0\.1:/;

/** The extension host forwards console calls as (type, args); args arrive as an array or its JSON text. */
function formatLog(args: unknown): string {
  let list: unknown = args;
  if (typeof list === 'string') {
    try {
      list = JSON.parse(list);
    } catch {
      return list as string;
    }
  }
  if (!Array.isArray(list)) return String(list);
  return format(...(list as unknown[]));
}

async function main(): Promise<number> {
  const testsEntry = join(repoRoot, 'dist', 'test', 'exthost', 'index.js');
  if (!existsSync(testsEntry) || !existsSync(join(repoRoot, 'dist', 'extension.js'))) {
    throw new Error('dist/ is not built: run node scripts/build.mjs (npm run test:exthost does)');
  }
  const started = Date.now();
  let cluster: E2eCluster | undefined;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const output: string[] = [];
  let code = 1;
  try {
    cluster = await startE2eCluster();
    // The suites check what the extension did with the real kubectl, as a user would.
    server = await startCodeServer({ kubeconfig: cluster.kubeconfig, smokeTestDriver: true, env: { DEEPFLOW_TEST_KUBECTL: ensureKubectl133() } });
    browser = await launchBrowser();
    const { page } = browser;
    let resolveExit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (resolveExit = resolve));
    await page.exposeFunction('codeAutomationExit', (exitCode: number) => resolveExit(Number(exitCode)));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown) => {
      const text = formatLog(args);
      output.push(text);
      if (!NOISE.test(text)) (type === 'error' ? process.stderr : process.stdout).write(text + '\n');
    });
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', server.remoteUri(repoRoot)],
      ['extensionTestsPath', server.remoteUri(testsEntry)],
    ]);
    await page.goto(server.workbenchUrl({ payload }));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        console.error(`extension-host tests did not finish within ${TIMEOUT_MS / 1000} s`);
        resolve(124);
      }, TIMEOUT_MS);
    });
    code = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
  } catch (e) {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    code = 1;
  } finally {
    const text = output.join('\n');
    const passing = /(\d+) passing/.exec(text)?.[1] ?? '0';
    const failing = /(\d+) failing/.exec(text)?.[1] ?? '0';
    console.log(`\nextension host: ${passing} passing, ${failing} failing, exit code ${code}, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (code !== 0) {
      const dir = await saveArtifacts('exthost', { browser, server });
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'mocha-output.log'), text + '\n');
      console.log(`artifacts: ${dir.replace(resultsDir, 'test-results')}`);
    }
    await browser?.close();
    await server?.stop();
    await cluster?.stop();
  }
  return code;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
