/**
 * Child process of the fan-out benchmark: `count` subscribers of one kind, each on its own socket.
 * - `graphql-ws`: a graphql-ws `createClient` (over `ws`) sending the benchmark's subscription;
 * - `raw`: a plain `ws` client of the raw broadcast server; each frame is parsed as a graphql-ws
 *   `next` message and its payload checked like a graphql-ws result.
 * On every result the subscriber first reads the clock, then checks the result (`readEvent`):
 * warm-ups (seq <= 0) only mark it ready, measured events must arrive exactly once and in order
 * (1, 2, ... K); latency = receive clock - the payload's `emittedAt`.
 * Requests: `connect`, `waitWarm`, `waitDone`, `report`, `close`, plus `clock` and `exit`.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { FANOUT_QUERY, FANOUT_VARIABLES, benchClock, readEvent } from './subscriptionFanoutEvent';
import { serveParent } from './subscriptionFanoutIpc';

export type SubscriberKind = 'graphql-ws' | 'raw';

interface ConnectBody {
  kind: SubscriberKind;
  url: string;
  count: number;
  events: number;
  concurrency: number;
}

const s = {
  count: 0,
  events: 0,
  closing: false,
  latencies: new Float64Array(0),
  next: new Int32Array(0),
  warm: new Uint8Array(0),
  warmed: 0,
  received: 0,
  errorCount: 0,
  errors: [] as string[],
  closers: [] as (() => Promise<void>)[],
  waiters: [] as (() => boolean)[],
};

function fail(i: number, why: string): void {
  s.errorCount += 1;
  if (s.errors.length < 10) s.errors.push(`subscriber ${i}: ${why}`);
}

function wakeWaiters(): void {
  if (s.waiters.length) s.waiters = s.waiters.filter((done) => !done());
}

function onResult(i: number, result: unknown, at: number): void {
  const ev = readEvent(result);
  if (typeof ev === 'string') return fail(i, ev);
  if (ev.seq <= 0) {
    if (!s.warm[i]) {
      s.warm[i] = 1;
      s.warmed += 1;
      wakeWaiters();
    }
    return;
  }
  const expected = s.next[i] ?? 0;
  if (ev.seq !== expected || ev.seq > s.events) return fail(i, `got event ${ev.seq}, expected ${expected}${ev.seq < expected ? ' (duplicate or out of order)' : ''}`);
  s.latencies[i * s.events + ev.seq - 1] = at - ev.emittedAt;
  s.next[i] = expected + 1;
  s.received += 1;
  wakeWaiters();
}

function connectGraphqlWs(i: number, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let connected = false;
    const client: Client = createClient({
      url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, lazyCloseTimeout: 0, keepAlive: 0,
      on: {
        connected: () => { connected = true; resolve(); },
        closed: (e) => {
          const code = (e as { code?: number }).code;
          if (!connected) reject(new Error(`closed before ack (${code})`));
          else if (!s.closing) fail(i, `socket closed (${code})`);
        },
      },
    });
    client.subscribe({ query: FANOUT_QUERY, variables: { ...FANOUT_VARIABLES } }, {
      next: (value) => onResult(i, value, benchClock()),
      error: (err) => { if (connected && !s.closing) fail(i, `error ${JSON.stringify(err).slice(0, 200)}`); },
      complete: () => { if (!s.closing) fail(i, 'completed by the server'); },
    });
    s.closers.push(async () => { await client.dispose(); });
  });
}

function connectRaw(i: number, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let open = false;
    ws.on('open', () => { open = true; resolve(); });
    ws.on('error', (err) => { if (!open) reject(err); else if (!s.closing) fail(i, err.message); });
    ws.on('close', (code) => { if (open && !s.closing) fail(i, `socket closed (${code})`); });
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString('utf8')) as { type?: string; payload?: unknown };
      const at = benchClock();
      if (msg.type !== 'next') return fail(i, `unexpected message type ${String(msg.type)}`);
      onResult(i, msg.payload, at);
    });
    s.closers.push(() => new Promise<void>((done) => {
      if (ws.readyState === WebSocket.CLOSED) return done();
      ws.once('close', () => done());
      ws.close(1000);
    }));
  });
}

async function connect(body: Record<string, unknown>): Promise<{ connected: number; failed: number; firstError: string | null; ms: number }> {
  const b = body as unknown as ConnectBody;
  Object.assign(s, {
    count: b.count, events: b.events, latencies: new Float64Array(b.count * b.events).fill(NaN),
    next: new Int32Array(b.count).fill(1), warm: new Uint8Array(b.count),
  });
  const t0 = performance.now();
  const out = { connected: 0, failed: 0, firstError: null as string | null };
  let nextIndex = 0;
  const lane = async (): Promise<void> => {
    for (let i = nextIndex++; i < b.count; i = nextIndex++) {
      try {
        await (b.kind === 'raw' ? connectRaw(i, b.url) : connectGraphqlWs(i, b.url));
        out.connected += 1;
      } catch (err) {
        out.failed += 1;
        out.firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, b.concurrency) }, lane));
  return { ...out, ms: performance.now() - t0 };
}

/** Resolves with `value()` once `done()` holds or after `timeoutMs`. */
function waitFor<T>(done: () => boolean, value: () => T, timeoutMs: number): Promise<T> {
  return new Promise((resolve) => {
    if (done()) return resolve(value());
    const timer = setTimeout(() => { s.waiters = s.waiters.filter((w) => w !== check); resolve(value()); }, timeoutMs);
    const check = (): boolean => {
      if (!done()) return false;
      clearTimeout(timer);
      resolve(value());
      return true;
    };
    s.waiters.push(check);
  });
}

serveParent({
  connect,
  waitWarm: (body) => waitFor(() => s.warmed >= s.count, () => s.warmed, Number(body.timeoutMs)),
  waitDone: (body) => waitFor(() => s.received >= s.count * s.events, () => s.received, Number(body.timeoutMs)),
  report: () => ({ latencies: s.latencies, errorCount: s.errorCount, errors: s.errors, received: s.received }),
  close: async () => {
    s.closing = true;
    await Promise.race([Promise.all(s.closers.map((c) => c())), new Promise((r) => setTimeout(r, 5_000))]);
    return true;
  },
});
