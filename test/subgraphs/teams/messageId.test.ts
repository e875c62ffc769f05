/**
 * The canonical message id: round trip and abuse (every malformed, forged or non-canonical id is a
 * BAD_USER_INPUT naming the argument, never an exception of another kind).
 */
import { GraphQLError } from 'graphql';
import { decodeMessageId, encodeMessageId, parseMessageId } from '../../../subgraphs/teams/messageId';

const TEAM = '370fc31d-2e33-41e5-9f29-9a2eef303f8c';
const CHANNEL = '19:4a95f7d8db4c4e7fae857bcebe0623e6@thread.tacv2';
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');

describe('canonical message ids', () => {
  it('round-trips team, channel and message id through an opaque url-safe string', () => {
    const id = encodeMessageId({ teamId: TEAM, channelId: CHANNEL, messageId: '1616990032035' });
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(id).not.toContain(CHANNEL);
    expect(decodeMessageId(id)).toEqual({ teamId: TEAM, channelId: CHANNEL, messageId: '1616990032035' });
  });

  it('gives one message one id whatever the case of the team id', () => {
    expect(encodeMessageId({ teamId: TEAM.toUpperCase(), channelId: CHANNEL, messageId: '1' })).toBe(encodeMessageId({ teamId: TEAM, channelId: CHANNEL, messageId: '1' }));
  });

  it.each([
    ['an empty string', ''],
    ['plain text', 'hello world'],
    ['a huge string', 'A'.repeat(100_000)],
    ['base64 of garbage', b64('garbage')],
    ['another version', b64(`m2|${TEAM}|${CHANNEL}|1`)],
    ['too few parts', b64(`m1|${TEAM}|${CHANNEL}`)],
    ['too many parts', b64(`m1|${TEAM}|${CHANNEL}|1|2`)],
    ['a team id that is no GUID', b64(`m1|team|${CHANNEL}|1`)],
    ['a channel id with path characters', b64(`m1|${TEAM}|19:../../x@thread.tacv2|1`)],
    ['a message id with letters', b64(`m1|${TEAM}|${CHANNEL}|12ab`)],
    ['an upper-case team id (non-canonical spelling)', b64(`m1|${TEAM.toUpperCase()}|${CHANNEL}|1`)],
    ['standard base64 with padding', Buffer.from(`m1|${TEAM}|${CHANNEL}|12`).toString('base64')],
    ['invalid UTF-8', Buffer.from([0xff, 0xfe, 0x7c, 0x7c, 0x7c]).toString('base64url')],
  ])('refuses %s with BAD_USER_INPUT', (_what, id) => {
    expect(parseMessageId(id)).toBeNull();
    let caught: unknown;
    try {
      decodeMessageId(id, 'id');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(GraphQLError);
    expect((caught as GraphQLError).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'id', system: 'teams', retryable: false });
  });

  it('refuses values that are not strings', () => {
    for (const v of [null, undefined, 42, {}, ['a']]) expect(parseMessageId(v)).toBeNull();
  });
});
