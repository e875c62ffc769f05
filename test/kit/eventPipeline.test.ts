import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { EntityEvent } from '../../schema/eventEnvelope';
import { createEntityCache, type EntityCache } from '../../subgraphs/kit/entityCache';
import { createMemoryEventLog, type EventLog } from '../../subgraphs/kit/eventLog';
import { createEventPipeline, InvalidEventError } from '../../subgraphs/kit/eventPipeline';

const silent = pino({ level: 'silent' });

const order = (id: string, tenant = 'default'): EntityEvent => ({
  id: `sap:/sap/s4:${id}`, type: 'SalesOrderChanged', system: 'sap', tenant, entity: { type: 'SalesOrder', id },
  changeType: 'UPDATED', changedFields: ['status'], occurredAt: '2026-01-01T00:00:00.000Z',
});

interface GatewayCall { authorization: string | undefined; body: unknown }

/** A real HTTP server in place of the gateway's POST /internal/invalidate. */
async function startGateway(status = 200): Promise<{ url: string; calls: GatewayCall[]; close(): Promise<void> }> {
  const calls: GatewayCall[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => { raw += c.toString(); });
    req.on('end', () => {
      calls.push({ authorization: req.headers.authorization, body: JSON.parse(raw) as unknown });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"evicted":0}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/internal/invalidate`, calls, close: () => new Promise((r) => server.close(() => r())) };
}

function cacheWith(entries: Array<[tenant: string, id: string]>): EntityCache {
  const cache = createEntityCache();
  for (const [tenant, id] of entries) cache.set(tenant, 'SalesOrder', id, { id }, { tags: [`SalesOrder:${id}`] });
  return cache;
}

/** A logger that records warnings, to see that a failed gateway call is reported. */
function recordingLogger(): { logger: pino.Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => { warnings.push((JSON.parse(line) as { msg: string }).msg); } });
  return { logger, warnings };
}

describe('event pipeline', () => {
  it('appends, then evicts the entity and extra tags for the event tenant, then tells the gateway with the bearer token', async () => {
    const gateway = await startGateway();
    try {
      const log = createMemoryEventLog();
      const cache = cacheWith([['default', '1'], ['default', '2'], ['other', '1']]);
      const pipeline = createEventPipeline({ log, entityCache: cache, logger: silent, invalidateUrl: gateway.url, token: 's3cret' });
      const result = await pipeline.publish(order('1'), ['SalesOrder:2']);
      await pipeline.drain();
      expect(result.duplicate).toBe(false);
      expect((await log.read(undefined)).map((l) => l.cursor)).toEqual([result.cursor]);
      expect([cache.peek('default', 'SalesOrder', '1'), cache.peek('default', 'SalesOrder', '2')]).toEqual([undefined, undefined]);
      expect(cache.peek('other', 'SalesOrder', '1')).toEqual({ value: { id: '1' } });
      expect(gateway.calls).toEqual([{ authorization: 'Bearer s3cret', body: { tags: ['SalesOrder:1', 'SalesOrder:2'], tenant: 'default' } }]);
    } finally {
      await gateway.close();
    }
  });

  it('invalidates only after the append succeeded', async () => {
    const seen: string[] = [];
    const inner = createMemoryEventLog();
    const log: EventLog = { ...inner, append: async (e) => { seen.push(`append, cached=${cache.peek('default', 'SalesOrder', '1') !== undefined}`); return inner.append(e); } };
    const cache = cacheWith([['default', '1']]);
    await createEventPipeline({ log, entityCache: cache, logger: silent }).publish(order('1'));
    expect(seen).toEqual(['append, cached=true']);
    expect(cache.peek('default', 'SalesOrder', '1')).toBeUndefined();
  });

  it('rejects when the log cannot append and invalidates nothing', async () => {
    const gateway = await startGateway();
    try {
      const log: EventLog = { ...createMemoryEventLog(), append: () => Promise.reject(new Error('redis down')) };
      const cache = cacheWith([['default', '1']]);
      const pipeline = createEventPipeline({ log, entityCache: cache, logger: silent, invalidateUrl: gateway.url, token: 't' });
      await expect(pipeline.publish(order('1'))).rejects.toThrow('redis down');
      await pipeline.drain();
      expect(cache.peek('default', 'SalesOrder', '1')).toEqual({ value: { id: '1' } });
      expect(gateway.calls).toEqual([]);
    } finally {
      await gateway.close();
    }
  });

  it('does not invalidate again for a duplicate event', async () => {
    const gateway = await startGateway();
    try {
      const cache = cacheWith([['default', '1']]);
      const pipeline = createEventPipeline({ log: createMemoryEventLog(), entityCache: cache, logger: silent, invalidateUrl: gateway.url });
      const first = await pipeline.publish(order('1'));
      cache.set('default', 'SalesOrder', '1', { id: '1', reloaded: true }, { tags: ['SalesOrder:1'] });
      const again = await pipeline.publish(order('1'));
      await pipeline.drain();
      expect(again).toEqual({ cursor: first.cursor, duplicate: true });
      expect(cache.peek('default', 'SalesOrder', '1')).toEqual({ value: { id: '1', reloaded: true } });
      expect(gateway.calls).toHaveLength(1);
      expect(gateway.calls[0]?.authorization).toBeUndefined();
    } finally {
      await gateway.close();
    }
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [order('1')]],
    ['an unknown key', { ...order('1'), extra: 1 }],
    ['a foreign system', { ...order('1'), system: 'teams' }],
    ['a bad tenant', { ...order('1'), tenant: 'a/b' }],
    ['a huge id', { ...order('1'), id: 'x'.repeat(10_000) }],
  ])('refuses %s with InvalidEventError, appending and invalidating nothing', async (_what, raw) => {
    const log = createMemoryEventLog();
    const cache = cacheWith([['default', '1']]);
    const pipeline = createEventPipeline({ log, entityCache: cache, logger: silent });
    await expect(pipeline.publish(raw)).rejects.toBeInstanceOf(InvalidEventError);
    expect(await log.read(undefined)).toEqual([]);
    expect(cache.peek('default', 'SalesOrder', '1')).toBeDefined();
  });

  it('logs a gateway that is down or refuses, and still resolves the publish', async () => {
    const refusing = await startGateway(503);
    const down = await startGateway();
    await down.close();
    try {
      for (const url of [refusing.url, down.url]) {
        const { logger, warnings } = recordingLogger();
        const cache = cacheWith([['default', '1']]);
        const pipeline = createEventPipeline({ log: createMemoryEventLog(), entityCache: cache, logger, invalidateUrl: url, token: 't' });
        await expect(pipeline.publish(order('1'))).resolves.toEqual(expect.objectContaining({ duplicate: false }));
        await pipeline.drain();
        expect(cache.peek('default', 'SalesOrder', '1')).toBeUndefined();
        expect(warnings).toEqual([expect.stringMatching(/gateway (refused the invalidation|invalidation failed)/)]);
      }
      expect(refusing.calls).toHaveLength(1);
    } finally {
      await refusing.close();
    }
  });
});
