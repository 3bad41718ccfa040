// `npm start`'s foreground part (scripts/start.mjs runs it through tsx after setup and packaging): the ACP simulator,
// then code-server on 127.0.0.1:PORT (default 8080) with the packaged extension installed and KUBECONFIG pointing at
// the simulator. Prints the URL and the simulator's details; Ctrl-C stops everything. With --with-deepflow, DeepFlow
// is installed on the simulator (demoInstall.ts) while code-server starts, and the URL is printed once it is ready.
// With --zh-cn, VS Code's display language is Chinese (Simplified), with the test fixture's language pack.
// DEEPFLOW_SIM_DIR (default .sim) holds the kubeconfig, info.json, the workspace and code-server's temp root.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../src/cluster';
import { startSimulator } from '../sim/index';
import { startCodeServer, type CodeServer } from './codeServer';
import { installDemoDeepflow, type DemoInstall } from './demoInstall';
import { packageFixture } from './extension';
import { defaultVsix, repoRoot } from './paths';

/** Only what needs attention reaches the terminal; the URL block stays the last thing printed. */
const quietLogger: Logger = {
  info: () => undefined,
  warn: (m) => console.warn(`install: ${m}`),
  error: (m) => console.error(`install: ${m}`),
};

async function main(): Promise<void> {
  const port = Number(process.env.PORT || 8080);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`PORT=${process.env.PORT} is not a port`);
  const withDeepflow = process.argv.slice(2).includes('--with-deepflow');
  // The smallest language pack that declares zh-cn (test/fixtures): VS Code switches the extension to Chinese.
  const languagePack = process.argv.slice(2).includes('--zh-cn') ? await packageFixture('zh-cn-language-pack') : undefined;
  const simDir = process.env.DEEPFLOW_SIM_DIR || join(repoRoot, '.sim');
  const workspace = join(simDir, 'workspace');
  mkdirSync(workspace, { recursive: true });

  const sim = await startSimulator({
    nodes: process.env.SIM_NODES ? Number(process.env.SIM_NODES) : undefined,
    timeScale: process.env.SIM_TIME_SCALE ? Number(process.env.SIM_TIME_SCALE) : undefined,
  });
  const kubeconfig = join(simDir, 'kubeconfig');
  sim.writeKubeconfig(kubeconfig);
  writeFileSync(join(simDir, 'info.json'), JSON.stringify(sim.info, null, 2) + '\n');

  let server: CodeServer | undefined;
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping code-server and the simulator');
    await server?.stop().catch((e: unknown) => console.error(e));
    await sim.stop().catch((e: unknown) => console.error(e));
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  let demo: DemoInstall | undefined;
  try {
    if (withDeepflow) console.log(`installing DeepFlow on the simulator (violet, both pushes, NFS plugin, storage class, Application, Ingress)`);
    const starting = startCodeServer({
      extension: { vsix: process.env.DEEPFLOW_VSIX || defaultVsix },
      alsoInstall: languagePack ? [{ vsix: languagePack }] : undefined,
      locale: languagePack ? 'zh-cn' : undefined,
      kubeconfig,
      port,
      workspace,
      tempParent: simDir,
      // The platform of this simulator as the install's default, so a rerun or a single step asks nothing new.
      userSettings: withDeepflow ? { 'deepflow.install.platformUrl': sim.info.platformUrl, 'deepflow.install.nfsServer': '10.100.0.4', 'deepflow.install.nfsPath': '/nfs' } : undefined,
    });
    const installing = withDeepflow ? installDemoDeepflow(sim, kubeconfig, simDir, quietLogger) : Promise.resolve(undefined);
    // Both settle before anything is reported, so a failure of one never leaves the other running unseen.
    const [started, installed] = await Promise.allSettled([starting, installing]);
    if (started.status === 'rejected') throw started.reason;
    server = started.value;
    if (installed.status === 'rejected') throw installed.reason;
    demo = installed.value;
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    if (/EADDRINUSE/.test(String(e))) console.error(`port ${port} is taken: set PORT to another one`);
    await stop(1);
    return;
  }
  server.process.once('exit', (code) => {
    if (!stopping) {
      console.error(`code-server exited (${code}); its log: ${server?.logFile}`);
      void stop(1);
    }
  });

  const info = sim.info;
  console.log('');
  console.log(`DeepFlow for ACP is running in VS Code: ${server.workbenchUrl()}`);
  console.log('');
  console.log(`  ACP simulator   cluster ${info.clusterName}, API ${info.apiUrl}`);
  console.log(`  platform        ${info.platformUrl}  (user ${info.platformUsername}, password ${info.platformPassword})`);
  console.log(`  admin/faults    ${info.adminUrl}`);
  if (demo) {
    console.log(`  DeepFlow        installed; Grafana ${demo.grafanaUrl}  (user ${demo.grafanaUser}, password ${demo.grafanaPassword})`);
    console.log(`  artifacts       ${demo.artifactsDir}`);
  }
  console.log(`  KUBECONFIG      ${kubeconfig}`);
  console.log(`  code-server log ${server.logFile}`);
  console.log('');
  console.log('Press Ctrl-C to stop.');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
