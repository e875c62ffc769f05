/**
 * `GATEWAY_WORKERS=2` for real: `node --import tsx gateway/server.ts` forks two gateway workers on
 * one port in front of the e2e stack's subgraphs. Which process answered is read from the workers'
 * own `graphql request` log lines (pino writes each process's `pid`; requests are matched by the
 * `x-request-id` the test sends), so nothing is added to responses.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startStack, testToken, TEST_CONTEXT_SECRET, TEST_JWT, type Stack } from '../e2e/federatedGraph/startStack';

const REPO = path.resolve(__dirname, '../..');
const INTERNAL_TOKEN = 'cluster-test-internal-token-0123456789';
const ORDER = '{ salesOrder(id: "21") { id number status } }';

interface LogLine {
  pid?: number;
  msg?: string;
  requestId?: string;
  cache?: string;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: { data?: Record<string, unknown> | null; errors?: unknown[] };
}

/** POST on a fresh connection (`agent: false`), so the primary hands each one to a worker in turn. */
function post(url: string, headers: Record<string, string>, body: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as Answer['body'] }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('gateway cluster (GATEWAY_WORKERS=2)', () => {
  let stack: Stack;
  let child: ChildProcess | undefined;
  let exited: Promise<number | null>;
  let dir: string;
  let url: string;
  let token: string;
  const logs: LogLine[] = [];
  let requests = 0;

  /** Pids of the workers that announced themselves (the primary logs the same message with its own pid). */
  const workerPids = (): number[] => [...new Set(logs.filter((l) => l.msg === 'gateway worker ready' && l.pid !== child?.pid).map((l) => l.pid ?? 0))];
  /** The log line of a request with this id, once a worker wrote it. */
  const logOf = async (requestId: string): Promise<LogLine> => {
    for (let i = 0; i < 500; i++) {
      const line = logs.find((l) => l.msg === 'graphql request' && l.requestId === requestId);
      if (line) return line;
      await sleep(10);
    }
    throw new Error(`no log line for request ${requestId}`);
  };
  /** Runs `query` on a fresh connection; resolves the answer and the pid and cache outcome of the worker that served it. */
  const query = async (text: string): Promise<{ answer: Answer; pid: number; cache: string }> => {
    requests += 1;
    const requestId = `cluster-test-${requests}`;
    const answer = await post(url, { authorization: `Bearer ${token}`, 'x-request-id': requestId }, { query: text });
    const line = await logOf(requestId);
    return { answer, pid: line.pid ?? 0, cache: line.cache ?? '' };
  };
  /** Queries `text` until both workers answered; the cache outcome of each worker's first answer. */
  const firstAnswerPerWorker = async (text: string): Promise<Map<number, string>> => {
    const first = new Map<number, string>();
    for (let i = 0; i < 12 && first.size < 2; i++) {
      const r = await query(text);
      expect(r.answer.status).toBe(200);
      if (!first.has(r.pid)) first.set(r.pid, r.cache);
    }
    return first;
  };
  /** Queries `text` until each worker has answered it from its cache. */
  const warmBoth = async (text: string): Promise<void> => {
    const hits = new Set<number>();
    for (let i = 0; i < 12 && hits.size < 2; i++) {
      const r = await query(text);
      if (r.cache === 'hit') hits.add(r.pid);
    }
    expect(hits.size).toBe(2);
  };

  beforeAll(async () => {
    stack = await startStack({ caches: true });
    token = await testToken();
    dir = mkdtempSync(path.join(tmpdir(), 'lumina-cluster-'));
    child = spawn(process.execPath, ['--import', 'tsx', 'gateway/server.ts'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        GATEWAY_WORKERS: '2', SUPERGRAPH_PATH: stack.supergraphPath, GATEWAY_PORT: '0', INTERNAL_CONTEXT_SECRET: TEST_CONTEXT_SECRET,
        GATEWAY_JWT_SECRET: TEST_JWT.secret, GATEWAY_JWT_ISSUER: TEST_JWT.issuer, GATEWAY_JWT_AUDIENCE: TEST_JWT.audience,
        GATEWAY_RATE_LIMIT_TENANT: 'off', GATEWAY_RATE_LIMIT_CLIENT: 'off', GATEWAY_RESPONSE_CACHE: 'true', REDIS_URL: '',
        INTERNAL_API_TOKEN: INTERNAL_TOKEN, GATEWAY_SHUTDOWN_GRACE_MS: '5000', AUDIT_LOG_PATH: path.join(dir, 'audit.log'), LOG_LEVEL: 'info',
      },
    });
    const proc = child;
    exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
    let stderr = '';
    proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    url = await new Promise<string>((resolve, reject) => {
      let pending = '';
      proc.stdout!.on('data', (c: Buffer) => {
        pending += c.toString('utf8');
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const m = /^gateway ready at (\S+)$/.exec(line);
          if (m) resolve(m[1]!);
          else if (line.startsWith('{')) logs.push(JSON.parse(line) as LogLine);
        }
      });
      proc.once('exit', (code) => reject(new Error(`the gateway exited with ${code} before it was ready: ${stderr.slice(0, 2_000)}`)));
    });
  }, 120_000);
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    for (const pid of workerPids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('announces readiness once and serves requests from two worker processes on one port', async () => {
    const pids = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const r = await query(ORDER);
      expect(r.answer.status).toBe(200);
      expect(r.answer.body.errors).toBeUndefined();
      pids.add(r.pid);
    }
    expect(pids.size).toBe(2);
    expect(pids.has(child!.pid!)).toBe(false);
  });

  it('evicts an entry in every worker when the invalidation endpoint reached only one of them', async () => {
    await warmBoth(ORDER);
    const res = await post(url.replace('/graphql', '/internal/invalidate'), { authorization: `Bearer ${INTERNAL_TOKEN}` }, { tags: ['SalesOrder:21'] });
    expect(res.status).toBe(200);
    const first = await firstAnswerPerWorker(ORDER);
    expect([...first.values()]).toEqual(['miss', 'miss']);
  });

  it('evicts in every worker what a mutation served by one of them changed', async () => {
    await warmBoth(ORDER);
    const before = (await query(ORDER)).answer.body.data as { salesOrder: { status: string } };
    const target = before.salesOrder.status === 'COMPLETED' ? 'IN_PROCESS' : 'COMPLETED';
    const m = await query(`mutation { updateSalesOrderStatus(id: "21", status: ${target}) { id status } }`);
    expect(m.answer.body.errors).toBeUndefined();
    const first = await firstAnswerPerWorker(ORDER);
    expect([...first.values()]).toEqual(['miss', 'miss']);
  });

  it('replaces a worker that dies', async () => {
    const known = new Set(workerPids());
    const victim = (await query(ORDER)).pid;
    process.kill(victim, 'SIGKILL');
    let replacement: number | undefined;
    for (let i = 0; i < 1_000 && replacement === undefined; i++) {
      replacement = workerPids().find((pid) => !known.has(pid));
      if (replacement === undefined) await sleep(20);
    }
    expect(replacement).toBeDefined();
    const first = await firstAnswerPerWorker(ORDER);
    expect(first.has(replacement!)).toBe(true);
    expect(first.has(victim)).toBe(false);
  });

  it('stops every worker and exits 0 on SIGTERM', async () => {
    const workers = workerPids();
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
    const alive = workers.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  });
});
