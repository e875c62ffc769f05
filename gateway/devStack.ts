/**
 * `npm start`: the whole stack on embedded defaults, each component in its own process, the way it
 * runs in production:
 *   1. the three sandboxes (`subgraphs/sandboxes.ts`: Salesforce 4011, SAP 4012, Graph 4013),
 *   2. the three subgraphs (Salesforce 4001, SAP 4002, Teams 4003), pointed at the sandboxes,
 *   3. the supergraph composed from `schema/` into SUPERGRAPH_PATH, then the gateway (4000).
 * Each step waits for its processes' ready lines before the next starts; the launcher then prints
 * the gateway URL and a sample query.
 * Security on embedded defaults: a fresh INTERNAL_CONTEXT_SECRET per start (gateway and subgraphs
 * share it), and, unless the caller configured an identity provider (GATEWAY_JWKS_URL,
 * GATEWAY_JWKS_FILE, GATEWAY_JWT_SECRET or GATEWAY_AUTH_MODE), a development HS256 secret with a
 * token for the default tenant carrying every scope, written to `var/dev-token` (mode 0600). Ctrl-C (or SIGTERM) stops everything, gateway first.
 * Ports follow the components' own keys (GATEWAY_PORT, SALESFORCE_SUBGRAPH_PORT, ...). Child logs
 * are prefixed with the component's name; LOG_LEVEL defaults to `warn` here to keep the console
 * readable. This file spawns processes by path and never imports a subgraph.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { createLogger } from '../subgraphs/kit/logger';
import { listenPort } from '../subgraphs/kit/listenPort';
import { composeToFile } from './composeSupergraph';
import { ALL_SCOPES, signDevToken } from './devTokens';
import { SAMPLE_QUERY } from './sampleQuery';

const ROOT = path.resolve(__dirname, '..');

/** How long one step may take to report ready. @default 90_000 (the first start compiles TypeScript) */
const READY_TIMEOUT_MS = Number(process.env.STACK_READY_TIMEOUT_MS ?? 90_000);

interface Component {
  name: string;
  file: string;
  /** A stdout line matching this means the component is ready. */
  ready: RegExp;
  env?: Record<string, string>;
}

interface Running {
  component: Component;
  child: ChildProcess;
  exited: Promise<number | null>;
}

function prefixLines(stream: NodeJS.ReadableStream, name: string, out: NodeJS.WritableStream, onLine?: (line: string) => void): void {
  const rl = readline.createInterface({ input: stream });
  rl.on('line', (line) => {
    out.write(`[${name}] ${line}\n`);
    onLine?.(line);
  });
}

function launch(component: Component, baseEnv: NodeJS.ProcessEnv): { running: Running; ready: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', component.file], {
    cwd: ROOT,
    env: { ...baseEnv, ...component.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${component.name} did not report ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    prefixLines(child.stdout as NodeJS.ReadableStream, component.name, process.stdout, (line) => {
      if (component.ready.test(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
    prefixLines(child.stderr as NodeJS.ReadableStream, component.name, process.stderr);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${component.name} exited with code ${code} before it was ready`));
    });
  });
  return { running: { component, child, exited }, ready };
}

async function stopAll(running: Running[]): Promise<void> {
  // Reverse start order: the gateway first, the sandboxes last.
  for (const r of [...running].reverse()) {
    if (r.child.exitCode !== null || r.child.signalCode !== null) continue;
    r.child.kill('SIGTERM');
    const timer = setTimeout(() => r.child.kill('SIGKILL'), 5_000);
    await r.exited;
    clearTimeout(timer);
  }
}

/**
 * The file the Teams subgraph trusts through NODE_EXTRA_CA_CERTS: the Graph sandbox's self-signed
 * certificate, plus whatever extra CAs the caller already trusts that way (the variable takes one
 * file, and some machines set it to their corporate or system bundle).
 */
function trustBundle(tlsDir: string, existing: string | undefined): string {
  const sandboxCert = path.join(tlsDir, 'cert.pem');
  if (!existing || path.resolve(existing) === sandboxCert) return sandboxCert;
  let extra = '';
  try {
    extra = readFileSync(existing, 'utf8');
  } catch {
    return sandboxCert;
  }
  const bundle = path.join(tlsDir, 'trust-bundle.pem');
  writeFileSync(bundle, `${readFileSync(sandboxCert, 'utf8').trim()}\n${extra}`);
  return bundle;
}

/**
 * A fresh token for `POST /internal/invalidate` when the caller set none, written to
 * `var/internal-api-token` (mode 0600) so a developer can call the endpoint.
 */
function internalToken(): string {
  const token = randomBytes(24).toString('hex');
  const file = path.resolve(ROOT, 'var/internal-api-token');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** Where the development token is written. */
export const DEV_TOKEN_PATH = 'var/dev-token';
const DEV_ISSUER = 'lumina-dev';
const DEV_AUDIENCE = 'lumina-gateway';

/**
 * Development authentication when the caller configured none: a random HS256 secret for this start
 * and a 12-hour token of the default tenant with every scope, in `var/dev-token`.
 */
async function devAuth(env: NodeJS.ProcessEnv): Promise<boolean> {
  if (env.GATEWAY_JWKS_URL || env.GATEWAY_JWKS_FILE || env.GATEWAY_JWT_SECRET || env.GATEWAY_AUTH_MODE) return false;
  const secret = randomBytes(32).toString('hex');
  Object.assign(env, { GATEWAY_JWT_SECRET: secret, GATEWAY_JWT_ISSUER: DEV_ISSUER, GATEWAY_JWT_AUDIENCE: DEV_AUDIENCE });
  const token = await signDevToken({ secret, tenant: 'default', scopes: [...ALL_SCOPES, 'admin'], subject: 'developer', issuer: DEV_ISSUER, audience: DEV_AUDIENCE, expiresInS: 12 * 3600 });
  const file = path.resolve(ROOT, DEV_TOKEN_PATH);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return true;
}

/**
 * The CDC replay position of this start's Salesforce sandbox: the sandbox is seeded afresh on every
 * start, so a position from an earlier run means nothing and is removed.
 */
function sandboxReplayStore(): string {
  const file = path.resolve(ROOT, 'var/sandbox/salesforce-cdc-replay.json');
  rmSync(file, { force: true });
  return file;
}

export async function main(): Promise<void> {
  const log = createLogger('stack');
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  const gatewayPort = listenPort('GATEWAY_PORT', 4000);
  const subgraphPorts = {
    salesforce: listenPort('SALESFORCE_SUBGRAPH_PORT', 4001),
    sap: listenPort('SAP_SUBGRAPH_PORT', 4002),
    teams: listenPort('TEAMS_SUBGRAPH_PORT', 4003),
  };
  const sandboxPorts = {
    salesforce: listenPort('SALESFORCE_SANDBOX_PORT', 4011),
    sap: listenPort('SAP_SANDBOX_PORT', 4012),
    teams: listenPort('GRAPH_SANDBOX_PORT', 4013),
  };
  const supergraphPath = path.resolve(ROOT, process.env.SUPERGRAPH_PATH ?? 'var/supergraph.graphql');
  const tlsDir = path.resolve(ROOT, process.env.GRAPH_SANDBOX_TLS_DIR ?? 'var/sandbox/teams-tls');
  // The subgraphs talk to the sandboxes on their default URLs unless told otherwise.
  Object.assign(env, {
    SALESFORCE_LOGIN_URL: env.SALESFORCE_LOGIN_URL ?? `http://127.0.0.1:${sandboxPorts.salesforce}`,
    SAP_BASE_URL: env.SAP_BASE_URL ?? `http://127.0.0.1:${sandboxPorts.sap}`,
    GRAPH_AUTHORITY_HOST: env.GRAPH_AUTHORITY_HOST ?? `https://localhost:${sandboxPorts.teams}`,
    GRAPH_BASE_URL: env.GRAPH_BASE_URL ?? `https://localhost:${sandboxPorts.teams}`,
    SUPERGRAPH_PATH: supergraphPath,
    SALESFORCE_SUBGRAPH_URL: `http://127.0.0.1:${subgraphPorts.salesforce}/graphql`,
    SAP_SUBGRAPH_URL: `http://127.0.0.1:${subgraphPorts.sap}/graphql`,
    TEAMS_SUBGRAPH_URL: `http://127.0.0.1:${subgraphPorts.teams}/graphql`,
    // Gateway and subgraphs share the invalidation token (POST /internal/invalidate); events
    // invalidate through the gateway, which forwards to every subgraph.
    INTERNAL_API_TOKEN: env.INTERNAL_API_TOKEN ?? internalToken(),
    GATEWAY_INVALIDATE_URL: env.GATEWAY_INVALIDATE_URL ?? `http://127.0.0.1:${gatewayPort}/internal/invalidate`,
    // Event delivery from the sandboxes: SAP CloudEvents webhooks (Basic auth, a fresh secret per
    // start) and Graph change notifications, both to the subgraphs' own URLs.
    SAP_EVENTS_AUTH: env.SAP_EVENTS_AUTH ?? 'basic',
    SAP_EVENTS_USERNAME: env.SAP_EVENTS_USERNAME ?? 'event-mesh',
    SAP_EVENTS_PASSWORD: env.SAP_EVENTS_PASSWORD ?? randomBytes(24).toString('hex'),
    SAP_EVENTS_REGISTER_URL: env.SAP_EVENTS_REGISTER_URL ?? 'auto',
    TEAMS_NOTIFICATION_URL: env.TEAMS_NOTIFICATION_URL ?? 'auto',
    // The gateway signs who is calling; the subgraphs verify it (a fresh secret per start).
    INTERNAL_CONTEXT_SECRET: env.INTERNAL_CONTEXT_SECRET ?? randomBytes(32).toString('hex'),
  });
  const devToken = await devAuth(env);
  // Against the sandbox (no SALESFORCE_LOGIN_URL of the caller's), CDC starts from this run's events.
  if (!process.env.SALESFORCE_LOGIN_URL && !env.SALESFORCE_REPLAY_STORE) env.SALESFORCE_REPLAY_STORE = sandboxReplayStore();

  const running: Running[] = [];
  let stopping = false;
  const stop = (reason: string, code: number): void => {
    if (stopping) return;
    stopping = true;
    log.warn({ reason }, 'stopping the stack');
    stopAll(running).then(() => process.exit(code), () => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT', 0));
  process.on('SIGTERM', () => stop('SIGTERM', 0));

  const step = async (components: Component[]): Promise<void> => {
    const launched = components.map((c) => launch(c, env));
    for (const l of launched) {
      running.push(l.running);
      void l.running.exited.then((code) => { if (!stopping) stop(`${l.running.component.name} exited with code ${code}`, 1); });
    }
    await Promise.all(launched.map((l) => l.ready));
  };

  await step([{ name: 'sandboxes', file: 'subgraphs/sandboxes.ts', ready: /^Admin endpoints:/ }]);
  const trust = { NODE_EXTRA_CA_CERTS: trustBundle(tlsDir, process.env.NODE_EXTRA_CA_CERTS) };
  await step([
    { name: 'salesforce', file: 'subgraphs/salesforce/server.ts', ready: /subgraph ready at/ },
    { name: 'sap', file: 'subgraphs/sap/server.ts', ready: /subgraph ready at/ },
    { name: 'teams', file: 'subgraphs/teams/server.ts', ready: /subgraph ready at/, env: trust },
  ]);
  composeToFile(env);
  await step([{ name: 'gateway', file: 'gateway/server.ts', ready: /gateway ready at/ }]);

  const url = `http://localhost:${gatewayPort}/graphql`;
  process.stdout.write(`\nLumina Enterprise Graph is up: ${url}\n` +
    `Supergraph: ${path.relative(ROOT, supergraphPath)}  Sandboxes: 4011 Salesforce, 4012 SAP, 4013 Graph (see README)\n\n` +
    (devToken ? `Development token (default tenant, every scope and admin): ${DEV_TOKEN_PATH}\n` : '') +
    `IDE: http://localhost:${gatewayPort}/ide   Operations page: http://localhost:${gatewayPort}/admin\n\n` +
    `Try it:\n  curl -s ${url} -H 'content-type: application/json' \\\n` +
    (devToken ? `    -H "authorization: Bearer $(cat ${DEV_TOKEN_PATH})" \\\n` : '') +
    `    --data '${JSON.stringify({ query: SAMPLE_QUERY.replace(/\s+/g, ' ').trim() })}'\n\n` +
    `Sample query:\n${SAMPLE_QUERY}\nCtrl-C stops everything.\n\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    createLogger('stack').fatal({ err }, 'the stack failed to start');
    process.exit(1);
  });
}
