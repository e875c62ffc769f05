/**
 * Starts the sandboxes: `tsx subgraphs/sandboxes.ts [salesforce] [sap] [teams]` (all three when
 * none is named). Ports come from SALESFORCE_SANDBOX_PORT (4011), SAP_SANDBOX_PORT (4012) and
 * GRAPH_SANDBOX_PORT (4013); the bind address from SANDBOX_HOST (127.0.0.1). Stops cleanly on
 * SIGINT/SIGTERM. This launcher is not a subgraph: it only starts the three sandbox servers.
 */
import { createLogger } from './kit/logger';
import { listenPort } from './kit/listenPort';
import type { SandboxServer } from './kit/sandboxServer';
import { startSalesforceSandbox } from './salesforce/sandbox/salesforceSandbox';
import { startSapSandbox } from './sap/sandbox/sapSandbox';
import { startGraphSandbox } from './teams/sandbox/graphSandbox';

type SandboxName = 'salesforce' | 'sap' | 'teams';

const STARTERS: Record<SandboxName, { envKey: string; port: number; start: (port: number, host: string) => Promise<SandboxServer> }> = {
  salesforce: {
    envKey: 'SALESFORCE_SANDBOX_PORT', port: 4011,
    start: (port, host) => startSalesforceSandbox({ port, host, logger: createLogger('salesforce-sandbox') }),
  },
  sap: {
    envKey: 'SAP_SANDBOX_PORT', port: 4012,
    start: (port, host) => startSapSandbox({ port, host, logger: createLogger('sap-sandbox') }),
  },
  teams: {
    envKey: 'GRAPH_SANDBOX_PORT', port: 4013,
    start: (port, host) => startGraphSandbox({ port, host, logger: createLogger('graph-sandbox') }),
  },
};

function isSandboxName(s: string): s is SandboxName {
  return Object.prototype.hasOwnProperty.call(STARTERS, s);
}

export async function main(argv: string[]): Promise<void> {
  const log = createLogger('sandboxes');
  const names = argv.length ? argv : (Object.keys(STARTERS) as SandboxName[]);
  const unknown = names.filter((n) => !isSandboxName(n));
  if (unknown.length) throw new Error(`unknown sandbox '${unknown.join("', '")}': choose from salesforce, sap, teams`);
  const host = process.env.SANDBOX_HOST || '127.0.0.1';
  const ports = (names as SandboxName[]).map((n) => listenPort(STARTERS[n].envKey, STARTERS[n].port));
  const started = await Promise.all((names as SandboxName[]).map((n, i) => STARTERS[n].start(ports[i] as number, host)));
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping sandboxes');
    Promise.all(started.map((s) => s.close())).then(() => process.exit(0), (err: unknown) => {
      log.error({ err }, 'error while stopping');
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Announce readiness only once the signal handlers are in place: a caller may stop us right away.
  names.forEach((n, i) => log.info({ sandbox: n, url: started[i]?.url }, 'sandbox listening'));
  process.stdout.write(`\nSandboxes ready:\n${names.map((n, i) => `  ${n.padEnd(10)} ${started[i]?.url}`).join('\n')}\n` +
    'Admin endpoints: <url>/__admin/counters, /__admin/faults, /__admin/settings (see README).\n\n');
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    createLogger('sandboxes').fatal({ err }, 'sandboxes failed to start');
    process.exit(1);
  });
}
