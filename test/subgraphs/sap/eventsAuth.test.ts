/**
 * Sender authentication of the SAP events webhook beyond Basic (see events.test.ts): a static Bearer
 * token registered with the sandbox, JWTs checked against a real JWKS server, and the answers when
 * the event cannot be stored or the origin is not allowed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import pino from 'pino';
import { createEntityCache } from '../../../subgraphs/kit/entityCache';
import type { SubgraphRoute } from '../../../subgraphs/kit/subgraphServer';
import { loadSapConfig } from '../../../subgraphs/sap/config';
import { createODataClient } from '../../../subgraphs/sap/odataClient';
import { createSalesOrderEventWebhook } from '../../../subgraphs/sap/salesOrderEventWebhook';
import { startSapSandbox } from '../../../subgraphs/sap/sandbox/sapSandbox';
import { SIZE, startSapHarness } from './sapHarness';

const TOKEN = 'static-bearer-token-0123456789';
const SOURCE = '/default/sap.s4.beh/S4HCLNT100';
const logger = pino({ level: 'silent' });

const event = (id: string, salesOrder = '30'): string => JSON.stringify({
  specversion: '1.0', type: 'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1', source: SOURCE, id, data: { SalesOrder: salesOrder },
});

async function post(url: string, authorization: string | undefined, body: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json', ...(authorization ? { authorization } : {}) }, body });
}

/** A real HTTP server that dispatches to kit-style routes (for handler-level scenarios). */
async function serveRoutes(routes: SubgraphRoute[]): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const route = routes.find((r) => r.method === req.method);
    (route ? route.handle(req, res) : Promise.resolve(void res.writeHead(404).end())).catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events/sap`,
    close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
}

describe('SAP events webhook with a static Bearer token', () => {
  it('registers with the sandbox, takes its Bearer deliveries and refuses other tokens with 401', async () => {
    const h = await startSapHarness({ SAP_EVENTS_AUTH: 'bearer', SAP_EVENTS_TOKEN: TOKEN, SAP_EVENTS_REGISTER_URL: 'auto' });
    try {
      const url = h.subgraph.url.replace(/\/graphql$/, '/events/sap');
      expect(h.sandbox.events.list()).toEqual([expect.objectContaining({ url, auth: { type: 'bearer' } })]);
      await h.gql('mutation { updateSalesOrderStatus(id: "31", status: IN_PROCESS) { id } }');
      await h.sandbox.events.idle();
      const logged = await h.subgraph.events.log.read(undefined);
      expect(logged.map((l) => [l.event.entity.id, l.event.attributes?.status])).toEqual([['31', 'IN_PROCESS']]);
      for (const auth of [undefined, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, 'Bearer', TOKEN]) {
        const res = await post(url, auth, event(`forged-${String(auth)}`));
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      }
      expect(await h.subgraph.events.log.read(undefined)).toHaveLength(1);
      expect((await post(url, `bearer ${TOKEN}`, event('lower-case-scheme'))).status).toBe(202);
    } finally {
      await h.close();
    }
  });

  it('fails the start naming SAP_EVENTS_REGISTER_URL when the sandbox refuses the registration', async () => {
    await expect(startSapHarness({ SAP_EVENTS_AUTH: 'bearer', SAP_EVENTS_TOKEN: TOKEN, SAP_EVENTS_REGISTER_URL: 'http://127.0.0.1:1/events/sap' }))
      .rejects.toThrow(/SAP_EVENTS_REGISTER_URL.*refused.*422/);
  });
});

describe('SAP events webhook with JWTs', () => {
  let keys: { publicKey: KeyLike; privateKey: KeyLike };
  let otherKeys: { privateKey: KeyLike };
  let jwks: http.Server;
  let jwksUrl: string;
  const ISSUER = 'https://xsuaa.example.com/oauth/token';
  const AUDIENCE = 'lumina-sap-events';

  beforeAll(async () => {
    keys = await generateKeyPair('RS256');
    otherKeys = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise<void>((r) => { jwks.close(() => r()); jwks.closeAllConnections(); }));

  const sign = (claims: { iss?: string; aud?: string; expSeconds?: number }, key: KeyLike = keys.privateKey): Promise<string> => {
    const jwt = new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuedAt();
    if (claims.iss !== undefined) jwt.setIssuer(claims.iss);
    if (claims.aud !== undefined) jwt.setAudience(claims.aud);
    if (claims.expSeconds !== undefined) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + claims.expSeconds);
    return jwt.sign(key);
  };

  it('accepts a token signed by the JWKS for the issuer and audience, and refuses every other with 401', async () => {
    const h = await startSapHarness({ SAP_EVENTS_AUTH: 'jwt', SAP_EVENTS_JWKS_URL: jwksUrl, SAP_EVENTS_JWT_ISSUER: ISSUER, SAP_EVENTS_JWT_AUDIENCE: AUDIENCE });
    try {
      const url = h.subgraph.url.replace(/\/graphql$/, '/events/sap');
      expect((await post(url, `Bearer ${await sign({ iss: ISSUER, aud: AUDIENCE, expSeconds: 300 })}`, event('jwt-ok'))).status).toBe(202);
      const header = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
      const forged = [
        await sign({ iss: 'https://evil.example.com', aud: AUDIENCE, expSeconds: 300 }),
        await sign({ iss: ISSUER, aud: 'someone-else', expSeconds: 300 }),
        await sign({ iss: ISSUER, aud: AUDIENCE, expSeconds: -120 }),
        await sign({ iss: ISSUER, aud: AUDIENCE }),
        await sign({ iss: ISSUER, aud: AUDIENCE, expSeconds: 300 }, otherKeys.privateKey),
        `${header({ alg: 'none' })}.${header({ iss: ISSUER, aud: AUDIENCE, exp: 9_999_999_999 })}.`,
        'not.a.jwt',
      ];
      for (const token of forged) expect((await post(url, `Bearer ${token}`, event(`jwt-forged-${token.slice(-8)}`))).status).toBe(401);
      expect((await h.subgraph.events.log.read(undefined)).map((l) => l.event.id)).toEqual([`sap:${SOURCE}:jwt-ok`]);
    } finally {
      await h.close();
    }
  });

  it('answers 503 (so the sender retries) when the JWKS cannot be fetched', async () => {
    const h = await startSapHarness({ SAP_EVENTS_AUTH: 'jwt', SAP_EVENTS_JWKS_URL: 'http://127.0.0.1:1/jwks', SAP_EVENTS_JWT_ISSUER: ISSUER, SAP_EVENTS_JWT_AUDIENCE: AUDIENCE });
    try {
      const url = h.subgraph.url.replace(/\/graphql$/, '/events/sap');
      expect((await post(url, `Bearer ${await sign({ iss: ISSUER, aud: AUDIENCE, expSeconds: 300 })}`, event('jwks-down'))).status).toBe(503);
      expect(await h.subgraph.events.log.read(undefined)).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

describe('SAP events webhook handler', () => {
  it('answers 503 when the event log refuses the append, and 403 to a handshake from an origin not allowed', async () => {
    const sandbox = await startSapSandbox({ logger, size: SIZE });
    const client = createODataClient({ config: loadSapConfig({ SAP_BASE_URL: sandbox.url }), logger });
    const publish = jest.fn(() => Promise.reject(new Error('redis is down')));
    const server = await serveRoutes(createSalesOrderEventWebhook({
      auth: { type: 'bearer', token: TOKEN }, tenant: 'default', allowedOrigins: ['mesh.example.com'], client,
      entityCache: createEntityCache(), logger, publish,
    }));
    try {
      expect((await post(server.url, `Bearer ${TOKEN}`, event('append-fails'))).status).toBe(503);
      expect(publish).toHaveBeenCalledTimes(1);
      const denied = await fetch(server.url, { method: 'OPTIONS', headers: { 'webhook-request-origin': 'evil.example.com' } });
      expect(denied.status).toBe(403);
      const allowed = await fetch(server.url, { method: 'OPTIONS', headers: { 'webhook-request-origin': 'MESH.example.com' } });
      expect(allowed.headers.get('webhook-allowed-origin')).toBe('MESH.example.com');
    } finally {
      await server.close();
      await client.close();
      await sandbox.close();
    }
  });
});
