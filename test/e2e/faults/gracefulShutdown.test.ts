/**
 * SIGTERM under load, end to end: the gateway runs as a real child process
 * (`node --import tsx gateway/server.ts`, configured by its environment only) in front of the
 * stack's subgraphs. With Salesforce slowed down, 30 queries are in flight when the process gets
 * SIGTERM: every one of them completes with 200 and its data, new connections are refused, and the
 * process exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { countOf, startStack, testToken, TEST_CONTEXT_SECRET, TEST_JWT, type Stack } from '../federatedGraph/startStack';

const REPO = path.resolve(__dirname, '../../..');
const IN_FLIGHT = 30;
/** Salesforce's added latency while the queries are in flight: long enough that SIGTERM arrives first. */
const LATENCY_MS = 2_500;

interface Answer {
  status: number;
  body: { data?: { contacts?: { nodes: unknown[] } } | null; errors?: unknown[] };
}

/** POST on a fresh connection (`agent: false`: closed after the answer, so none lingers idle). */
function post(url: string, token: string, query: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer['body'] }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ query }));
  });
}

/** Whether a new TCP connection to `port` is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('SIGTERM under load', () => {
  let stack: Stack;
  let child: ChildProcess | undefined;
  let dir: string;
  let url: string;
  let exited: Promise<number | null>;

  beforeAll(async () => {
    stack = await startStack();
    dir = mkdtempSync(path.join(tmpdir(), 'lumina-sigterm-'));
    child = spawn(process.execPath, ['--import', 'tsx', 'gateway/server.ts'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        SUPERGRAPH_PATH: stack.supergraphPath, GATEWAY_PORT: '0', INTERNAL_CONTEXT_SECRET: TEST_CONTEXT_SECRET,
        GATEWAY_JWT_SECRET: TEST_JWT.secret, GATEWAY_JWT_ISSUER: TEST_JWT.issuer, GATEWAY_JWT_AUDIENCE: TEST_JWT.audience,
        GATEWAY_RATE_LIMIT_TENANT: 'off', GATEWAY_RATE_LIMIT_CLIENT: 'off', GATEWAY_RESPONSE_CACHE: 'false',
        GATEWAY_SHUTDOWN_GRACE_MS: '30000', AUDIT_LOG_PATH: path.join(dir, 'audit.log'), LOG_LEVEL: 'silent',
      },
    });
    const proc = child;
    exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
    let stderr = '';
    proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        const m = /gateway ready at (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      proc.once('exit', (code) => reject(new Error(`the gateway exited with ${code} before it was ready: ${stderr.slice(0, 2_000)}`)));
    });
  }, 120_000);
  afterAll(async () => {
    stack?.sandboxes.salesforce.faults.clear();
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finishes every in-flight request with 200 and data, refuses new connections, and exits 0', async () => {
    const token = await testToken();
    const warm = await post(url, token, '{ contacts(first: 1) { nodes { id } } }');
    expect(warm.status).toBe(200);

    stack.sandboxes.salesforce.faults.set({ latencyMs: LATENCY_MS, pathPrefix: '/services/data' });
    stack.resetCounters();
    let settled = 0;
    const inFlight = Array.from({ length: IN_FLIGHT }, (_, i) => post(url, token, `{ contacts(first: ${i + 1}) { nodes { id } } }`).finally(() => (settled += 1)));
    // All of them have reached Salesforce (and wait there) before the signal.
    for (let i = 0; i < 400 && countOf(stack.counts().salesforce, /\/query$/) < IN_FLIGHT; i++) await sleep(10);
    expect(countOf(stack.counts().salesforce, /\/query$/)).toBeGreaterThanOrEqual(IN_FLIGHT);
    const settledAtSignal = settled;
    child!.kill('SIGTERM');

    const port = Number(new URL(url).port);
    let wasRefused = false;
    for (let i = 0; i < 200 && !wasRefused; i++) {
      wasRefused = await refused(port);
      if (!wasRefused) await sleep(10);
    }
    expect(wasRefused).toBe(true);

    const answers = await Promise.all(inFlight);
    expect(settledAtSignal).toBe(0);
    answers.forEach((a, i) => {
      expect({ i, status: a.status, errors: a.body.errors }).toEqual({ i, status: 200, errors: undefined });
      expect(a.body.data?.contacts?.nodes).toHaveLength(i + 1);
    });
    expect(await exited).toBe(0);
  }, 60_000);
});
