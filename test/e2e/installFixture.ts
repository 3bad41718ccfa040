// One install journey's world for an e2e suite: the packaged extension in a fresh code-server, the ACP simulator it
// points at (KUBECONFIG), the guide's two artifacts on disk, and Chromium showing the workbench. Stop it in
// suiteTeardown; install.e2e.test.ts builds the same by hand and can move to this.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type StartedSimulator } from '../sim/index';
import { startCodeServer, type CodeServer } from './codeServer';
import { writeSimArtifacts } from '../sim/installDeepflow';
import { packageExtension } from './extension';
import { launchBrowser, waitForWorkbench, type Browser } from './workbench';

export interface InstallWorld {
  sim: StartedSimulator;
  server: CodeServer;
  browser: Browser;
  /** A temp folder for the suite's own files; removed by stop(). */
  dir: string;
  kubeconfig: string;
  artifacts: { nfs: string; deepflow: string };
  stop(): Promise<void>;
}

export async function startInstallWorld(name: string): Promise<InstallWorld> {
  const vsix = await packageExtension();
  const dir = mkdtempSync(join(tmpdir(), `deepflow-e2e-${name}-`));
  const sim = await startSimulator({ timeScale: 0.05 });
  const kubeconfig = join(dir, 'kubeconfig');
  sim.writeKubeconfig(kubeconfig);
  const artifacts = writeSimArtifacts(join(dir, 'artifacts'));
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const stop = async (): Promise<void> => {
    await browser?.close();
    await server?.stop();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    server = await startCodeServer({ extension: { vsix }, kubeconfig });
    browser = await launchBrowser();
    // Generous: a busy 2-core machine can take well over the default 30 s to serve the workbench.
    await browser.page.goto(server.workbenchUrl(), { timeout: 180_000 });
    await waitForWorkbench(browser.page, 'DeepFlow', 120_000);
    return { sim, server, browser, dir, kubeconfig, artifacts, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
