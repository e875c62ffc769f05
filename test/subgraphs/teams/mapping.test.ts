/** Graph chatMessage → MessageModel: formats, importance, sender, and what is not served. */
import { mapChannel, mapChatMessage, mapTeam } from '../../../subgraphs/teams/mapping';
import { decodeMessageId } from '../../../subgraphs/teams/messageId';

const TEAM = 'fbe2bf47-16c8-47cf-b4a5-4b9b187c508b';
const CHANNEL = '19:4a95f7d8db4c4e7fae857bcebe0623e6@thread.tacv2';

function chatMessage(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '1616990032035', replyToId: null, etag: '1616990032035', messageType: 'message',
    createdDateTime: '2021-03-29T03:53:52.035Z', lastModifiedDateTime: '2021-03-29T04:00:00Z', deletedDateTime: null,
    subject: 'Renewal', importance: 'high', webUrl: 'https://teams.microsoft.com/l/message/x',
    from: { application: null, device: null, user: { id: '8EA0E38B-EFB3-4757-924A-5F94061CF8C2', displayName: 'Robin Kline', userIdentityType: 'aadUser' } },
    body: { contentType: 'html', content: '<p>Hello</p>' },
    channelIdentity: { teamId: TEAM, channelId: CHANNEL },
    ...over,
  };
}

describe('chatMessage mapping', () => {
  it('maps body, importance, times, link and the sending user', () => {
    const m = mapChatMessage(chatMessage());
    expect(m).toEqual({
      id: expect.any(String), messageId: '1616990032035', teamId: TEAM, channelId: CHANNEL,
      body: { contentType: 'HTML', content: '<p>Hello</p>' }, subject: 'Renewal', importance: 'HIGH',
      createdAt: '2021-03-29T03:53:52.035Z', updatedAt: '2021-03-29T04:00:00.000Z', webUrl: 'https://teams.microsoft.com/l/message/x',
      senderUserId: '8ea0e38b-efb3-4757-924a-5f94061cf8c2',
    });
    expect(decodeMessageId(m?.id)).toEqual({ teamId: TEAM, channelId: CHANNEL, messageId: '1616990032035' });
  });

  it('maps text bodies, every importance, and application senders to no user', () => {
    expect(mapChatMessage(chatMessage({ body: { contentType: 'text', content: 'hi' } }))?.body).toEqual({ contentType: 'TEXT', content: 'hi' });
    expect(mapChatMessage(chatMessage({ importance: 'urgent' }))?.importance).toBe('URGENT');
    expect(mapChatMessage(chatMessage({ importance: 'normal' }))?.importance).toBe('NORMAL');
    expect(mapChatMessage(chatMessage({ from: { application: { id: 'bot' }, user: null } }))?.senderUserId).toBeNull();
    expect(mapChatMessage(chatMessage({ from: null }))?.senderUserId).toBeNull();
  });

  it('uses the channel it was read from when channelIdentity is missing', () => {
    expect(mapChatMessage(chatMessage({ channelIdentity: null }), { teamId: TEAM, channelId: CHANNEL })?.channelId).toBe(CHANNEL);
    expect(mapChatMessage(chatMessage({ channelIdentity: null }))).toBeNull();
  });

  it.each([
    ['deleted messages', { deletedDateTime: '2021-04-01T00:00:00Z' }],
    ['system events', { messageType: 'systemEventMessage' }],
    ['replies', { replyToId: '1616990000000' }],
    ['messages without a body', { body: null }],
    ['messages with a broken date', { createdDateTime: 'yesterday' }],
  ])('ignores %s', (_what, over) => {
    expect(mapChatMessage(chatMessage(over))).toBeNull();
  });

  it('maps teams and channels, and refuses ones without an id', () => {
    expect(mapTeam({ id: TEAM.toUpperCase(), displayName: 'Sales', description: null })).toEqual({ id: TEAM, displayName: 'Sales', description: null });
    expect(mapChannel({ id: CHANNEL, displayName: 'General', description: 'x' }, TEAM)).toEqual({ id: CHANNEL, teamId: TEAM, displayName: 'General', description: 'x' });
    expect(mapTeam({ displayName: 'x' })).toBeNull();
    expect(mapChannel(null, TEAM)).toBeNull();
  });
});
