import type { GraphSandbox } from '../../../subgraphs/teams/sandbox/graphSandbox';
import { accessToken, admin, counter, graphFetch, SMALL, startSandbox } from './graphSandboxHelpers';

type Item = { id: string; status: number; headers: Record<string, string>; body?: Record<string, unknown> };

describe('JSON $batch', () => {
  let sb: GraphSandbox;
  let token: string;
  let messages: string;

  beforeAll(async () => {
    sb = await startSandbox({ size: SMALL });
    token = await accessToken(sb);
    const team = sb.data().teams[0];
    messages = `/teams/${team?.id}/channels/${sb.data().channelsByTeam.get(team?.id ?? '')?.[0]?.id}/messages`;
  });
  afterAll(async () => { await sb.close(); });
  beforeEach(async () => {
    await admin(sb, 'DELETE', 'faults');
    await admin(sb, 'PATCH', 'settings', { requestsPerSecond: 100 });
    await admin(sb, 'POST', 'counters/reset');
  });

  async function batch(requests: unknown[]): Promise<Map<string, Item>> {
    const res = await graphFetch(sb, '/v1.0/$batch', { method: 'POST', token, body: { requests } });
    expect(res.status).toBe(200);
    return new Map((res.body.responses as Item[]).map((r) => [r.id, r]));
  }

  it('accepts urls with and without the /v1.0 prefix and answers each item with status, headers and body', async () => {
    const user = sb.data().users[3];
    const out = await batch([
      { id: 'a', method: 'GET', url: `/v1.0/users/${user?.id}` },
      { id: 'b', method: 'GET', url: `/users/${user?.mail}?$select=mail` },
    ]);
    expect(out.get('a')).toEqual(expect.objectContaining({ status: 200, headers: expect.objectContaining({ 'Content-Type': expect.stringContaining('application/json') }) }));
    expect(out.get('a')?.body?.id).toBe(user?.id);
    expect(out.get('b')?.body?.mail).toBe(user?.mail);
    expect(counter(sb, 'POST /v1.0/$batch')).toBe(1);
    expect(counter(sb, '$batch GET /v1.0/users/{id}')).toBe(2);
  });

  it('runs dependencies first and answers dependents of a failed request with 424', async () => {
    const before = sb.data().messages.size;
    const rootsBefore = [...sb.data().messages.values()].reduce((n, c) => n + c.roots.length, 0);
    const out = await batch([
      { id: 'post', method: 'POST', url: messages, headers: { 'Content-Type': 'application/json' }, body: { body: { content: 'after lookup' } }, dependsOn: ['lookup'] },
      { id: 'lookup', method: 'GET', url: '/users/nobody@nowhere.example' },
      { id: 'chained', method: 'GET', url: '/teams', dependsOn: ['post'] },
      { id: 'independent', method: 'GET', url: '/teams' },
    ]);
    expect(out.get('lookup')?.status).toBe(404);
    expect(out.get('post')?.status).toBe(424);
    expect(out.get('chained')?.status).toBe(424);
    expect(out.get('independent')?.status).toBe(200);
    expect((out.get('post')?.body?.error as { code?: string }).code).toBe('FailedDependency');
    expect(sb.data().messages.size).toBe(before);
    expect([...sb.data().messages.values()].reduce((n, c) => n + c.roots.length, 0)).toBe(rootsBefore);
  });

  it('creates with POST items (201) in dependency order', async () => {
    const out = await batch([
      { id: '2', method: 'GET', url: `${messages}?$top=1`, dependsOn: ['1'] },
      { id: '1', method: 'POST', url: messages, headers: { 'content-type': 'application/json' }, body: { body: { content: 'via batch' } } },
    ]);
    expect(out.get('1')?.status).toBe(201);
    const newest = (out.get('2')?.body?.value as Array<{ id: string }>)[0];
    expect(newest?.id).toBe(out.get('1')?.body?.id);
  });

  it('throttles items on their own with 429 and a Retry-After header', async () => {
    await admin(sb, 'PATCH', 'settings', { requestsPerSecond: 5 });
    const out = await batch(Array.from({ length: 20 }, (_, i) => ({ id: String(i), method: 'GET', url: '/teams' })));
    const statuses = [...out.values()].map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    const throttled = [...out.values()].filter((r) => r.status === 429);
    expect(throttled.length).toBeGreaterThan(5);
    for (const r of throttled) {
      expect(Number(r.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
      expect((r.body?.error as { code?: string }).code).toBe('TooManyRequests');
    }
  });

  it('applies fault knobs to single items', async () => {
    await admin(sb, 'PUT', 'faults', { forceStatus: 503, forceCount: 1, retryAfter: 7, pathPrefix: '/v1.0/users' });
    const user = sb.data().users[0];
    const out = await batch([
      { id: 'teams', method: 'GET', url: '/teams' },
      { id: 'u1', method: 'GET', url: `/users/${user?.id}` },
      { id: 'u2', method: 'GET', url: `/users/${user?.id}` },
    ]);
    expect(out.get('teams')?.status).toBe(200);
    expect(out.get('u1')?.status).toBe(503);
    expect(out.get('u1')?.headers['Retry-After']).toBe('7');
    expect(out.get('u2')?.status).toBe(200);
  });
});
