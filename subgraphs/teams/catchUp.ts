/**
 * Catch-up after a lifecycle notification (`missed`, `reauthorizationRequired`,
 * `subscriptionRemoved`): notifications may have been lost, so the channel is re-read through the
 * message index's delta query and every root message created since `since` is published as a
 * CREATED event. The event ids are the ones the notifications produce (`messageEvent.ts`), so
 * messages that did arrive (or arrive later) are dropped by the log as duplicates and subscribers
 * see each message once.
 */
import type { EntityEvent } from '../../schema/eventEnvelope';
import type { MessageIndex } from './messageIndex';
import { toMessageEvent } from './messageEvent';
import { sortKey } from './messageStore';
import { channelTag } from './teamsCacheTags';

export interface CatchUpOptions {
  index: Pick<MessageIndex, 'refresh' | 'byChannel'>;
  publish(event: EntityEvent, extraTags: string[]): Promise<unknown>;
  tenant: string;
  teamId: string;
  channelId: string;
  /** Messages created at or after this time (epoch ms) are published. */
  since: number;
}

/** Refreshes the index, then publishes the channel's messages created since `since`; resolves to how many. */
export async function catchUpChannel(opts: CatchUpOptions): Promise<number> {
  await opts.index.refresh();
  const created: EntityEvent[] = [];
  let after: string | null = null;
  for (;;) {
    const page = opts.index.byChannel(opts.channelId, 50, after);
    const recent = page.nodes.filter((m) => Date.parse(m.createdAt) >= opts.since);
    for (const m of recent) {
      created.push(toMessageEvent({
        changeType: 'created', tenant: opts.tenant, receivedAt: m.createdAt,
        key: { teamId: opts.teamId, channelId: opts.channelId, messageId: m.messageId },
      }));
    }
    const last = page.nodes.at(-1);
    if (!page.hasNextPage || !last || recent.length < page.nodes.length) break;
    after = sortKey(last);
  }
  // Oldest first, as the notifications would have come.
  for (const event of created.reverse()) await opts.publish(event, [channelTag(opts.channelId)]);
  return created.length;
}
