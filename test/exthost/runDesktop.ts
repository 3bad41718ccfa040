// Runs the extension-host suite (test/exthost) in desktop VS Code through @vscode/test-electron, which downloads
// VS Code from Microsoft: for machines with that access (here only npm and Debian are reachable, so use
// `npm run test:exthost`, the same suite in code-server). Usage: npm run test:desktop [-- --version 1.92.0]
// The simulator provides the cluster; the ACP simulator's kubeconfig reaches the extension through KUBECONFIG.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { startSimulator } from '../sim/index';

async function main(): Promise<number> {
  const repoRoot = resolve(__dirname, '..', '..');
  const versionIndex = process.argv.indexOf('--version');
  const version = versionIndex >= 0 ? process.argv[versionIndex + 1] : process.env.VSCODE_VERSION || 'stable';
  const root = mkdtempSync(join(tmpdir(), 'deepflow-desktop-'));
  const sim = await startSimulator({ timeScale: 0.1 });
  try {
    const kubeconfig = join(root, 'kubeconfig');
    sim.writeKubeconfig(kubeconfig);
    const workspace = join(root, 'workspace');
    mkdirSync(workspace);
    await runTests({
      version,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: join(repoRoot, 'dist', 'test', 'exthost', 'index.js'),
      extensionTestsEnv: { KUBECONFIG: kubeconfig },
      launchArgs: [
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir', join(root, 'user-data'),
        '--extensions-dir', join(root, 'extensions'),
        workspace,
      ],
    });
    return 0;
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    return 1;
  } finally {
    await sim.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
