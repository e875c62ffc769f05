/**
 * The canonical `Message.id`. Graph message ids are only unique inside their channel, so the
 * canonical id carries the container: base64url of `m1|<team id>|<channel id>|<message id>`
 * (`m1` is the format version). Clients treat it as opaque; `decodeMessageId` validates every part
 * and answers BAD_USER_INPUT (naming the argument) for anything else.
 */
import { badUserInput } from '../kit/subgraphErrors';

export interface MessageKey {
  teamId: string;
  channelId: string;
  messageId: string;
}

const VERSION = 'm1';
const TEAM_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Graph channel ids: `19:<token>@thread.tacv2` (or `@thread.skype`); no separators or whitespace. */
export const CHANNEL_ID = /^19:[A-Za-z0-9_.=-]{1,200}@thread\.[a-z0-9]{1,20}$/;
const MESSAGE_ID = /^\d{1,20}$/;
const ENCODED = /^[A-Za-z0-9_-]{1,512}$/;

export function encodeMessageId(key: MessageKey): string {
  return Buffer.from(`${VERSION}|${key.teamId.toLowerCase()}|${key.channelId}|${key.messageId}`, 'utf8').toString('base64url');
}

/** The parts of a canonical id, or null when it is not one. */
export function parseMessageId(id: unknown): MessageKey | null {
  if (typeof id !== 'string' || !ENCODED.test(id)) return null;
  const parts = Buffer.from(id, 'base64url').toString('utf8').split('|');
  if (parts.length !== 4) return null;
  const [version, teamId, channelId, messageId] = parts as [string, string, string, string];
  if (version !== VERSION || !TEAM_ID.test(teamId) || !CHANNEL_ID.test(channelId) || !MESSAGE_ID.test(messageId)) return null;
  // Only the canonical spelling decodes, so one message never has two ids.
  const key = { teamId: teamId.toLowerCase(), channelId, messageId };
  return encodeMessageId(key) === id ? key : null;
}

/** The parts of a canonical id; BAD_USER_INPUT naming `field` when it is not one. */
export function decodeMessageId(id: unknown, field = 'id'): MessageKey {
  const key = parseMessageId(id);
  if (!key) throw badUserInput('teams', field, `${field} is not a Teams message id`);
  return key;
}
