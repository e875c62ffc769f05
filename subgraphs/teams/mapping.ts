/**
 * Graph resources → the subgraph's models. `mapChatMessage` maps a root channel `chatMessage`
 * (PROTOCOLS.md 2.4) and returns null for what the graph does not serve: deleted messages
 * (`deletedDateTime` set), system events (`messageType` other than `message`), replies and chat
 * messages, and anything malformed.
 */
import type { ChannelModel, MessageImportanceValue, MessageModel, TeamModel } from './model';
import { encodeMessageId } from './messageId';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function isoOrNull(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

const IMPORTANCE: Record<string, MessageImportanceValue> = { normal: 'NORMAL', high: 'HIGH', urgent: 'URGENT' };

/** Where a message lives: its `channelIdentity`, else the channel it was read from. */
function container(m: Json, fallback?: { teamId: string; channelId: string }): { teamId: string; channelId: string } | null {
  const ci = isObject(m.channelIdentity) ? m.channelIdentity : null;
  const teamId = str(ci?.teamId) ?? fallback?.teamId ?? null;
  const channelId = str(ci?.channelId) ?? fallback?.channelId ?? null;
  return teamId && channelId ? { teamId: teamId.toLowerCase(), channelId } : null;
}

/** A deleted or system message, or a reply: present in Graph, absent from the graph. */
export function isServedMessage(m: Json): boolean {
  return (m.messageType === undefined || m.messageType === 'message') && !m.deletedDateTime && !m.replyToId;
}

/** chatMessage → MessageModel; null when the message is not served (see above) or malformed. */
export function mapChatMessage(raw: unknown, where?: { teamId: string; channelId: string }): MessageModel | null {
  if (!isObject(raw) || !isServedMessage(raw)) return null;
  const messageId = str(raw.id);
  const place = container(raw, where);
  const createdAt = isoOrNull(raw.createdDateTime);
  const body = isObject(raw.body) ? raw.body : null;
  if (!messageId || !place || !createdAt || !body) return null;
  const from = isObject(raw.from) ? raw.from : null;
  const user = from && isObject(from.user) ? from.user : null;
  return {
    id: encodeMessageId({ ...place, messageId }),
    messageId,
    teamId: place.teamId,
    channelId: place.channelId,
    body: { contentType: str(body.contentType)?.toLowerCase() === 'html' ? 'HTML' : 'TEXT', content: str(body.content) ?? '' },
    subject: str(raw.subject),
    importance: IMPORTANCE[str(raw.importance)?.toLowerCase() ?? ''] ?? 'NORMAL',
    createdAt,
    updatedAt: isoOrNull(raw.lastModifiedDateTime),
    webUrl: str(raw.webUrl),
    senderUserId: str(user?.id)?.toLowerCase() ?? null,
  };
}

/** A Graph `team` → TeamModel (null when it has no id). */
export function mapTeam(raw: unknown): TeamModel | null {
  if (!isObject(raw) || typeof raw.id !== 'string') return null;
  return { id: raw.id.toLowerCase(), displayName: str(raw.displayName) ?? '', description: str(raw.description) };
}

/** A Graph `channel` of `teamId` → ChannelModel (null when it has no id). */
export function mapChannel(raw: unknown, teamId: string): ChannelModel | null {
  if (!isObject(raw) || typeof raw.id !== 'string') return null;
  return { id: raw.id, teamId: teamId.toLowerCase(), displayName: str(raw.displayName) ?? '', description: str(raw.description) };
}
