import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import pino from 'pino';
import type { EntityEvent } from '../../schema/eventEnvelope';
import { createEventLog, createMemoryEventLog, type EventLog } from '../../subgraphs/kit/eventLog';
import { handleRecentEvents, parseRecentLimit, RECENT_EVENTS_PATH } from '../../subgraphs/kit/recentEventsEndpoint';

const REDIS_URL = 'redis://127.0.0.1:6379';
const TOKEN = 'recent-events-test-token';
const silent = pino({ level: 'silent' });

const event = (n: number): EntityEvent => ({
  id: `sap:recent:${n}`, type: 'SalesOrderChanged', system: 'sap', tenant: 'default', entity: { type: 'SalesOrder', id: String(n) },
  changeType: 'UPDATED', changedFields: ['status'], occurredAt: '2026-01-01T00:00:00.000Z',
});

describe.each([
  ['memory', () => createMemoryEventLog()],
  ['redis', () => createEventLog({ redisUrl: REDIS_URL, stream: `lumina:test:recent:${randomUUID()}`, logger: silent })],
])('EventLog.recent (%s)', (_name, make) => {
  let log: EventLog;
  beforeEach(() => {
    log = make();
  });
  afterEach(async () => {
    await log.close();
  });
  afterAll(async () => {
    const admin = new Redis(REDIS_URL);
    const keys = await admin.keys('lumina:test:recent:*');
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  });

  it('returns the newest N entries, newest first, with their cursors', async () => {
    const cursors: string[] = [];
    for (let n = 1; n <= 5; n += 1) cursors.push((await log.append(event(n))).cursor);
    const recent = await log.recent(3);
    expect(recent.map((e) => e.event.entity.id)).toEqual(['5', '4', '3']);
    expect(recent.map((e) => e.cursor)).toEqual([cursors[4], cursors[3], cursors[2]]);
  });

  it('returns fewer when the log is shorter, and none for a limit below 1 or an empty log', async () => {
    expect(await log.recent(10)).toEqual([]);
    await log.append(event(1));
    await log.append(event(1));
    expect((await log.recent(10)).map((e) => e.event.id)).toEqual(['sap:recent:1']);
    expect(await log.recent(0)).toEqual([]);
  });
});

describe('GET /internal/events/recent', () => {
  let log: EventLog;
  let server: http.Server;
  let base: string;
  let token: string | undefined = TOKEN;
  let served: EventLog | undefined;

  beforeAll(async () => {
    log = createMemoryEventLog();
    for (let n = 1; n <= 30; n += 1) await log.append(event(n));
    served = log;
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://subgraph');
      void handleRecentEvents(req, res, url, { token, eventLog: served, log: silent });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${RECENT_EVENTS_PATH}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await log.close();
  });
  afterEach(() => {
    token = TOKEN;
    served = log;
  });
  const get = (query = '', bearer: string | null = TOKEN, method = 'GET') =>
    fetch(`${base}${query}`, { method, headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` } });

  it('answers the last 20 envelopes by default, newest first, with every envelope field and the cursor', async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { events: (EntityEvent & { cursor: string })[] };
    expect(body.events).toHaveLength(20);
    expect(body.events[0]).toEqual({ ...event(30), cursor: expect.stringMatching(/^\d+-\d+$/) as unknown });
    expect(body.events.at(-1)!.entity.id).toBe('11');
  });

  it('honours limit=1..100 and refuses anything else with 400', async () => {
    expect(((await (await get('?limit=2')).json()) as { events: EntityEvent[] }).events.map((e) => e.entity.id)).toEqual(['30', '29']);
    expect(((await (await get('?limit=100')).json()) as { events: EntityEvent[] }).events).toHaveLength(30);
    for (const bad of ['0', '101', '-1', '1.5', 'x', '']) expect((await get(`?limit=${bad}`)).status).toBe(400);
    expect(parseRecentLimit(null)).toBe(20);
  });

  it('refuses a missing or wrong token (401), another method (405), and is 404 without a token or an event log', async () => {
    expect((await get('', null)).status).toBe(401);
    const wrong = await get('', `${TOKEN}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
    expect((await get('', TOKEN, 'POST')).status).toBe(405);
    token = undefined;
    expect((await get()).status).toBe(404);
    token = TOKEN;
    served = undefined;
    expect((await get()).status).toBe(404);
  });
});
