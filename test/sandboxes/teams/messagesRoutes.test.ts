import type { GraphSandbox } from '../../../subgraphs/teams/sandbox/graphSandbox';
import type { ChannelMessages } from '../../../subgraphs/teams/sandbox/graphStore';
import { accessToken, admin, graphFetch, SMALL, startSandbox } from './graphSandboxHelpers';

type Msg = Record<string, unknown> & { id: string; replies?: Msg[] };

describe('channel messages, replies and delta', () => {
  let sb: GraphSandbox;
  let token: string;
  let base: string;
  let store: ChannelMessages;
  let key: string;

  beforeAll(async () => {
    sb = await startSandbox({ size: SMALL });
    token = await accessToken(sb);
    const [busiest, channel] = [...sb.data().messages.entries()].sort(([, a], [, b]) => b.roots.length - a.roots.length)[0] ?? ['', undefined];
    if (!channel) throw new Error('no channel seeded');
    store = channel;
    key = busiest;
    const [teamId, channelId] = key.split('|');
    base = `/v1.0/teams/${teamId}/channels/${channelId}/messages`;
  });
  afterAll(async () => { await sb.close(); });

  it('returns 20 root messages by default with an @odata.context, newest first', async () => {
    const res = await graphFetch(sb, base, { token });
    expect(res.status).toBe(200);
    expect(res.body['@odata.context']).toMatch(/\$metadata#teams\('.*'\)\/channels\('19%3A.*%40thread\.tacv2'\)\/messages$/);
    const value = res.body.value as Msg[];
    expect(value).toHaveLength(20);
    expect(value.every((m) => m.replyToId === null)).toBe(true);
    const newest = store.roots[store.roots.length - 1]?.message.id;
    expect(value[0]?.id).toBe(newest);
  });

  it('inlines replies with $expand=replies', async () => {
    const threaded = [...store.roots].reverse().find((r) => r.replies.length > 0);
    const res = await graphFetch(sb, `${base}/${threaded?.message.id}?$expand=replies`, { token });
    const replies = res.body.replies as Msg[];
    expect(replies.map((r) => r.id)).toEqual(threaded?.replies.map((r) => r.message.id));
    expect(replies.every((r) => r.replyToId === threaded?.message.id)).toBe(true);
  });

  it('inlines replies in message lists with $expand=replies and keeps the option in nextLink', async () => {
    const res = await graphFetch(sb, `${base}?$top=50&$expand=replies`, { token });
    expect(res.body['@odata.context']).toMatch(/messages\(replies\(\)\)$/);
    expect(String(res.body['@odata.nextLink'])).toContain('$expand=replies');
    const value = res.body.value as Msg[];
    expect(value.every((m) => Array.isArray(m.replies))).toBe(true);
    const total = value.reduce((n, m) => n + (m.replies?.length ?? 0), 0);
    const expected = value.reduce((n, m) => n + (store.byId.get(m.id)?.replies.length ?? 0), 0);
    expect(total).toBe(expected);
  });

  it('pages replies and gets a single reply', async () => {
    const threaded = store.roots.find((r) => r.replies.length >= 2);
    const page = await graphFetch(sb, `${base}/${threaded?.message.id}/replies?$top=1`, { token });
    expect(page.body['@odata.count']).toBe(threaded?.replies.length);
    expect(String(page.body['@odata.nextLink'])).toContain('$skiptoken=');
    const first = (page.body.value as Msg[])[0];
    const one = await graphFetch(sb, `${base}/${threaded?.message.id}/replies/${first?.id}`, { token });
    expect(one.body.id).toBe(first?.id);
    expect(one.body['@odata.context']).toMatch(/replies\/\$entity$/);
  });

  it('carries every chatMessage field of the documented resource', async () => {
    const res = await graphFetch(sb, `${base}?$top=1`, { token });
    const m: Record<string, unknown> = (res.body.value as Msg[])[0] ?? {};
    for (const field of ['id', 'replyToId', 'etag', 'messageType', 'createdDateTime', 'lastModifiedDateTime', 'lastEditedDateTime',
      'deletedDateTime', 'subject', 'summary', 'chatId', 'importance', 'locale', 'webUrl', 'policyViolation', 'eventDetail', 'from',
      'body', 'channelIdentity', 'attachments', 'mentions', 'reactions', 'messageHistory']) {
      expect(m).toHaveProperty(field);
    }
    expect(String(m.webUrl)).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/message\/19%3A/);
  });

  it('filters a delta round by lastModifiedDateTime and counts a new reply as a change of its root', async () => {
    const sorted = [...store.roots].sort((a, b) => a.message.lastModifiedDateTime.localeCompare(b.message.lastModifiedDateTime));
    const since = sorted[sorted.length - 5]?.message.lastModifiedDateTime ?? '';
    const expected = sorted.filter((r) => r.message.lastModifiedDateTime > since).map((r) => r.message.id).sort();
    const first = await graphFetch(sb, `${base}/delta?$filter=lastModifiedDateTime gt ${since}&$top=2`, { token });
    let page = first;
    const ids: string[] = [];
    for (let guard = 0; guard < 10 && page.body['@odata.nextLink']; guard++) {
      ids.push(...(page.body.value as Msg[]).map((m) => m.id));
      page = await graphFetch(sb, String(page.body['@odata.nextLink']).slice(sb.url.length), { token });
    }
    ids.push(...(page.body.value as Msg[]).map((m) => m.id));
    expect(ids.sort()).toEqual(expected);

    const root = store.roots[0];
    const reply = await graphFetch(sb, `${base}/${root?.message.id}/replies`, { method: 'POST', token, body: { body: { content: 'late reply' } } });
    expect(reply.status).toBe(201);
    const next = await graphFetch(sb, String(page.body['@odata.deltaLink']).slice(sb.url.length), { token });
    expect((next.body.value as Msg[]).map((m) => m.id)).toEqual([root?.message.id]);
  });

  it('restores the seed on POST /__admin/reset', async () => {
    const seeded = store.roots.length;
    await graphFetch(sb, base, { method: 'POST', token, body: { body: { content: 'temporary' } } });
    expect(store.roots.length).toBe(seeded + 1);
    await admin(sb, 'POST', 'reset');
    const fresh = sb.data().messages.get(key);
    expect(fresh).not.toBe(store);
    expect(fresh?.roots.length).toBe(seeded);
    const listed = await graphFetch(sb, `${base}?$top=1`, { token });
    expect((listed.body.value as Msg[])[0]?.id).toBe(fresh?.roots[seeded - 1]?.message.id);
  });
});
