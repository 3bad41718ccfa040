// `npm start`'s foreground part (scripts/start.mjs runs it through tsx after setup and packaging): the ACP simulator,
// then code-server on 127.0.0.1:PORT (default 8080) with the packaged extension installed and KUBECONFIG pointing at
// the simulator. Prints the URL and the simulator's details; Ctrl-C stops everything.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator } from '../sim/index';
import { startCodeServer, type CodeServer } from './codeServer';
import { defaultVsix, repoRoot } from './paths';

async function main(): Promise<void> {
  const port = Number(process.env.PORT || 8080);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`PORT=${process.env.PORT} is not a port`);
  const simDir = join(repoRoot, '.sim');
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

  try {
    server = await startCodeServer({
      extension: { vsix: process.env.DEEPFLOW_VSIX || defaultVsix },
      kubeconfig,
      port,
      workspace,
      tempParent: simDir,
    });
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
  console.log(`  KUBECONFIG      ${kubeconfig}`);
  console.log(`  code-server log ${server.logFile}`);
  console.log('');
  console.log('Press Ctrl-C to stop.');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
