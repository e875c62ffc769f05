/**
 * Wire-level shapes of the sandbox's REST API that jsforce does not expose directly: version
 * discovery, the limit header on every REST answer, the identity URL, revoke, the admin knobs and
 * version-agnostic counter names.
 */
import type { SalesforceSandbox } from '../../../subgraphs/salesforce/sandbox/salesforceSandbox';
import { admin, bearer, counter, rest, startSandbox } from './sandboxHelpers';

describe('Salesforce sandbox REST protocol', () => {
  let sb: SalesforceSandbox;
  let token: string;

  beforeAll(async () => {
    sb = await startSandbox({ size: { accounts: 5, people: 30 }, dailyApiLimit: 500 });
    token = await bearer(sb);
  });
  afterAll(() => sb.close());

  it('lists API versions without a session and maps resources for any vNN.0', async () => {
    const versions = (await (await fetch(`${sb.url}/services/data`)).json()) as Array<{ label: string; url: string; version: string }>;
    expect(versions).toEqual(expect.arrayContaining([
      { label: "Winter '24", url: '/services/data/v59.0', version: '59.0' },
      { label: "Spring '24", url: '/services/data/v60.0', version: '60.0' },
    ]));
    const resources = await rest(sb, token, 'GET', '/services/data/v31.0/');
    expect(resources.status).toBe(200);
    expect(resources.json).toMatchObject({ query: '/services/data/v31.0/query', sobjects: '/services/data/v31.0/sobjects', composite: '/services/data/v31.0/composite' });
  });

  it('sends Sforce-Limit-Info with the running count on successes and errors', async () => {
    await admin(sb, 'PATCH', 'settings', { apiUsage: 0 });
    const ok = await rest(sb, token, 'GET', '/services/data/v59.0/limits');
    expect(ok.headers.get('sforce-limit-info')).toBe('api-usage=1/500');
    expect(ok.json).toEqual({ DailyApiRequests: { Max: 500, Remaining: 499 } });
    const bad = await rest(sb, token, 'GET', '/services/data/v59.0/sobjects/Nope/describe');
    expect(bad.status).toBe(404);
    expect(bad.headers.get('sforce-limit-info')).toBe('api-usage=2/500');
    const unrouted = await rest(sb, token, 'GET', '/services/data/v59.0/no/such/resource/here');
    expect(unrouted.status).toBe(404);
    expect(unrouted.json).toEqual([{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
    expect(unrouted.headers.get('sforce-limit-info')).toBe('api-usage=3/500');
  });

  it('serves basic sObject info with recent items', async () => {
    const info = await rest(sb, token, 'GET', '/services/data/v59.0/sobjects/Account');
    expect(info.json).toMatchObject({ objectDescribe: { name: 'Account', keyPrefix: '001', urls: { rowTemplate: '/services/data/v59.0/sobjects/Account/{ID}' } } });
    expect((info.json as { recentItems: unknown[] }).recentItems.length).toBeGreaterThan(0);
  });

  it('serves the identity URL from the token response and revokes tokens', async () => {
    const res = await fetch(`${sb.url}/services/oauth2/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=lumina-sandbox-client&client_secret=lumina-sandbox-secret',
    });
    const tokens = (await res.json()) as { id: string; access_token: string };
    const identity = await fetch(`${tokens.id}?format=json&oauth_token=${encodeURIComponent(tokens.access_token)}`);
    expect(await identity.json()).toMatchObject({ organization_id: sb.orgId, username: 'integration@lumina.example', active: true });
    const revoke = await fetch(`${sb.url}/services/oauth2/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${encodeURIComponent(tokens.access_token)}` });
    expect(revoke.status).toBe(200);
    expect((await rest(sb, tokens.access_token, 'GET', '/services/data/v59.0/sobjects')).status).toBe(401);
  });

  it('counts requests under version-agnostic names', async () => {
    const before = counter(sb, 'GET /services/data/vXX.X/sobjects/:type/describe');
    await rest(sb, token, 'GET', '/services/data/v45.0/sobjects/Contact/describe');
    await rest(sb, token, 'GET', '/services/data/v62.0/sobjects/Contact/describe');
    expect(counter(sb, 'GET /services/data/vXX.X/sobjects/:type/describe')).toBe(before + 2);
  });

  it('rejects unknown or invalid settings and restores seed data on reset', async () => {
    expect(await admin(sb, 'PATCH', 'settings', { dailyApiLimit: -1 })).toEqual({ error: expect.stringContaining('dailyApiLimit') });
    expect(await admin(sb, 'PATCH', 'settings', { bogus: 1 })).toEqual({ error: expect.stringContaining("unknown setting 'bogus'") });
    const created = await rest(sb, token, 'POST', '/services/data/v59.0/sobjects/Account', { Name: 'Temp' });
    expect(created.status).toBe(201);
    await admin(sb, 'POST', 'reset');
    const count = await rest(sb, token, 'GET', `/services/data/v59.0/query?q=${encodeURIComponent('SELECT COUNT() FROM Account')}`);
    expect(count.json).toMatchObject({ totalSize: 5 });
    expect(await admin(sb, 'GET', 'settings')).toMatchObject({ dailyApiLimit: 500, sessionTtlSeconds: 7200, apiUsage: 1 });
  });

  it('treats an expired session as 401 INVALID_SESSION_ID until a new token is issued', async () => {
    await admin(sb, 'POST', 'tokens/expire');
    const expired = await rest(sb, token, 'GET', '/services/data/v59.0/sobjects');
    expect(expired.status).toBe(401);
    expect(expired.json).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    token = await bearer(sb);
    expect((await rest(sb, token, 'GET', '/services/data/v59.0/sobjects')).status).toBe(200);
  });

  it('updates with PATCH and answers 204, and refuses writes to read-only system fields', async () => {
    const list = await rest(sb, token, 'GET', `/services/data/v59.0/query?q=${encodeURIComponent('SELECT Id, LastModifiedDate FROM Contact LIMIT 1')}`);
    const row = (list.json as { records: Array<{ Id: string; LastModifiedDate: string }> }).records[0]!;
    const patched = await rest(sb, token, 'PATCH', `/services/data/v59.0/sobjects/Contact/${row.Id.slice(0, 15)}`, { Title: 'Chief Tester' });
    expect(patched.status).toBe(204);
    const after = await rest(sb, token, 'GET', `/services/data/v59.0/sobjects/Contact/${row.Id}?fields=Title,LastModifiedDate,SystemModstamp`);
    expect(after.json).toMatchObject({ Title: 'Chief Tester' });
    const afterRow = after.json as { LastModifiedDate: string; SystemModstamp: string };
    expect(afterRow.LastModifiedDate).not.toBe(row.LastModifiedDate);
    expect(afterRow.SystemModstamp).toBe(afterRow.LastModifiedDate);
    const readOnly = await rest(sb, token, 'PATCH', `/services/data/v59.0/sobjects/Contact/${row.Id}`, { CreatedDate: '2020-01-01T00:00:00.000+0000' });
    expect(readOnly.status).toBe(400);
    expect(readOnly.json).toEqual([expect.objectContaining({ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['CreatedDate'] })]);
    const badEmail = await rest(sb, token, 'PATCH', `/services/data/v59.0/sobjects/Contact/${row.Id}`, { Email: 'not an email' });
    expect(badEmail.json).toEqual([expect.objectContaining({ errorCode: 'INVALID_EMAIL_ADDRESS', fields: ['Email'] })]);
  });
});
