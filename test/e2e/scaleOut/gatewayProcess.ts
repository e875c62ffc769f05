/**
 * A gateway as a real child process (`node --import tsx gateway/server.ts`), configured by its
 * environment only, in front of a replica stack's supergraph: what a test kills with SIGKILL to show
 * what a crash (no drain, no close frames) does to its subscribers.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TEST_CONTEXT_SECRET, TEST_JWT } from '../federatedGraph/startStack';
import { INTERNAL_TOKEN, TEST_REDIS_URL } from './replicaStack';

const REPO = path.resolve(__dirname, '../../..');

export interface GatewayProcess {
  /** `http://127.0.0.1:<port>/graphql`, as printed in the `gateway ready at` line. */
  url: string;
  /** Whether the process has not exited yet. */
  alive(): boolean;
  /** Sends SIGKILL (if still alive) and resolves once the process has exited. */
  kill(): Promise<void>;
}

/** Spawns the gateway on `supergraphPath` and resolves once it printed `gateway ready at <url>`. */
export async function spawnGatewayProcess(supergraphPath: string, extraEnv: Record<string, string> = {}): Promise<GatewayProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lumina-scale-out-gw-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/server.ts'], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env, ...extraEnv,
      SUPERGRAPH_PATH: supergraphPath, GATEWAY_PORT: '0', GATEWAY_HOST: '127.0.0.1', GATEWAY_WORKERS: '1',
      INTERNAL_CONTEXT_SECRET: TEST_CONTEXT_SECRET, INTERNAL_API_TOKEN: INTERNAL_TOKEN,
      GATEWAY_JWT_SECRET: TEST_JWT.secret, GATEWAY_JWT_ISSUER: TEST_JWT.issuer, GATEWAY_JWT_AUDIENCE: TEST_JWT.audience,
      REDIS_URL: TEST_REDIS_URL, GATEWAY_RATE_LIMIT_TENANT: 'off', GATEWAY_RATE_LIMIT_CLIENT: 'off',
      AUDIT_LOG_PATH: path.join(dir, 'audit.log'), LOG_LEVEL: 'silent',
    },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => rmSync(dir, { recursive: true, force: true }));
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  const kill = async (): Promise<void> => {
    if (alive()) child.kill('SIGKILL');
    await exited;
  };
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        const m = /gateway ready at (\S+)/.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
      child.once('exit', (code, signal) => reject(new Error(`the gateway exited (${code ?? signal}) before it was ready: ${stderr.slice(0, 2_000)}`)));
    });
    return { url, alive, kill };
  } catch (err) {
    await kill();
    throw err;
  }
}
