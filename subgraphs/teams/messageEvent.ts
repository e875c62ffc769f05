/**
 * A verified Graph change notification about a channel message → the canonical `MessagePosted`
 * envelope (`schema/eventEnvelope.ts`).
 *
 * - `resource` is `teams('{team}')/channels('{channel}')/messages('{id}')` (the slash form
 *   `teams/{team}/channels/{channel}/messages/{id}` and percent-encoded ids are accepted). Replies
 *   (`.../messages('{root}')/replies('{id}')`) are not published: the graph serves root messages only.
 * - `entity.id` is the canonical `Message.id` (`messageId.ts`), so `eventTag` is the `Message:<id>`
 *   cache tag; `attributes` carry `teamId` and `channelId` for subscription filters.
 * - `id` (dedupe key): Graph notifications have no id of their own, so the key is
 *   `teams:teams('<team>')/channels('<channel>')/messages('<id>'):<changeType>`, the resource in
 *   one canonical spelling. The subscription id is deliberately left out (the contract
 *   suggested `teams:<subscriptionId>:<resource>:<changeType>`): the same change reaches us through
 *   several subscriptions (one per replica sharing a Redis log, a re-created subscription, the
 *   catch-up after a lifecycle event, an overlapping tenant-wide subscription), and it must still
 *   be delivered once. A redelivery is dropped by the log as well. An `updated` notification with
 *   decrypted content appends the message's `lastModifiedDateTime`, so a second edit is not
 *   mistaken for a redelivery; a thin `updated` notification cannot tell them apart (a second edit
 *   of the same message within the log's retention is dropped; rich notifications avoid that).
 * - `occurredAt`: the message's `lastModifiedDateTime` (`createdDateTime`) when the content was
 *   decrypted, else the time the notification arrived (thin notifications carry no time).
 */
import type { EntityEvent } from '../../schema/eventEnvelope';
import type { NotificationChange } from './changeNotification';
import { CHANNEL_ID, encodeMessageId, type MessageKey } from './messageId';

export interface MessageResource extends MessageKey {
  /** Set for a reply (then `messageId` is its root). */
  replyId: string | null;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DIGITS = /^\d{1,20}$/;
const KEYED = /^\/?teams\('([^'/]+)'\)\/channels\('([^'/]+)'\)\/messages\('([^'/]+)'\)(?:\/replies\('([^'/]+)'\))?$/i;
const SLASHED = /^\/?teams\/([^'/()]+)\/channels\/([^'/()]+)\/messages\/([^'/()]+)(?:\/replies\/([^'/()]+))?$/i;

function decode(part: string | undefined): string | null {
  if (part === undefined) return null;
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

/** The message a notification's `resource` names; null when it is not a well-formed channel message. */
export function parseMessageResource(resource: string): MessageResource | null {
  const m = KEYED.exec(resource) ?? SLASHED.exec(resource);
  if (!m) return null;
  const [teamId, channelId, messageId] = [decode(m[1]), decode(m[2]), decode(m[3])];
  const replyId = m[4] === undefined ? null : decode(m[4]);
  if (!teamId || !GUID.test(teamId) || !channelId || !CHANNEL_ID.test(channelId) || !messageId || !DIGITS.test(messageId)) return null;
  if (m[4] !== undefined && (!replyId || !DIGITS.test(replyId))) return null;
  return { teamId: teamId.toLowerCase(), channelId, messageId, replyId };
}

/** The one spelling of a root message's resource used in event ids. */
export function canonicalResource(key: MessageKey): string {
  return `teams('${key.teamId.toLowerCase()}')/channels('${key.channelId}')/messages('${key.messageId}')`;
}

const CHANGE: Record<NotificationChange, EntityEvent['changeType']> = { created: 'CREATED', updated: 'UPDATED', deleted: 'DELETED' };

export interface MessageEventInput {
  changeType: NotificationChange;
  key: MessageKey;
  tenant: string;
  /** The decrypted chatMessage of a rich notification. */
  resource?: Record<string, unknown> | null;
  /** @default new Date().toISOString() */
  receivedAt?: string;
}

function isoOf(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** The envelope of a root-message notification (see the file comment for its id and time). */
export function toMessageEvent(input: MessageEventInput): EntityEvent {
  const modified = isoOf(input.resource?.lastModifiedDateTime) ?? isoOf(input.resource?.createdDateTime);
  const version = input.changeType === 'updated' && modified ? `:${modified}` : '';
  return {
    id: `teams:${canonicalResource(input.key)}:${input.changeType}${version}`,
    type: 'MessagePosted',
    system: 'teams',
    tenant: input.tenant,
    entity: { type: 'Message', id: encodeMessageId(input.key) },
    changeType: CHANGE[input.changeType],
    changedFields: [],
    occurredAt: modified ?? input.receivedAt ?? new Date().toISOString(),
    attributes: { teamId: input.key.teamId.toLowerCase(), channelId: input.key.channelId },
  };
}
