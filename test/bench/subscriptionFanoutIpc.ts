/**
 * Request/reply over Node's IPC channel between the fan-out benchmark and its helper processes
 * (subgraphs, raw `ws` server, subscriber workers). A child is `node --import tsx <file>`, optionally
 * pinned with `taskset -c <core>`, with the `advanced` (structured clone) serialisation so typed
 * arrays cross intact. The child calls `serveParent(handlers)`, which announces readiness; every
 * child also answers `clock` (its `benchClock()`, for the skew estimate) and `exit`. Children exit
 * when the channel closes, and the parent SIGKILLs any child still alive when it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { benchClock } from './subscriptionFanoutEvent';

export type Handler = (body: Record<string, unknown>) => unknown;

interface Request {
  id: number;
  type: string;
  body: Record<string, unknown>;
}

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

export interface BenchChild {
  pid: number;
  request<T>(type: string, body?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  /** Asks the child to exit, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function send(message: unknown): void {
  if (!process.send) throw new Error('not started with an IPC channel');
  process.send(message);
}

/** In a child: answer the parent's requests with `handlers`, then announce readiness. */
export function serveParent(handlers: Record<string, Handler>): void {
  const all: Record<string, Handler> = {
    clock: () => benchClock(),
    exit: () => { setImmediate(() => process.exit(0)); return true; },
    ...handlers,
  };
  process.on('message', (m: Request) => {
    const handler = all[m.type];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown request ${m.type}`);
        return handler(m.body);
      })
      .then(
        (value) => send({ id: m.id, ok: true, value } satisfies Reply),
        (err: unknown) => send({ id: m.id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) } satisfies Reply),
      );
  });
  process.on('disconnect', () => process.exit(0));
  send({ ready: true });
}

/** Starts `file` as a child on `core` (null: unpinned) and resolves once it serves requests. */
export function startBenchChild(file: string, opts: { core: number | null; cwd: string; env?: Record<string, string>; nodeArgs?: string[] }): Promise<BenchChild> {
  const node = [process.execPath, '--import', 'tsx', ...(opts.nodeArgs ?? []), file];
  const argv = opts.core === null ? node : ['taskset', '-c', String(opts.core), ...node];
  const child = spawn(argv[0] ?? '', argv.slice(1), {
    cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced',
  });
  live.add(child);
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  child.on('message', (m: Reply | { ready: true }) => {
    if ('ready' in m) return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) p?.resolve(m.value);
    else p?.reject(new Error(`${file}: ${m.error ?? 'failed'}`));
  });
  child.once('exit', (code, signal) => {
    live.delete(child);
    for (const p of pending.values()) p.reject(new Error(`${file} exited (${code ?? signal})`));
    pending.clear();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const api: BenchChild = {
    pid: child.pid ?? -1,
    request: <T>(type: string, body: Record<string, unknown> = {}, timeoutMs = 120_000) => new Promise<T>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => { pending.delete(id); reject(new Error(`${file}: no answer to ${type} within ${timeoutMs} ms`)); }, timeoutMs);
      pending.set(id, {
        resolve: (v) => { clearTimeout(timer); resolve(v as T); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      child.send({ id, type, body } satisfies Request);
    }),
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      api.request('exit', {}, graceMs).catch(() => undefined);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`${file} exited (${code}) before it was ready`));
    child.once('exit', onExit);
    child.once('message', () => { child.off('exit', onExit); resolve(api); });
  });
}

/**
 * The child's clock minus ours (ms), from the exchange with the shortest round trip of `rounds`;
 * the error is at most half that round trip.
 */
export async function clockOffset(child: BenchChild, rounds = 7): Promise<{ offsetMs: number; rttMs: number }> {
  let best = { offsetMs: 0, rttMs: Infinity };
  for (let i = 0; i < rounds; i += 1) {
    const t0 = benchClock();
    const theirs = await child.request<number>('clock');
    const t1 = benchClock();
    if (t1 - t0 < best.rttMs) best = { offsetMs: theirs - (t0 + t1) / 2, rttMs: t1 - t0 };
  }
  return best;
}
