/**
 * The Graph webhook endpoints on a real HTTP server: handshake, clientState, rich-notification
 * verification against the real sandbox JWKS (validation tokens signed by the sandbox's Entra key,
 * content encrypted by the sandbox's own code), dedupe, and append failure. "Nothing published" is
 * checked on the event log itself.
 */
import { X509Certificate } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import pino from 'pino';
import { createMemoryEventLog, type EventLog } from '../../../subgraphs/kit/eventLog';
import { createGraphWebhook, type GraphWebhook } from '../../../subgraphs/teams/graphWebhook';
import { encodeMessageId } from '../../../subgraphs/teams/messageId';
import { loadNotificationKeys, type NotificationKeys } from '../../../subgraphs/teams/notificationCrypto';
import type { GraphSandbox } from '../../../subgraphs/teams/sandbox/graphSandbox';
import { encryptResourceData, validationTokenClaims } from '../../../subgraphs/teams/sandbox/richNotification';
import { createValidationTokenVerifier } from '../../../subgraphs/teams/validationTokens';
import { SMALL, startSandbox } from '../../sandboxes/teams/graphSandboxHelpers';
import { CHANNEL, postJson, postRaw, serveRoutes, TEAM, thinItem, type RouteServer } from './webhookHarness';

const STATE = 'webhook-test-client-state-0001';
const CLIENT_ID = '3f9a6c2d-7b1e-4d8f-9e2a-6c5b4d3e2f10';
const silent = pino({ level: 'silent' });

interface Endpoint {
  server: RouteServer;
  webhook: GraphWebhook;
  log: EventLog;
  lifecycle: unknown[];
  put: unknown[];
  failAppends: { on: boolean };
}

async function endpoint(rich: { keys: NotificationKeys; jwksUrl: string; issuer: string } | null): Promise<Endpoint> {
  const log = createMemoryEventLog();
  const lifecycle: unknown[] = [];
  const put: unknown[] = [];
  const failAppends = { on: false };
  const webhook = createGraphWebhook({
    clientState: STATE, tenant: 'default', logger: silent,
    rich: rich ? { keys: rich.keys, verifier: createValidationTokenVerifier({ jwksUrl: rich.jwksUrl, issuer: rich.issuer, audience: CLIENT_ID }) } : null,
    publish: async (event) => {
      if (failAppends.on) throw new Error('redis down');
      return log.append(event);
    },
    onMessage: (resource) => { put.push(resource); },
    onLifecycle: async (item) => { lifecycle.push(item); },
  });
  return { server: await serveRoutes(webhook.routes), webhook, log, lifecycle, put, failAppends };
}

describe('Graph webhook (basic notifications)', () => {
  let ep: Endpoint;
  let hook: string;
  beforeAll(async () => {
    ep = await endpoint(null);
    hook = `${ep.server.url}/events/graph`;
  });
  afterAll(() => ep.server.close());

  it('answers the validation handshake with the URL-decoded token as text/plain on both paths', async () => {
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 1a2b';
    for (const path of ['/events/graph', '/events/graph-lifecycle']) {
      const res = await postRaw(`${ep.server.url}${path}?validationToken=${encodeURIComponent(token)}`, '', 'text/plain');
      expect(res).toEqual({ status: 200, contentType: expect.stringMatching(/^text\/plain/), text: token });
    }
  });

  it('publishes a notification with our clientState as a MessagePosted envelope and answers 202', async () => {
    const res = await postJson(hook, { value: [thinItem({ clientState: STATE, messageId: '1700000000100' })] });
    expect(res.status).toBe(202);
    const [logged] = await ep.log.read(undefined);
    expect(logged?.event).toEqual({
      id: `teams:teams('${TEAM}')/channels('${CHANNEL}')/messages('1700000000100'):created`,
      type: 'MessagePosted', system: 'teams', tenant: 'default', changeType: 'CREATED', changedFields: [], occurredAt: expect.any(String),
      entity: { type: 'Message', id: encodeMessageId({ teamId: TEAM, channelId: CHANNEL, messageId: '1700000000100' }) },
      attributes: { teamId: TEAM, channelId: CHANNEL },
    });
  });

  it.each([
    ['a wrong clientState', 'webhook-test-client-state-0002'],
    ['a clientState one character short', STATE.slice(0, -1)],
    ['no clientState', null],
  ])('publishes nothing for an item with %s, still answering 202', async (_label, clientState) => {
    const head = await ep.log.head();
    const refused = ep.webhook.stats().refused;
    const res = await postJson(hook, { value: [thinItem({ clientState, messageId: '1700000000200' })] });
    expect(res.status).toBe(202);
    expect(await ep.log.read(head)).toEqual([]);
    expect(ep.webhook.stats().refused).toBe(refused + 1);
  });

  it('publishes only the genuine items of a mixed batch', async () => {
    const head = await ep.log.head();
    await postJson(hook, { value: [thinItem({ clientState: 'forged-forged-forged', messageId: '1700000000301' }), thinItem({ clientState: STATE, messageId: '1700000000302' })] });
    expect((await ep.log.read(head)).map((l) => l.event.entity.id)).toEqual([encodeMessageId({ teamId: TEAM, channelId: CHANNEL, messageId: '1700000000302' })]);
  });

  it('logs a redelivered notification once, also when another subscription reports the same change', async () => {
    const head = await ep.log.head();
    const body = { value: [thinItem({ clientState: STATE, messageId: '1700000000400' })] };
    expect((await postJson(hook, body)).status).toBe(202);
    expect((await postJson(hook, body)).status).toBe(202);
    const other = { value: [thinItem({ clientState: STATE, messageId: '1700000000400', subscriptionId: 'another-subscription' })] };
    expect((await postJson(hook, other)).status).toBe(202);
    expect(await ep.log.read(head)).toHaveLength(1);
  });

  it('acknowledges but ignores replies', async () => {
    const head = await ep.log.head();
    const reply = `teams('${TEAM}')/channels('${CHANNEL}')/messages('1700000000500')/replies('1700000000501')`;
    expect((await postJson(hook, { value: [thinItem({ clientState: STATE, resource: reply })] })).status).toBe(202);
    expect(await ep.log.read(head)).toEqual([]);
  });

  it('answers 503 when the event log refuses the append, so Graph redelivers', async () => {
    ep.failAppends.on = true;
    try {
      expect((await postJson(hook, { value: [thinItem({ clientState: STATE, messageId: '1700000000600' })] })).status).toBe(503);
    } finally {
      ep.failAppends.on = false;
    }
    expect((await postJson(hook, { value: [thinItem({ clientState: STATE, messageId: '1700000000600' })] })).status).toBe(202);
  });

  it('hands verified lifecycle notifications on and drops forged ones', async () => {
    const item = { subscriptionId: 's-1', subscriptionExpirationDateTime: '2030-01-01T00:00:00Z', tenantId: 't', lifecycleEvent: 'missed' };
    const res = await postJson(`${ep.server.url}/events/graph-lifecycle`, { value: [{ ...item, clientState: STATE }, { ...item, clientState: 'nope-nope-nope-nope' }] });
    expect(res.status).toBe(202);
    expect(ep.lifecycle).toEqual([expect.objectContaining({ subscriptionId: 's-1', lifecycleEvent: 'missed' })]);
  });
});

describe('Graph webhook (rich notifications, real sandbox JWKS)', () => {
  let sb: GraphSandbox;
  let ep: Endpoint;
  let keys: NotificationKeys;
  let cert: X509Certificate;
  let hook: string;
  const message = (id: string): Record<string, unknown> => ({
    id, replyToId: null, messageType: 'message', createdDateTime: '2026-11-01T10:00:00.000Z', lastModifiedDateTime: '2026-11-01T10:00:00.000Z',
    body: { contentType: 'text', content: `message ${id}` }, channelIdentity: { teamId: TEAM, channelId: CHANNEL }, from: null,
  });
  const richItem = (id: string): Record<string, unknown> => ({
    ...thinItem({ clientState: STATE, messageId: id }), encryptedContent: encryptResourceData(message(id), cert, 'cert-1'),
  });
  const token = (overrides: Record<string, unknown> = {}): Promise<string> => sb.tokens.sign({ ...validationTokenClaims(sb.tenantId, CLIENT_ID), ...overrides });

  beforeAll(async () => {
    [sb, keys] = await Promise.all([startSandbox({ size: SMALL }), loadNotificationKeys({ certificateId: 'cert-1' })]);
    cert = new X509Certificate(Buffer.from(keys.certificate, 'base64'));
    ep = await endpoint({ keys, jwksUrl: `${sb.url}/common/discovery/v2.0/keys`, issuer: `https://sts.windows.net/${sb.tenantId}/` });
    hook = `${ep.server.url}/events/graph`;
  });
  afterAll(async () => {
    await ep.server.close();
    await sb.close();
  });

  it('verifies the tokens, decrypts the content, publishes, and passes the message on', async () => {
    const res = await postJson(hook, { value: [richItem('1700000001000')], validationTokens: [await token()] });
    expect(res.status).toBe(202);
    const [logged] = await ep.log.read(undefined);
    expect(logged?.event.occurredAt).toBe('2026-11-01T10:00:00.000Z');
    expect(ep.put).toEqual([expect.objectContaining({ id: '1700000001000', body: { contentType: 'text', content: 'message 1700000001000' } })]);
  });

  it.each([
    ['no validation token', async (): Promise<string[]> => []],
    ['a token for another app', async (): Promise<string[]> => [await token({ aud: '99999999-9999-4999-8999-999999999999' })]],
    ['a token not from the notification publisher', async (): Promise<string[]> => [await token({ appid: CLIENT_ID })]],
    ['an expired token', async (): Promise<string[]> => [await token({ exp: Math.floor(Date.now() / 1000) - 3600 })]],
    ['a token of another tenant', async (): Promise<string[]> => [await token({ iss: 'https://sts.windows.net/11111111-2222-4333-8444-555555555555/' })]],
    ['a good token next to a bad one', async (): Promise<string[]> => [await token(), await token({ appid: CLIENT_ID })]],
    ['a token signed by a key outside the JWKS', async (): Promise<string[]> => {
      const { privateKey } = await generateKeyPair('RS256');
      return [await new SignJWT(validationTokenClaims(sb.tenantId, CLIENT_ID)).setProtectedHeader({ alg: 'RS256', kid: 'forged' }).sign(privateKey)];
    }],
  ])('publishes nothing with %s', async (_label, tokens) => {
    const head = await ep.log.head();
    const res = await postJson(hook, { value: [richItem('1700000002000')], validationTokens: await tokens() });
    expect(res.status).toBe(202);
    expect(await ep.log.read(head)).toEqual([]);
  });

  it('publishes nothing when the dataSignature does not match the data', async () => {
    const head = await ep.log.head();
    const item = richItem('1700000003000');
    const enc = item.encryptedContent as Record<string, string>;
    const other = encryptResourceData(message('1700000003001'), cert, 'cert-1');
    const tampered = { ...item, encryptedContent: { ...enc, data: other.data } };
    expect((await postJson(hook, { value: [tampered], validationTokens: [await token()] })).status).toBe(202);
    expect(await ep.log.read(head)).toEqual([]);
  });

  it('publishes nothing for content encrypted to another certificate', async () => {
    const head = await ep.log.head();
    const stranger = await loadNotificationKeys({ certificateId: 'cert-1' });
    const item = { ...thinItem({ clientState: STATE, messageId: '1700000004000' }), encryptedContent: encryptResourceData(message('1700000004000'), new X509Certificate(Buffer.from(stranger.certificate, 'base64')), 'cert-1') };
    expect((await postJson(hook, { value: [item], validationTokens: [await token()] })).status).toBe(202);
    expect(await ep.log.read(head)).toEqual([]);
  });

  it('answers 503 when the JWKS cannot be fetched, so Graph redelivers', async () => {
    const offline = await endpoint({ keys, jwksUrl: 'http://127.0.0.1:9/keys', issuer: `https://sts.windows.net/${sb.tenantId}/` });
    try {
      const res = await postJson(`${offline.server.url}/events/graph`, { value: [richItem('1700000005000')], validationTokens: [await token()] });
      expect(res.status).toBe(503);
      expect(await offline.log.read(undefined)).toEqual([]);
    } finally {
      await offline.server.close();
    }
  });
});
