/**
 * `npm run sim -- --kubeconfig <file> --info <file.json> [--nodes N] [--time-scale X] [--old-kernel-nodes K]`
 * Runs the ACP simulator in the foreground until SIGINT/SIGTERM, after writing a kubeconfig and an info JSON.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSimulator } from './index';

function usage(message: string): never {
  console.error(`${message}\nusage: npm run sim -- --kubeconfig <file> --info <file.json> [--nodes N] [--time-scale X] [--old-kernel-nodes K] [--cluster-name NAME] [--api-port P] [--platform-port P] [--admin-port P]`);
  process.exit(2);
}

function int(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) usage(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

async function main(): Promise<void> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        kubeconfig: { type: 'string' },
        info: { type: 'string' },
        nodes: { type: 'string' },
        'time-scale': { type: 'string' },
        'old-kernel-nodes': { type: 'string' },
        'cluster-name': { type: 'string' },
        'api-port': { type: 'string' },
        'platform-port': { type: 'string' },
        'admin-port': { type: 'string' },
      },
      strict: true,
    }));
  } catch (err) {
    usage(err instanceof Error ? err.message : String(err));
  }
  const timeScaleText = values['time-scale'];
  const timeScale = timeScaleText === undefined ? undefined : Number(timeScaleText);
  if (timeScale !== undefined && !(timeScale >= 0)) usage('--time-scale must be a number >= 0');
  const sim = await startSimulator({
    nodes: int(values.nodes, 'nodes', 1, 5000),
    timeScale,
    oldKernelNodes: int(values['old-kernel-nodes'], 'old-kernel-nodes', 0, 5000),
    clusterName: values['cluster-name'],
    apiPort: int(values['api-port'], 'api-port', 0, 65535),
    platformPort: int(values['platform-port'], 'platform-port', 0, 65535),
    adminPort: int(values['admin-port'], 'admin-port', 0, 65535),
  });
  const kubeconfig = values.kubeconfig ? resolve(values.kubeconfig) : undefined;
  if (kubeconfig) sim.writeKubeconfig(kubeconfig);
  if (values.info) {
    const file = resolve(values.info);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(sim.info, null, 2)}\n`, { mode: 0o600 });
  }
  const i = sim.info;
  console.log(
    [
      'ACP simulator running',
      `  API server:        ${i.apiUrl}`,
      `  platform:          ${i.platformUrl}  (self-signed; SHA-256 ${i.platformFingerprint})`,
      `  platform login:    ${i.platformUsername} / ${i.platformPassword}`,
      `  cluster name:      ${i.clusterName}`,
      `  Grafana (after install + ingress): ${i.platformUrl}/clusters/${i.clusterName}/deepflow/`,
      `  admin endpoint:    ${i.adminUrl}  (curl ${i.adminUrl}/info)`,
      ...(kubeconfig ? [`  kubeconfig:        ${kubeconfig}`] : []),
      ...(values.info ? [`  info JSON:         ${resolve(values.info)}`] : []),
      'Press Ctrl+C to stop.',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the simulator`);
    sim.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
