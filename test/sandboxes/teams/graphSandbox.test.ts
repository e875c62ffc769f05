import { generate } from 'selfsigned';
import { startGraphSandbox, type GraphSandbox } from '../../../subgraphs/teams/sandbox/graphSandbox';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_TENANT_ID } from '../../../subgraphs/teams/sandbox/registeredApps';
import { admin, graphFetch, silentLogger, SMALL, startSandbox, tokenResponse } from './graphSandboxHelpers';

describe('startGraphSandbox', () => {
  let sb: GraphSandbox;
  beforeAll(async () => { sb = await startSandbox({ size: SMALL }); });
  afterAll(async () => { await sb.close(); });

  it('serves HTTPS on localhost with the documented default tenant and app', async () => {
    expect(sb.url).toMatch(/^https:\/\/localhost:\d+$/);
    expect(sb.graphBaseUrl).toBe(`${sb.url}/v1.0`);
    expect(sb.tenantId).toBe(DEFAULT_TENANT_ID);
    expect(sb.clientId).toBe(DEFAULT_CLIENT_ID);
    expect(sb.clientSecret).toBe(DEFAULT_CLIENT_SECRET);
    expect(sb.certPath).toMatch(/cert\.pem$/);
    expect((await graphFetch(sb, '/__admin/health')).body).toEqual({ status: 'ok', system: 'teams' });
  });

  it('reads and validates settings at /__admin/settings', async () => {
    const defaults = {
      requestsPerSecond: 100, tokenLifetimeSeconds: 3599, maxSubscriptionMinutes: 4320, notificationAttempts: 4, notificationRetryBaseMs: 1000,
      notificationTimeoutMs: 3000, validationTimeoutMs: 10_000,
    };
    expect(await admin(sb, 'GET', 'settings')).toEqual(defaults);
    expect(await admin(sb, 'PATCH', 'settings', { requestsPerSecond: 0 })).toEqual({ error: expect.stringContaining('requestsPerSecond') });
    expect(await admin(sb, 'PATCH', 'settings', { colour: 'blue' })).toEqual({ error: expect.stringContaining("'colour'") });
    expect(await admin(sb, 'PATCH', 'settings', { notificationAttempts: 0 })).toEqual({ error: expect.stringContaining('notificationAttempts') });
    expect(await admin(sb, 'PATCH', 'settings', { requestsPerSecond: 50 })).toEqual({ ...defaults, requestsPerSecond: 50 });
  });

  it('names Graph routes with stable counter names', async () => {
    await admin(sb, 'POST', 'counters/reset');
    const { body } = await tokenResponse(sb, { grant_type: 'client_credentials', client_id: sb.clientId, client_secret: sb.clientSecret ?? '', scope: 'https://graph.microsoft.com/.default' });
    const token = String(body.access_token);
    const team = sb.data().teams[0]?.id;
    await graphFetch(sb, `/v1.0/teams/${team}`, { token });
    await graphFetch(sb, `/v1.0/users?$top=1`, { token });
    expect(Object.keys(sb.counters.snapshot().byEndpoint).sort()).toEqual(['GET /v1.0/teams/{id}', 'GET /v1.0/users', 'POST /{tenant}/oauth2/v2.0/token']);
  });

  it('registers apps at runtime through /__admin/apps', async () => {
    const clientId = '12345678-1234-4234-8234-123456789abc';
    const res = await fetch(`${sb.url}/__admin/apps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId, secrets: ['s3cret'] }) });
    expect(res.status).toBe(201);
    const token = await tokenResponse(sb, { grant_type: 'client_credentials', client_id: clientId, client_secret: 's3cret', scope: 'https://graph.microsoft.com/.default' });
    expect(token.status).toBe(200);
    const again = await fetch(`${sb.url}/__admin/apps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId, secrets: ['x'] }) });
    expect(again.status).toBe(400);
  });

  it('fails fast on bad options, naming the key', async () => {
    await expect(startGraphSandbox({ logger: silentLogger, tenantId: 'not-a-guid' })).rejects.toThrow(/tenantId/);
    await expect(startGraphSandbox({ logger: silentLogger, requestsPerSecond: -1 })).rejects.toThrow(/requestsPerSecond/);
    await expect(startGraphSandbox({ logger: silentLogger, apps: [{ clientId: 'x', secrets: ['y'] }] })).rejects.toThrow(/apps\[0\]\.clientId/);
    const { private: key } = await generate(undefined, { keySize: 2048 });
    await expect(startGraphSandbox({ logger: silentLogger, apps: [{ clientId: DEFAULT_CLIENT_ID, certificates: [key] }] })).rejects.toThrow(/certificates\[0\]/);
  });
});
