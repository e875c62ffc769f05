/**
 * Per-request DataLoader: canonical message id → MessageModel. Ids are decoded first (garbage is a
 * BAD_USER_INPUT for that key only); messages outside the watched channels are null without an
 * upstream call; the message index answers the rest when it has them, and the remaining ones are
 * fetched with `GET /teams/{t}/channels/{c}/messages/{id}` items in one `$batch` (404 → null).
 *
 * The tenant's entity cache sits in front (`Message:<canonical id>` entries tagged the same, TTL
 * `ENTITY_CACHE_TTL_MESSAGE_MS`, 15 s by default): an edited message can be served as it was until
 * then unless its tag is invalidated. Unknown messages and failures are not cached.
 */
import DataLoader from 'dataloader';
import { cachedBatch, type TenantCache } from '../kit/cachedBatch';
import type { ChannelDirectory } from './channelDirectory';
import type { GraphClient } from './graphClient';
import { mapChatMessage } from './mapping';
import type { MessageIndex } from './messageIndex';
import { decodeMessageId, parseMessageId, type MessageKey } from './messageId';
import type { MessageModel } from './model';
import { messageTag } from './teamsCacheTags';

export interface MessageLoaderDeps {
  graph: GraphClient;
  index: MessageIndex;
  directory: ChannelDirectory;
  requestId: string;
  /** W3C `traceparent` for the Graph calls. @default none */
  traceparent?: string;
  cache: TenantCache;
}

type Answer = MessageModel | null | Error;

function messageUrl(k: MessageKey): string {
  return `/teams/${k.teamId}/channels/${encodeURIComponent(k.channelId)}/messages/${k.messageId}`;
}

async function loadMessages(deps: MessageLoaderDeps, ids: readonly string[]): Promise<Answer[]> {
  const answers: Answer[] = new Array<Answer>(ids.length).fill(null);
  const keys = ids.map((id, i) => {
    try {
      return decodeMessageId(id);
    } catch (err) {
      answers[i] = err as Error;
      return null;
    }
  });
  if (keys.every((k) => k === null)) return answers;
  const snap = await deps.directory.snapshot();
  if (deps.index.isBuilt()) await deps.index.fresh();
  const misses: number[] = [];
  keys.forEach((k, i) => {
    if (!k || snap.channelsById.get(k.channelId)?.teamId !== k.teamId) return;
    const hit = deps.index.get(ids[i] as string);
    if (hit) answers[i] = hit;
    else misses.push(i);
  });
  if (misses.length === 0) return answers;
  const results = await deps.graph.batch(misses.map((i) => ({ method: 'GET' as const, url: messageUrl(keys[i] as MessageKey) })), { requestId: deps.requestId, ...(deps.traceparent ? { traceparent: deps.traceparent } : {}) });
  results.forEach((r, j) => {
    const i = misses[j] as number;
    if (r.ok) answers[i] = mapChatMessage(r.body, keys[i] as MessageKey);
    else answers[i] = r.status === 404 ? null : r.error;
  });
  return answers;
}

export function createMessageLoader(deps: MessageLoaderDeps): DataLoader<string, MessageModel | null> {
  return new DataLoader(cachedBatch<string, MessageModel | null>({
    cache: deps.cache.entityCache,
    tenant: deps.cache.tenant,
    type: 'Message',
    keyOf: (id) => (parseMessageId(id) ? id : null),
    tagsOf: (m, id) => [messageTag(m?.id ?? id)],
  }, (ids) => loadMessages(deps, ids)));
}
