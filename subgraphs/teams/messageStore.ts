/**
 * The message index's storage: mapped root messages by canonical id, plus lists per sender and
 * per channel ordered by `sortKey` (creation time, then Graph message id, then canonical id).
 * Lists are kept oldest first internally, so the delta feed's mostly ascending inserts are appends;
 * pages are read newest first. Beyond `maxMessages` the oldest messages are dropped.
 */
import type { MessageModel } from './model';

export interface MessagePage {
  nodes: MessageModel[];
  hasNextPage: boolean;
}

export interface MessageStore {
  get(id: string): MessageModel | undefined;
  /** Insert or replace a message (by canonical id). */
  upsert(message: MessageModel): void;
  remove(id: string): void;
  /** Newest first: up to `first` messages strictly older than the `after` sort key. */
  bySender(userId: string, first: number, after: string | null): MessagePage;
  byChannel(channelId: string, first: number, after: string | null): MessagePage;
  readonly size: number;
}

interface Entry {
  key: string;
  message: MessageModel;
}

/** The position of a message in every list; its text is the keyset cursor's payload. */
export function sortKey(m: Pick<MessageModel, 'createdAt' | 'messageId' | 'id'>): string {
  return `${m.createdAt}|${m.messageId.padStart(20, '0')}|${m.id}`;
}

/** Whether `s` has the shape of a sort key (cursor payloads are checked with it). */
export function isSortKey(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\|\d{20}\|[A-Za-z0-9_-]{1,512}$/.test(s);
}

/** First index whose key is >= `key` (the list ascends). */
function lowerBound(list: Entry[], key: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as Entry).key < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insert(list: Entry[], e: Entry): void {
  const last = list[list.length - 1];
  if (!last || last.key < e.key) list.push(e);
  else list.splice(lowerBound(list, e.key), 0, e);
}

function drop(list: Entry[] | undefined, key: string): void {
  if (!list) return;
  const i = lowerBound(list, key);
  if (list[i]?.key === key) list.splice(i, 1);
}

function pageOf(list: Entry[] | undefined, first: number, after: string | null): MessagePage {
  if (!list) return { nodes: [], hasNextPage: false };
  let i = (after === null ? list.length : lowerBound(list, after)) - 1;
  const nodes: MessageModel[] = [];
  for (; i >= 0 && nodes.length < first; i -= 1) nodes.push((list[i] as Entry).message);
  return { nodes, hasNextPage: i >= 0 };
}

export function createMessageStore(maxMessages: number): MessageStore {
  const byId = new Map<string, Entry>();
  const all: Entry[] = [];
  const senders = new Map<string, Entry[]>();
  const channels = new Map<string, Entry[]>();

  const listFor = (map: Map<string, Entry[]>, k: string): Entry[] => {
    let list = map.get(k);
    if (!list) map.set(k, (list = []));
    return list;
  };

  function remove(id: string): void {
    const e = byId.get(id);
    if (!e) return;
    byId.delete(id);
    drop(all, e.key);
    drop(channels.get(e.message.channelId), e.key);
    if (e.message.senderUserId) drop(senders.get(e.message.senderUserId), e.key);
  }

  return {
    get: (id) => byId.get(id)?.message,
    upsert(message) {
      remove(message.id);
      const e: Entry = { key: sortKey(message), message };
      byId.set(message.id, e);
      insert(all, e);
      insert(listFor(channels, message.channelId), e);
      if (message.senderUserId) insert(listFor(senders, message.senderUserId), e);
      while (byId.size > maxMessages && all[0]) remove(all[0].message.id);
    },
    remove,
    bySender: (userId, first, after) => pageOf(senders.get(userId.toLowerCase()), first, after),
    byChannel: (channelId, first, after) => pageOf(channels.get(channelId), first, after),
    get size() {
      return byId.size;
    },
  };
}
