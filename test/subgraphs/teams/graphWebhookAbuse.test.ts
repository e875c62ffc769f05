/**
 * Hostile and broken input against the Graph webhook parser and endpoints: every case gets a 4xx
 * (or the uninformative 202 for well-formed but unverifiable input), nothing is published, and the
 * endpoint keeps serving genuine notifications afterwards.
 */
import pino from 'pino';
import { createMemoryEventLog } from '../../../subgraphs/kit/eventLog';
import { parseChangeNotifications, parseLifecycleNotifications } from '../../../subgraphs/teams/changeNotification';
import { createGraphWebhook } from '../../../subgraphs/teams/graphWebhook';
import { parseMessageResource } from '../../../subgraphs/teams/messageEvent';
import { loadNotificationKeys } from '../../../subgraphs/teams/notificationCrypto';
import { createValidationTokenVerifier } from '../../../subgraphs/teams/validationTokens';
import { CHANNEL, postJson, postRaw, serveRoutes, TEAM, thinItem, type RouteServer } from './webhookHarness';

const STATE = 'abuse-test-client-state-000001';
const log = createMemoryEventLog();
const good = (id: string): Record<string, unknown> => thinItem({ clientState: STATE, messageId: id });

describe('Graph webhook under abuse', () => {
  let basic: RouteServer;
  let rich: RouteServer;

  beforeAll(async () => {
    const common = { clientState: STATE, tenant: 'default', logger: pino({ level: 'silent' }), publish: (e: Parameters<typeof log.append>[0]) => log.append(e), onLifecycle: async () => undefined };
    basic = await serveRoutes(createGraphWebhook({ ...common, rich: null, maxBodyBytes: 256 * 1024 }).routes);
    const keys = await loadNotificationKeys({ certificateId: 'c' });
    // A JWKS nobody serves: any token that gets as far as a key lookup fails closed (503), so the
    // malformed ones below must be refused before that, by their shape.
    const verifier = createValidationTokenVerifier({ jwksUrl: 'http://127.0.0.1:9/keys', issuer: 'https://sts.windows.net/x/', audience: 'a' });
    rich = await serveRoutes(createGraphWebhook({ ...common, rich: { keys, verifier } }).routes);
  });
  afterAll(async () => {
    // Still serving: a genuine notification goes through after everything below.
    const head = await log.head();
    expect((await postJson(`${basic.url}/events/graph`, { value: [good('1700000009999')] })).status).toBe(202);
    expect(await log.read(head)).toHaveLength(1);
    await basic.close();
    await rich.close();
  });

  it.each([
    ['an empty body', ''],
    ['not JSON', '{"value": ['],
    ['null', 'null'],
    ['an array', '[]'],
    ['a string', '"value"'],
    ['no value', '{}'],
    ['an empty value', '{"value": []}'],
    ['value as an object', '{"value": {"0": {}}}'],
    ['1001 items', JSON.stringify({ value: Array(1001).fill({}) })],
    ['an item that is a number', '{"value": [42]}'],
    ['a numeric subscriptionId', JSON.stringify({ value: [{ ...good('1'), subscriptionId: 7 }] })],
    ['an over-long subscriptionId', JSON.stringify({ value: [{ ...good('1'), subscriptionId: 'x'.repeat(129) }] })],
    ['an upper-case changeType', JSON.stringify({ value: [{ ...good('1'), changeType: 'CREATED' }] })],
    ['a changeType that is an array', JSON.stringify({ value: [{ ...good('1'), changeType: ['created'] }] })],
    ['a 10 KB clientState', JSON.stringify({ value: [{ ...good('1'), clientState: 'x'.repeat(10_000) }] })],
    ['a 2 KB resource', JSON.stringify({ value: [{ ...good('1'), resource: `teams('${'a'.repeat(2000)}')` }] })],
    ['validationTokens that are not strings', JSON.stringify({ value: [good('1')], validationTokens: [1, 2] })],
    ['101 validationTokens', JSON.stringify({ value: [good('1')], validationTokens: Array(101).fill('a.b.c') })],
    ['a 20 KB validation token', JSON.stringify({ value: [good('1')], validationTokens: ['x'.repeat(20_000)] })],
    ['encryptedContent that is a string', JSON.stringify({ value: [{ ...good('1'), encryptedContent: 'abc' }] })],
    ['encryptedContent with non-base64 data', JSON.stringify({ value: [{ ...good('1'), encryptedContent: { data: '<script>', dataSignature: 'AA==', dataKey: 'AA==' } }] })],
    ['encryptedContent without a dataKey', JSON.stringify({ value: [{ ...good('1'), encryptedContent: { data: 'AA==', dataSignature: 'AA==' } }] })],
    ['deeply nested arrays', `{"value": ${'['.repeat(50_000)}${']'.repeat(50_000)}}`],
  ])('answers %s with 400 and publishes nothing', async (_label, body) => {
    const head = await log.head();
    const res = await postRaw(`${basic.url}/events/graph`, body);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toEqual({ error: expect.any(String) });
    expect(await log.read(head)).toEqual([]);
  });

  it('answers a body over the limit with 413 and publishes nothing', async () => {
    const head = await log.head();
    const res = await postRaw(`${basic.url}/events/graph`, JSON.stringify({ value: [good('1')], pad: 'x'.repeat(300 * 1024) }));
    expect(res.status).toBe(413);
    expect(await log.read(head)).toEqual([]);
  });

  it('publishes nothing for items that smuggle keys through __proto__ or name odd resources', async () => {
    const head = await log.head();
    const body = `{"value": [
      {"__proto__": {"clientState": "${STATE}"}, "subscriptionId": "s", "changeType": "created", "resource": "teams('${TEAM}')/channels('${CHANNEL}')/messages('1')"},
      ${JSON.stringify({ ...good('2'), resource: `teams('${TEAM}')/channels('${CHANNEL}')/messages('2')/../../messages('3')` })},
      ${JSON.stringify({ ...good('4'), resource: "users('x')/messages('4')" })},
      ${JSON.stringify({ ...good('5'), resource: `teams('${TEAM}')/channels('19:a@thread.tacv2%27)')/messages('5')` })}
    ]}`;
    expect((await postRaw(`${basic.url}/events/graph`, body)).status).toBe(202);
    expect(await log.read(head)).toEqual([]);
  });

  it('refuses a validation token over 2048 characters or empty with 400', async () => {
    expect((await postRaw(`${basic.url}/events/graph?validationToken=${'x'.repeat(3000)}`, '', 'text/plain')).status).toBe(400);
    expect((await postRaw(`${basic.url}/events/graph-lifecycle?validationToken=`, '', 'text/plain')).status).toBe(400);
  });

  it('answers malformed lifecycle bodies with 400', async () => {
    for (const body of ['{"value": [{"subscriptionId": "s", "lifecycleEvent": "explode"}]}', '{"value": [{"lifecycleEvent": "missed"}]}', 'nope']) {
      expect((await postRaw(`${basic.url}/events/graph-lifecycle`, body)).status).toBe(400);
    }
  });

  it.each([
    ['three dots', 'a.b.c'],
    ['a header that is not JSON', `${Buffer.from('not json').toString('base64url')}.e30.sig`],
    ['alg none', `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"appid":"0bf30f3b-4a52-48df-9a82-234910c4a086"}').toString('base64url')}.`],
    ['an HS256 token', `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.e30.c2ln`],
  ])('refuses (202, nothing published) a rich notification whose validation token is %s', async (_label, token) => {
    const head = await log.head();
    const res = await postJson(`${rich.url}/events/graph`, { value: [good('1700000000777')], validationTokens: [token] });
    expect(res.status).toBe(202);
    expect(await log.read(head)).toEqual([]);
  });
});

describe('notification parsers', () => {
  it('never throws, whatever the input', () => {
    const inputs: unknown[] = [undefined, null, 0, '', [], {}, { value: null }, { value: [null] }, { value: [[]] }, { value: [{}] },
      { value: [{ subscriptionId: {}, changeType: 'created', resource: 'r' }] }, Object.create(null) as unknown, { value: [good('1')], validationTokens: 'x' }];
    for (const raw of inputs) {
      expect(() => parseChangeNotifications(raw)).not.toThrow();
      expect(() => parseLifecycleNotifications(raw)).not.toThrow();
    }
  });

  it.each([
    [`teams('${TEAM}')/channels('${CHANNEL}')/messages('1')`, { teamId: TEAM, channelId: CHANNEL, messageId: '1', replyId: null }],
    [`/teams/${TEAM.toUpperCase()}/channels/${encodeURIComponent(CHANNEL)}/messages/2`, { teamId: TEAM, channelId: CHANNEL, messageId: '2', replyId: null }],
    [`teams('${TEAM}')/channels('${CHANNEL}')/messages('3')/replies('4')`, { teamId: TEAM, channelId: CHANNEL, messageId: '3', replyId: '4' }],
    [`teams('${TEAM}')/channels('${CHANNEL}')/messages('x')`, null],
    [`teams('not-a-guid')/channels('${CHANNEL}')/messages('1')`, null],
    [`teams('${TEAM}')/channels('general')/messages('1')`, null],
    [`teams('${TEAM}')/channels('%E0%A4%A')/messages('1')`, null],
    [`teams('${TEAM}')/channels('${CHANNEL}')/messages('1')/replies('2')/replies('3')`, null],
    ['', null],
  ])('parses the resource %s', (resource, expected) => {
    expect(parseMessageResource(resource)).toEqual(expected);
  });
});
