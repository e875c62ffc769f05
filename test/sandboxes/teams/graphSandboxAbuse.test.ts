/**
 * Hostile and broken input against the Graph sandbox: every case must get Graph's error shape with a
 * 4xx, and the server must keep answering afterwards.
 */
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import type { GraphSandbox } from '../../../subgraphs/teams/sandbox/graphSandbox';
import { accessToken, expectGraphError, graphFetch, SMALL, startSandbox } from './graphSandboxHelpers';

describe('Graph sandbox under abuse', () => {
  let sb: GraphSandbox;
  let token: string;
  let messagesPath: string;
  const now = (): number => Math.floor(Date.now() / 1000);
  const claims = (): Record<string, unknown> => ({
    aud: 'https://graph.microsoft.com', iss: `https://sts.windows.net/${sb.tenantId}/`, appid: sb.clientId, tid: sb.tenantId,
    roles: ['ChannelMessage.Read.All', 'User.Read.All'], iat: now(), nbf: now(), exp: now() + 600,
  });

  beforeAll(async () => {
    sb = await startSandbox({ size: SMALL });
    token = await accessToken(sb);
    const team = sb.data().teams[0];
    const channel = sb.data().channelsByTeam.get(team?.id ?? '')?.[0];
    messagesPath = `/v1.0/teams/${team?.id}/channels/${channel?.id}/messages`;
  });
  afterAll(async () => {
    // After everything below, the server still serves normal requests.
    const res = await graphFetch(sb, '/v1.0/teams', { token });
    expect(res.status).toBe(200);
    await sb.close();
  });

  describe('bearer tokens', () => {
    it('answers a request without a token with 401 InvalidAuthenticationToken and a Bearer challenge', async () => {
      const res = await graphFetch(sb, '/v1.0/teams');
      expectGraphError(res, 401, 'InvalidAuthenticationToken');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    });

    it.each([
      ['expired', { exp: Math.floor(Date.now() / 1000) - 60, iat: Math.floor(Date.now() / 1000) - 3660, nbf: Math.floor(Date.now() / 1000) - 3660 }],
      ['for another audience', { aud: 'api://someone-else' }],
      ['from another tenant', { tid: '11111111-2222-4333-8444-555555555555' }],
    ])('answers a token %s with 401', async (_label, overrides) => {
      const bad = await sb.tokens.mint({ ...claims(), ...overrides });
      expectGraphError(await graphFetch(sb, '/v1.0/teams', { token: bad }), 401, 'InvalidAuthenticationToken');
    });

    it('answers a token signed by another key with 401', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const forged = await new SignJWT({ ...claims(), uti: 'forged' }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
      expectGraphError(await graphFetch(sb, '/v1.0/teams', { token: forged }), 401, 'InvalidAuthenticationToken');
    });

    it('answers garbage and Basic credentials with 401', async () => {
      expectGraphError(await graphFetch(sb, '/v1.0/teams', { token: 'a.b.c' }), 401, 'InvalidAuthenticationToken');
      expectGraphError(await graphFetch(sb, '/v1.0/teams', { headers: { authorization: 'Basic YTpi' } }), 401, 'InvalidAuthenticationToken');
    });

    it('answers a valid token without the needed application role with 403', async () => {
      const weak = await sb.tokens.mint({ ...claims(), roles: ['User.Read.All'] });
      expectGraphError(await graphFetch(sb, messagesPath, { token: weak }), 403, 'Forbidden');
      const none = await sb.tokens.mint({ ...claims(), roles: [] });
      expectGraphError(await graphFetch(sb, '/v1.0/users', { token: none }), 403, 'Authorization_RequestDenied');
    });
  });

  describe('request bodies', () => {
    it('answers malformed JSON with 400 BadRequest', async () => {
      expectGraphError(await graphFetch(sb, messagesPath, { method: 'POST', token, rawBody: '{"body":', headers: { 'content-type': 'application/json' } }), 400, 'BadRequest');
      expectGraphError(await graphFetch(sb, '/v1.0/$batch', { method: 'POST', token, rawBody: '[1,2', headers: { 'content-type': 'application/json' } }), 400, 'BadRequest');
    });

    it('answers wrongly typed message fields with 400', async () => {
      for (const body of [[], { body: 'hi' }, { body: { content: 7 } }, { body: { content: 'x', contentType: 'pdf' } },
        { body: { content: 'x' }, importance: 'critical' }, { body: { content: 'x' }, from: { user: { id: 'nobody' } } },
        { body: { content: 'x' }, mentions: [{ id: 0, mentioned: { user: { id: 'x' } } }] }]) {
        expectGraphError(await graphFetch(sb, messagesPath, { method: 'POST', token, body }), 400, 'BadRequest');
      }
    });

    it('answers an over-long message with 413 and a body over the server cap with 413', async () => {
      expectGraphError(await graphFetch(sb, messagesPath, { method: 'POST', token, body: { body: { content: 'x'.repeat(40_000) } } }), 413, 'RequestEntityTooLarge');
      const huge = JSON.stringify({ body: { content: 'y'.repeat(11 * 1024 * 1024) } });
      const res = await graphFetch(sb, messagesPath, { method: 'POST', token, rawBody: huge, headers: { 'content-type': 'application/json' } });
      expectGraphError(res, 413, 'RequestEntityTooLarge');
    });
  });

  describe('query options', () => {
    const manyMails = Array.from({ length: 40 }, (_, i) => `'u${i}@x.com'`).join(',');
    it.each([
      ['an unterminated string', "/v1.0/users?$filter=mail eq 'unterminated", 'BadRequest'],
      ['an unknown property', "/v1.0/users?$filter=passwordProfile eq 'x'", 'Request_UnsupportedQuery'],
      ['deep nesting', "/v1.0/users?$filter=mail eq 'a' or (((((((((((((((((((mail eq 'b')))))))))))))))))))", 'BadRequest'],
      ['40 in values', `/v1.0/users?$filter=${encodeURIComponent(`mail in (${manyMails})`)}`, 'Request_UnsupportedQuery'],
      ['a repeated $filter', "/v1.0/users?$filter=mail eq 'a'&$filter=mail eq 'b'", 'BadRequest'],
      ['a huge $top', '/v1.0/users?$top=1000000', 'BadRequest'],
      ['a negative $top', '/v1.0/users?$top=-5', 'BadRequest'],
      ['an unknown $select property', '/v1.0/users?$select=id,passwordProfile', 'BadRequest'],
      ['a foreign $skiptoken', '/v1.0/users?$skiptoken=not-ours', 'BadRequest'],
    ])('answers a user query with %s with 400', async (_label, path, code) => {
      expectGraphError(await graphFetch(sb, path, { token }), 400, code);
    });

    it('answers message lists with $top over 50, unsupported options or forged tokens with 400', async () => {
      for (const q of ['$top=51', '$top=abc', "$filter=importance eq 'high'", '$orderby=createdDateTime', '$expand=hostedContents',
        `$skiptoken=${Buffer.from('{"k":"messages","b":"x"}').toString('base64url')}`]) {
        expectGraphError(await graphFetch(sb, `${messagesPath}?${q}`, { token }), 400, 'BadRequest');
      }
      for (const q of ['$deltatoken=garbage', `$deltatoken=${Buffer.from('{"k":"deltaLink","t":"x","c":"y","w":1,"n":5}').toString('base64url')}`,
        '$filter=lastModifiedDateTime lt 2026-01-01T00:00:00Z', '$top=500']) {
        expect((await graphFetch(sb, `${messagesPath}/delta?${q}`, { token })).status).toBe(400);
      }
    });
  });

  describe('routing', () => {
    it('answers unknown resources with 404 in the Graph shape', async () => {
      expectGraphError(await graphFetch(sb, '/v1.0/teams/00000000-0000-4000-8000-000000000000', { token }), 404, 'NotFound');
      expectGraphError(await graphFetch(sb, `${messagesPath}/123`, { token }), 404, 'NotFound');
      expectGraphError(await graphFetch(sb, '/v1.0/users/nobody@nowhere.example', { token }), 404, 'Request_ResourceNotFound');
      expectGraphError(await graphFetch(sb, '/v1.0/no/such/thing', { token }), 404, 'NotFound');
    });

    it('answers a wrong method with 405 and bad percent-encoding with 400', async () => {
      expectGraphError(await graphFetch(sb, '/v1.0/teams', { method: 'DELETE', token }), 405, 'MethodNotAllowed');
      expectGraphError(await graphFetch(sb, '/v1.0/users/%E0%A4%A', { token }), 400, 'BadRequest');
    });
  });

  describe('$batch', () => {
    const get = (id: string, url = '/teams'): Record<string, unknown> => ({ id, method: 'GET', url });
    const batch = (requests: unknown): ReturnType<typeof graphFetch> => graphFetch(sb, '/v1.0/$batch', { method: 'POST', token, body: { requests } });

    it.each([
      ['21 requests', Array.from({ length: 21 }, (_, i) => get(String(i + 1)))],
      ['no requests', []],
      ['a non-array', { a: 1 }],
      ['duplicate ids', [get('1'), get('1')]],
      ['a numeric id', [{ id: 1, method: 'GET', url: '/teams' }]],
      ['an unknown method', [{ id: '1', method: 'TRACE', url: '/teams' }]],
      ['a dependsOn cycle', [{ ...get('1'), dependsOn: ['2'] }, { ...get('2'), dependsOn: ['1'] }]],
      ['a self dependency', [{ ...get('1'), dependsOn: ['1'] }]],
      ['an unknown dependency', [{ ...get('1'), dependsOn: ['9'] }]],
      ['a body without Content-Type', [{ id: '1', method: 'POST', url: messagesPathRef(), body: { body: { content: 'x' } } }]],
    ])('refuses a batch with %s with 400', async (_label, requests) => {
      expectGraphError(await batch(requests), 400, 'BadRequest');
    });

    function messagesPathRef(): string {
      return '/teams/x/channels/y/messages';
    }

    it('answers nested batches, absolute urls and unknown paths per item, inside a 200', async () => {
      const res = await batch([
        { id: 'nested', method: 'POST', url: '/$batch', headers: { 'content-type': 'application/json' }, body: { requests: [] } },
        get('absolute', 'https://evil.example.com/v1.0/teams'),
        get('beta', '/beta/teams'),
        get('missing', '/nothing/here'),
        get('ok', 'teams'),
      ]);
      expect(res.status).toBe(200);
      const byId = new Map((res.body.responses as Array<Record<string, unknown>>).map((r) => [r.id, r]));
      expect(byId.get('nested')?.status).toBe(400);
      expect(byId.get('absolute')?.status).toBe(400);
      expect(byId.get('beta')?.status).toBe(400);
      expect(byId.get('missing')?.status).toBe(404);
      expect(byId.get('ok')?.status).toBe(200);
      expect((byId.get('nested')?.body as { error?: { code?: string } }).error?.code).toBe('BadRequest');
    });
  });
});
