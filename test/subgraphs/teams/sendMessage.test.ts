/**
 * Mutation.sendMessage against the sandbox: the round trip (posted once, returned from Graph's 201
 * answer, readable at once through the index without a refresh), and validation that refuses bad
 * input before anything goes upstream.
 */
import { startHarness, type Harness } from './teamsHarness';

const SEND = `mutation($c: ID!, $text: String!, $type: MessageContentType) {
  sendMessage(channelId: $c, content: $text, contentType: $type) { id messageId body { content contentType } importance sender { email } channel { id } team { id } } }`;
const POSTS = 'POST /v1.0/teams/{id}/channels/{id}/messages';

describe('sendMessage', () => {
  let h: Harness;
  let teamId: string;
  let channelId: string;

  beforeAll(async () => {
    h = await startHarness();
    [teamId, channelId] = ([...h.sb.data().messages.keys()][11] as string).split('|') as [string, string];
  });
  afterAll(async () => { await h.close(); });
  beforeEach(() => h.resetCounts());

  it('posts once and the message is readable through channel and message queries without a refresh', async () => {
    const res = await h.query(SEND, { c: channelId, text: 'Shipment for order 4711 left the warehouse.' });
    expect(res.errors).toBeUndefined();
    const sent = res.data?.sendMessage;
    const stored = h.sb.data().messages.get(`${teamId}|${channelId}`)?.byId.get(sent.messageId)?.message;
    expect(stored?.body).toEqual({ contentType: 'text', content: 'Shipment for order 4711 left the warehouse.' });
    expect(sent).toEqual(expect.objectContaining({
      body: { content: 'Shipment for order 4711 left the warehouse.', contentType: 'TEXT' }, importance: 'NORMAL',
      sender: null, channel: { id: channelId }, team: { id: teamId },
    }));
    expect(h.counts()).toEqual({ [POSTS]: 1 });
    h.resetCounts();
    const read = await h.query(`query($t: ID!, $c: ID!, $id: ID!) {
      channel(teamId: $t, channelId: $c) { messages(first: 1) { nodes { id } } } message(id: $id) { body { content } } }`, { t: teamId, c: channelId, id: sent.id });
    expect(read.data).toEqual({ channel: { messages: { nodes: [{ id: sent.id }] } }, message: { body: { content: 'Shipment for order 4711 left the warehouse.' } } });
    expect(h.counts()).toEqual({});
  });

  it('posts HTML when asked and accepts exactly 28,000 characters', async () => {
    const html = `<p>${'x'.repeat(27_993)}</p>`;
    const res = await h.query(SEND, { c: channelId, text: html, type: 'HTML' });
    expect(res.errors).toBeUndefined();
    expect(res.data?.sendMessage.body).toEqual({ content: html, contentType: 'HTML' });
    const stored = h.sb.data().messages.get(`${teamId}|${channelId}`)?.byId.get(res.data?.sendMessage.messageId)?.message;
    expect(stored?.body.contentType).toBe('html');
  });

  it.each([
    ['blank content', { text: ' \n\t ' }, 'BAD_USER_INPUT', 'content'],
    ['content over 28,000 characters', { text: 'y'.repeat(28_001) }, 'BAD_USER_INPUT', 'content'],
    ['a malformed channel id', { c: "19:abc'/../@thread.tacv2" }, 'BAD_USER_INPUT', 'channelId'],
    ['an unknown channel', { c: '19:00000000000000000000000000000000@thread.tacv2' }, 'NOT_FOUND', 'channelId'],
  ])('refuses %s before anything goes upstream', async (_what, vars, code, field) => {
    const res = await h.query(SEND, { c: channelId, text: 'hello', ...vars });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions).toEqual({ code, field, system: 'teams', retryable: false });
    expect(h.counts()).toEqual({});
  });
});
