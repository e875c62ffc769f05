/** The index's storage: newest-first lists per sender and channel, keyset pages, replacement and the size bound. */
import { encodeMessageId } from '../../../subgraphs/teams/messageId';
import { createMessageStore, isSortKey, sortKey } from '../../../subgraphs/teams/messageStore';
import type { MessageModel } from '../../../subgraphs/teams/model';

const TEAM = 'fbe2bf47-16c8-47cf-b4a5-4b9b187c508b';
const CH = ['19:aaaa@thread.tacv2', '19:bbbb@thread.tacv2'];

function msg(n: number, sender: string | null, channel = 0, at = n): MessageModel {
  const channelId = CH[channel] as string;
  const messageId = String(1_700_000_000_000 + n);
  return {
    id: encodeMessageId({ teamId: TEAM, channelId, messageId }), messageId, teamId: TEAM, channelId,
    body: { contentType: 'TEXT', content: `m${n}` }, subject: null, importance: 'NORMAL',
    createdAt: new Date(1_700_000_000_000 + at * 1000).toISOString(), updatedAt: null, webUrl: null, senderUserId: sender,
  };
}

const contents = (nodes: MessageModel[]): string[] => nodes.map((m) => m.body.content);

describe('message store', () => {
  it('lists a sender newest first across channels, whatever the insert order, and pages by sort key', () => {
    const s = createMessageStore(100);
    for (const n of [3, 1, 5, 2, 4]) s.upsert(msg(n, 'u1', n % 2));
    s.upsert(msg(6, 'u2'));
    const first = s.bySender('U1', 2, null);
    expect(contents(first.nodes)).toEqual(['m5', 'm4']);
    expect(first.hasNextPage).toBe(true);
    const next = s.bySender('u1', 2, sortKey(first.nodes[1] as MessageModel));
    expect(contents(next.nodes)).toEqual(['m3', 'm2']);
    expect(contents(s.bySender('u1', 5, sortKey(next.nodes[1] as MessageModel)).nodes)).toEqual(['m1']);
    expect(contents(s.byChannel(CH[0] as string, 10, null).nodes)).toEqual(['m6', 'm4', 'm2']);
  });

  it('orders messages created in the same millisecond by message id', () => {
    const s = createMessageStore(100);
    s.upsert(msg(2, 'u', 0, 1));
    s.upsert(msg(1, 'u', 0, 1));
    expect(contents(s.bySender('u', 5, null).nodes)).toEqual(['m2', 'm1']);
  });

  it('replaces a message by id and removes it from every list', () => {
    const s = createMessageStore(100);
    s.upsert(msg(1, 'u1'));
    s.upsert({ ...msg(1, 'u1'), body: { contentType: 'HTML', content: 'edited' } });
    expect(s.size).toBe(1);
    expect(contents(s.bySender('u1', 5, null).nodes)).toEqual(['edited']);
    s.remove(msg(1, 'u1').id);
    expect(s.bySender('u1', 5, null)).toEqual({ nodes: [], hasNextPage: false });
    expect(s.byChannel(CH[1] as string, 5, null).nodes).toEqual([]);
  });

  it('drops the oldest messages beyond its bound', () => {
    const s = createMessageStore(3);
    for (let n = 1; n <= 5; n += 1) s.upsert(msg(n, 'u'));
    expect(s.size).toBe(3);
    expect(contents(s.bySender('u', 10, null).nodes)).toEqual(['m5', 'm4', 'm3']);
    expect(s.get(msg(1, 'u').id)).toBeUndefined();
  });

  it('recognises its own sort keys only', () => {
    expect(isSortKey(sortKey(msg(1, 'u')))).toBe(true);
    expect(isSortKey('2024|x')).toBe(false);
  });
});
