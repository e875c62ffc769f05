import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import Redis from 'ioredis';
import pino from 'pino';
import type { EntityEvent } from '../../schema/eventEnvelope';
import { createEventLog, createMemoryEventLog, type EventLog, type LoggedEvent } from '../../subgraphs/kit/eventLog';
import { subscribeFromLog } from '../../subgraphs/kit/logSubscription';

const event = (n: number, tenant = 'default'): EntityEvent => ({
  id: `teams:sub:${n}`, type: 'MessagePosted', system: 'teams', tenant, entity: { type: 'Message', id: String(n) },
  changeType: 'CREATED', changedFields: [], occurredAt: '2026-01-01T00:00:00.000Z',
});
const all = (): boolean => true;
const idOf = async ({ event: e }: LoggedEvent): Promise<string> => e.entity.id;

/** A memory log whose follow signals the test can inspect. */
function observedLog(): { log: EventLog; signals: (AbortSignal | undefined)[] } {
  const inner = createMemoryEventLog();
  const signals: (AbortSignal | undefined)[] = [];
  return { log: { ...inner, follow: (after, signal) => { signals.push(signal); return inner.follow(after, signal); } }, signals };
}

describe('subscribeFromLog', () => {
  it('replays the events after the cursor in order, then delivers new ones', async () => {
    const log = createMemoryEventLog();
    const first = await log.append(event(1));
    await log.append(event(2));
    await log.append(event(3));
    const sub = subscribeFromLog({ log, after: first.cursor, filter: all, resolve: idOf });
    try {
      expect((await sub.next()).value).toBe('2');
      expect((await sub.next()).value).toBe('3');
      const live = sub.next();
      await log.append(event(4));
      expect((await live).value).toBe('4');
    } finally {
      await sub.return?.();
    }
  });

  it('starts live when after is null or omitted', async () => {
    const log = createMemoryEventLog();
    await log.append(event(1));
    for (const after of [null, undefined]) {
      const sub = subscribeFromLog({ log, after, filter: all, resolve: idOf });
      try {
        const next = sub.next();
        await log.append(event(after === null ? 2 : 3));
        expect((await next).value).toBe(after === null ? '2' : '3');
      } finally {
        await sub.return?.();
      }
    }
  });

  it('delivers only the events the filter accepts (e.g. the subscriber tenant)', async () => {
    const log = createMemoryEventLog();
    for (const [n, tenant] of [[1, 'acme'], [2, 'other'], [3, 'acme']] as const) await log.append(event(n, tenant));
    const sub = subscribeFromLog({ log, after: '0-0', filter: (e) => e.tenant === 'acme', resolve: idOf });
    try {
      expect([(await sub.next()).value, (await sub.next()).value]).toEqual(['1', '3']);
    } finally {
      await sub.return?.();
    }
  });

  it('skips events whose resolve answers null', async () => {
    const log = createMemoryEventLog();
    for (const n of [1, 2, 3]) await log.append(event(n));
    const sub = subscribeFromLog({ log, after: '0-0', filter: all, resolve: async (l) => (l.event.entity.id === '2' ? null : l.cursor) });
    try {
      const delivered = [(await sub.next()).value, (await sub.next()).value];
      expect(delivered).toEqual((await log.read(undefined)).filter((l) => l.event.entity.id !== '2').map((l) => l.cursor));
    } finally {
      await sub.return?.();
    }
  });

  it.each(['yesterday', '1-2-3', '-1-0', '(1-0', '1-0\n', '1'.repeat(17) + '-0', '', '1.5-0', '١-٠'])(
    'refuses the malformed after cursor %j with BAD_USER_INPUT and follows nothing',
    (after) => {
      const { log, signals } = observedLog();
      let thrown: unknown;
      try {
        subscribeFromLog({ log, after, filter: all, resolve: idOf });
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(GraphQLError);
      expect((thrown as GraphQLError).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
      expect(signals).toEqual([]);
    },
  );

  it('return() ends a subscriber waiting for the next event and stops following the log', async () => {
    const { log, signals } = observedLog();
    const sub = subscribeFromLog({ log, filter: all, resolve: idOf });
    const waiting = sub.next();
    expect(await sub.return?.()).toEqual({ done: true, value: undefined });
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(signals[0]?.aborted).toBe(true);
    await log.append(event(9));
    expect(await sub.next()).toEqual({ done: true, value: undefined });
  });

  it('return() releases a Redis follower blocked in XREAD', async () => {
    const stream = `lumina:test:sub:${randomUUID()}`;
    const log = createEventLog({ redisUrl: 'redis://127.0.0.1:6379', stream, logger: pino({ level: 'silent' }) });
    const admin = new Redis('redis://127.0.0.1:6379');
    try {
      const first = await log.append(event(1));
      const sub = subscribeFromLog({ log, after: first.cursor, filter: all, resolve: idOf });
      const waiting = sub.next();
      await log.append(event(2));
      expect((await waiting).value).toBe('2');
      const blocked = sub.next();
      await sub.return?.();
      expect(await blocked).toEqual({ done: true, value: undefined });
    } finally {
      await log.close();
      const keys = await admin.keys(`${stream}*`);
      if (keys.length > 0) await admin.del(...keys);
      admin.disconnect();
    }
  });
});
