/**
 * The unmodified official SDKs against the Graph sandbox: @azure/identity for the token,
 * @microsoft/microsoft-graph-client for Graph, over HTTPS trusted through NODE_EXTRA_CA_CERTS.
 */
import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { BatchRequestContent, BatchResponseContent, Client, GraphError, PageIterator, type PageCollection } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { generate } from 'selfsigned';
import type { GraphSandbox } from '../../../subgraphs/teams/sandbox/graphSandbox';
import { DEFAULT_ROLES } from '../../../subgraphs/teams/sandbox/registeredApps';
import { admin, counter, startSandbox } from './graphSandboxHelpers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function graphClient(sb: GraphSandbox, credential: TokenCredential = new ClientSecretCredential(sb.tenantId, sb.clientId, sb.clientSecret ?? '', {
  authorityHost: sb.url, disableInstanceDiscovery: true,
})): Client {
  const authProvider = new TokenCredentialAuthenticationProvider(credential, { scopes: ['https://graph.microsoft.com/.default'] });
  return Client.initWithMiddleware({ authProvider, baseUrl: `${sb.url}/`, customHosts: new Set(['localhost']) });
}

describe('Graph sandbox with the official Graph SDK and @azure/identity', () => {
  let sb: GraphSandbox;
  let client: Client;
  let teamId: string;
  let channelId: string;

  beforeAll(async () => {
    sb = await startSandbox();
    client = graphClient(sb);
    const teams = (await client.api('/teams').get()) as Json;
    teamId = teams.value[0].id;
    const channels = (await client.api(`/teams/${teamId}/channels`).get()) as Json;
    channelId = channels.value[0].id;
  });
  afterAll(async () => { await sb.close(); });
  beforeEach(async () => {
    await admin(sb, 'DELETE', 'faults');
    await admin(sb, 'PATCH', 'settings', { requestsPerSecond: 100 });
    await admin(sb, 'POST', 'counters/reset');
  });

  it('gets a token through OIDC discovery and the token endpoint, then lists the seeded teams and channels', async () => {
    const teams = (await client.api('/teams').get()) as Json;
    expect(teams.value).toHaveLength(10);
    expect(teams['@odata.context']).toMatch(/\/v1\.0\/\$metadata#teams$/);
    const channels = (await client.api(`/teams/${teamId}/channels`).get()) as Json;
    expect(channels.value.length).toBeGreaterThan(0);
    for (const c of channels.value) {
      expect(c.id).toMatch(/^19:[0-9a-f]{32}@thread\.tacv2$/);
      expect(c).toEqual(expect.objectContaining({ displayName: expect.any(String), membershipType: expect.stringMatching(/standard|private/) }));
    }
    const channel = (await client.api(`/teams/${teamId}/channels/${channelId}`).get()) as Json;
    expect(channel.id).toBe(channelId);
    // The credential caches its token: one discovery and one token call serve every Graph request.
    expect(counter(sb, 'POST /{tenant}/oauth2/v2.0/token')).toBe(0);
  });

  it('pages channel messages newest first with PageIterator following absolute nextLinks', async () => {
    const [key] = [...sb.data().messages.entries()].sort(([, a], [, b]) => b.roots.length - a.roots.length)[0] ?? [''];
    const [busyTeam, busyChannel] = key.split('|') as [string, string];
    const first = (await client.api(`/teams/${busyTeam}/channels/${busyChannel}/messages`).top(50).get()) as PageCollection;
    expect(first['@odata.nextLink']).toMatch(new RegExp(`^${sb.url}/v1\\.0/teams/.*\\$skiptoken=`));
    const seen: Json[] = [];
    const iterator = new PageIterator(client, first, (m: Json) => { seen.push(m); return seen.length < 120; });
    await iterator.iterate();
    expect(seen).toHaveLength(120);
    expect(new Set(seen.map((m) => m.id)).size).toBe(120);
    const ids = seen.map((m) => Number(m.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(counter(sb, 'GET /v1.0/teams/{id}/channels/{id}/messages')).toBe(3);
    for (const m of seen.filter((x) => x.messageType === 'message')) {
      expect(m.from.user).toEqual(expect.objectContaining({ userIdentityType: 'aadUser', tenantId: sb.tenantId }));
      expect(m.channelIdentity).toEqual({ teamId: busyTeam, channelId: busyChannel });
      expect(['normal', 'high', 'urgent']).toContain(m.importance);
      expect(['text', 'html']).toContain(m.body.contentType);
    }
  });

  it('posts a message (201) and a reply, and reads both back', async () => {
    const posted = (await client.api(`/teams/${teamId}/channels/${channelId}/messages`)
      .post({ body: { contentType: 'html', content: '<p>Order <b>4500123</b> shipped</p>' }, importance: 'high' })) as Json;
    expect(posted.id).toMatch(/^\d{13}$/);
    expect(posted.body).toEqual({ contentType: 'html', content: '<p>Order <b>4500123</b> shipped</p>' });
    expect(posted.importance).toBe('high');
    expect(posted.from.application.id).toBe(sb.clientId);
    const reply = (await client.api(`/teams/${teamId}/channels/${channelId}/messages/${posted.id}/replies`)
      .post({ body: { content: 'Thanks!' } })) as Json;
    expect(reply.replyToId).toBe(posted.id);
    const back = (await client.api(`/teams/${teamId}/channels/${channelId}/messages/${posted.id}`).expand('replies').get()) as Json;
    expect(back.replies.map((r: Json) => r.id)).toEqual([reply.id]);
    const newest = (await client.api(`/teams/${teamId}/channels/${channelId}/messages`).top(1).get()) as Json;
    expect(newest.value[0].id).toBe(posted.id);
  });

  it('rejects a message without content with a GraphError 400 BadRequest', async () => {
    const err = await client.api(`/teams/${teamId}/channels/${channelId}/messages`).post({ body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphError);
    expect((err as GraphError).statusCode).toBe(400);
    expect((err as GraphError).code).toBe('BadRequest');
  });

  it('runs a $batch of 20 user lookups built with BatchRequestContent in one HTTP call', async () => {
    const users = sb.data().users.slice(100, 120);
    const batch = new BatchRequestContent(users.map((u, i) => ({
      id: String(i + 1), request: new Request(`${sb.url}/v1.0/users/${u.mail}?$select=id,mail`, { method: 'GET' }),
    })));
    const response = new BatchResponseContent((await client.api('/$batch').post(await batch.getContent())) as Json as never);
    for (let i = 0; i < users.length; i++) {
      const item = response.getResponseById(String(i + 1));
      expect(item.status).toBe(200);
      expect(((await item.json()) as Json).mail).toBe(users[i]?.mail);
    }
    expect(counter(sb, 'POST /v1.0/$batch')).toBe(1);
    expect(counter(sb, '$batch GET /v1.0/users/{id}')).toBe(20);
  });

  it('retries a 429 after its Retry-After and then succeeds', async () => {
    await admin(sb, 'PUT', 'faults', { forceStatus: 429, forceCount: 1, retryAfter: 1, pathPrefix: '/v1.0/teams' });
    const teams = (await client.api('/teams').get()) as Json;
    expect(teams.value).toHaveLength(10);
    expect(counter(sb, 'GET /v1.0/teams')).toBe(2);
  });

  it('throttles an app above requestsPerSecond with 429 TooManyRequests, which the SDK retries', async () => {
    await admin(sb, 'PATCH', 'settings', { requestsPerSecond: 1 });
    const results = await Promise.all([client.api(`/teams/${teamId}`).get(), client.api(`/teams/${teamId}`).get()]) as Json[];
    expect(results.map((t) => t.id)).toEqual([teamId, teamId]);
    expect(counter(sb, 'GET /v1.0/teams/{id}')).toBeGreaterThanOrEqual(3);
  });

  it('finds users by mail with eq and in filters and $select', async () => {
    const [a, b, c] = sb.data().users.slice(7, 10);
    const one = (await client.api('/users').filter(`mail eq '${a?.mail.toUpperCase()}'`).get()) as Json;
    expect(one.value.map((u: Json) => u.id)).toEqual([a?.id]);
    const many = (await client.api('/users').filter(`mail in ('${a?.mail}','${b?.mail}','${c?.mail}','nobody@example.com')`)
      .select('id,mail,jobTitle').get()) as Json;
    expect(many.value.map((u: Json) => u.mail).sort()).toEqual([a?.mail, b?.mail, c?.mail].sort());
    expect(Object.keys(many.value[0]).sort()).toEqual(['id', 'jobTitle', 'mail']);
    const byUpn = (await client.api(`/users/${b?.userPrincipalName}`).get()) as Json;
    expect(byUpn.id).toBe(b?.id);
  });

  it('pages a delta round to a deltaLink, then returns only what changed since', async () => {
    const channels = (await client.api(`/teams/${teamId}/channels`).get()) as Json;
    const quiet = channels.value[channels.value.length - 1].id as string;
    const roots = sb.data().messages.get(`${teamId}|${quiet}`)?.roots.length ?? 0;
    let page = (await client.api(`/teams/${teamId}/channels/${quiet}/messages/delta`).top(50).get()) as Json;
    const ids = new Set<string>();
    while (page['@odata.nextLink']) {
      page.value.forEach((m: Json) => ids.add(m.id));
      page = (await client.api(page['@odata.nextLink']).get()) as Json;
    }
    page.value.forEach((m: Json) => ids.add(m.id));
    expect(ids.size).toBe(roots);
    const deltaLink = page['@odata.deltaLink'] as string;
    expect(deltaLink).toContain('$deltatoken=');

    const posted = (await client.api(`/teams/${teamId}/channels/${quiet}/messages`).post({ body: { content: 'new since last sync' } })) as Json;
    const changes = (await client.api(deltaLink).get()) as Json;
    expect(changes.value.map((m: Json) => m.id)).toEqual([posted.id]);
    const none = (await client.api(changes['@odata.deltaLink']).get()) as Json;
    expect(none.value).toEqual([]);
  });

  it('answers 401 InvalidAuthenticationToken once the sandbox revokes issued tokens', async () => {
    const fresh = graphClient(sb);
    await fresh.api('/teams').get();
    await admin(sb, 'POST', 'tokens/expire');
    const err = await fresh.api('/teams').get().catch((e: unknown) => e);
    expect((err as GraphError).statusCode).toBe(401);
    expect((err as GraphError).code).toBe('InvalidAuthenticationToken');
  });
});

describe('Graph sandbox with ClientCertificateCredential', () => {
  let sb: GraphSandbox;
  let pem: string;
  const clientId = '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';

  beforeAll(async () => {
    const cert = await generate([{ name: 'commonName', value: 'lumina-gateway' }], { keySize: 2048, algorithm: 'sha256' });
    pem = `${cert.private}\n${cert.cert}`;
    sb = await startSandbox({ size: { accounts: 10, people: 50, teams: 2, channels: 3, messages: 30 }, apps: [{ clientId, certificates: [cert.cert], roles: DEFAULT_ROLES }] });
  });
  afterAll(async () => { await sb.close(); });

  it('accepts a client assertion signed by the registered certificate', async () => {
    const credential = new ClientCertificateCredential(sb.tenantId, clientId, { certificate: pem }, { authorityHost: sb.url, disableInstanceDiscovery: true });
    const teams = (await graphClient(sb, credential).api('/teams').get()) as Json;
    expect(teams.value).toHaveLength(2);
  });

  it('refuses an assertion signed by an unregistered certificate with AADSTS700027', async () => {
    const other = await generate([{ name: 'commonName', value: 'intruder' }], { keySize: 2048, algorithm: 'sha256' });
    const credential = new ClientCertificateCredential(sb.tenantId, clientId, { certificate: `${other.private}\n${other.cert}` }, {
      authorityHost: sb.url, disableInstanceDiscovery: true,
    });
    const err = await credential.getToken('https://graph.microsoft.com/.default').catch((e: unknown) => e);
    expect(String((err as Error).message)).toContain('AADSTS700027');
  });
});
