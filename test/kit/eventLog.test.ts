import { randomUUID } from 'node:crypto';
import net from 'node:net';
import Redis from 'ioredis';
import pino from 'pino';
import type { EntityEvent } from '../../schema/eventEnvelope';
import { compareCursors, createEventLog, createMemoryEventLog, type EventLog, type LoggedEvent } from '../../subgraphs/kit/eventLog';

const REDIS_URL = 'redis://127.0.0.1:6379';
const silent = pino({ level: 'silent' });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const event = (n: number | string): EntityEvent => ({
  id: `sap:test:${n}`, type: 'SalesOrderChanged', system: 'sap', tenant: 'default', entity: { type: 'SalesOrder', id: String(n) },
  changeType: 'UPDATED', changedFields: ['status'], occurredAt: '2026-01-01T00:00:00.000Z', attributes: { soldTo: '1000001' },
});
const ids = (entries: LoggedEvent[]): string[] => entries.map((e) => e.event.entity.id);

interface Harness {
  log: EventLog;
  /** Lets `ms` of the log's clock pass. */
  advance(ms: number): Promise<void>;
}

interface Impl {
  name: string;
  make(retentionMs?: number): Harness;
  cleanup(): Promise<void>;
}

function memoryImpl(): Impl {
  return {
    name: 'memory',
    make(retentionMs) {
      let clock = 1_700_000_000_000;
      const log = createMemoryEventLog({ retentionMs, now: () => clock });
      return { log, advance: async (ms) => { clock += ms; } };
    },
    cleanup: async () => undefined,
  };
}

function redisImpl(): Impl {
  const streams: string[] = [];
  return {
    name: 'redis',
    make(retentionMs) {
      const stream = `lumina:test:events:${randomUUID()}`;
      streams.push(stream);
      // Redis's clock runs on its own: wait it out.
      return { log: createEventLog({ redisUrl: REDIS_URL, stream, retentionMs, logger: silent }), advance: (ms) => sleep(ms + 5) };
    },
    async cleanup() {
      const admin = new Redis(REDIS_URL);
      try {
        for (const stream of streams.splice(0)) {
          const keys = await admin.keys(`${stream}*`);
          if (keys.length > 0) await admin.del(...keys);
        }
      } finally {
        admin.disconnect();
      }
    },
  };
}

describe.each([memoryImpl(), redisImpl()])('event log contract ($name)', (impl) => {
  const open: EventLog[] = [];
  const make = (retentionMs?: number): Harness => {
    const h = impl.make(retentionMs);
    open.push(h.log);
    return h;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((l) => l.close()));
    await impl.cleanup();
  });

  it('is of the expected kind and reports 0-0 as the head of an empty log', async () => {
    const { log } = make();
    expect(log.kind).toBe(impl.name);
    expect(await log.head()).toBe('0-0');
    expect(await log.read(undefined)).toEqual([]);
  });

  it('keeps appended events in order under increasing cursors, and head is the last cursor', async () => {
    const { log } = make();
    const cursors: string[] = [];
    for (const n of [1, 2, 3]) cursors.push((await log.append(event(n))).cursor);
    expect([...cursors].sort(compareCursors)).toEqual(cursors);
    expect(new Set(cursors).size).toBe(3);
    const all = await log.read(undefined);
    expect(all.map((e) => e.cursor)).toEqual(cursors);
    expect(all[0]?.event).toEqual(event(1));
    expect(await log.head()).toBe(cursors[2]);
  });

  it('replays only the entries strictly after a cursor, up to the limit', async () => {
    const { log } = make();
    const first = await log.append(event(1));
    for (const n of [2, 3, 4]) await log.append(event(n));
    expect(ids(await log.read(first.cursor))).toEqual(['2', '3', '4']);
    expect(ids(await log.read(first.cursor, 2))).toEqual(['2', '3']);
    expect(await log.read(await log.head())).toEqual([]);
  });

  it('drops a duplicate event id, answering the first copy cursor', async () => {
    const { log } = make();
    const first = await log.append(event(1));
    const again = await log.append({ ...event(1), changedFields: ['other'] });
    expect(again).toEqual({ cursor: first.cursor, duplicate: true });
    expect(first.duplicate).toBe(false);
    expect(await log.read(undefined)).toHaveLength(1);
  });

  it('stores exactly one of several concurrent appends of the same event', async () => {
    const { log } = make();
    const results = await Promise.all(Array.from({ length: 8 }, () => log.append(event('same'))));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set(results.map((r) => r.cursor)).size).toBe(1);
    expect(await log.read(undefined)).toHaveLength(1);
  });

  it('trims entries older than the retention, and forgets their ids', async () => {
    const { log, advance } = make(50);
    await log.append(event('old'));
    await advance(60);
    await log.append(event('new'));
    expect(ids(await log.read(undefined))).toEqual(['new']);
    expect((await log.append(event('old'))).duplicate).toBe(false);
  });

  it('follows from a cursor: replays what came after it, then wakes on each append', async () => {
    const { log } = make();
    const first = await log.append(event(1));
    await log.append(event(2));
    const ac = new AbortController();
    const it = log.follow(first.cursor, ac.signal);
    try {
      expect((await it.next()).value?.event.entity.id).toBe('2');
      const pending = it.next();
      await log.append(event(3));
      expect((await pending).value?.event.entity.id).toBe('3');
    } finally {
      ac.abort();
    }
  });

  it('follows without a cursor from now on only', async () => {
    const { log } = make();
    await log.append(event('before'));
    const ac = new AbortController();
    const it = log.follow(undefined, ac.signal);
    try {
      let settled: IteratorResult<LoggedEvent> | undefined;
      const next = it.next().then((r) => { settled = r; });
      // Where "now" begins is up to the log: keep appending until the follower sees something.
      for (let n = 0; settled === undefined; n += 1) {
        await log.append(event(`live-${n}`));
        await sleep(5);
      }
      await next;
      expect(settled.value?.event.entity.id).toMatch(/^live-/);
    } finally {
      ac.abort();
    }
  });

  it('ends a waiting follower when its signal aborts', async () => {
    const { log } = make();
    await log.append(event(1));
    const ac = new AbortController();
    const pending = log.follow(await log.head(), ac.signal).next();
    await sleep(20);
    ac.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
  });

  it('ends a waiting follower when the log closes', async () => {
    const { log } = make();
    const pending = log.follow('0-0').next();
    await sleep(20);
    await log.close();
    expect((await pending).done).toBe(true);
  });
});

describe('createEventLog', () => {
  it('uses the in-process log without a Redis URL', async () => {
    const log = createEventLog({ stream: 'lumina:test', logger: silent });
    expect(log.kind).toBe('memory');
    await log.close();
  });

  it('refuses a retention that is not a positive integer', () => {
    expect(() => createEventLog({ stream: 's', retentionMs: 0, logger: silent })).toThrow(/retentionMs/);
    expect(() => createEventLog({ stream: 's', retentionMs: Number.NaN, logger: silent })).toThrow(/retentionMs/);
  });

  it('rejects an append when Redis is unreachable', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(p));
      });
    });
    const log = createEventLog({ redisUrl: `redis://127.0.0.1:${port}`, stream: 'lumina:test:down', logger: silent });
    try {
      await expect(log.append(event(1))).rejects.toThrow();
    } finally {
      await log.close();
    }
  });
});
