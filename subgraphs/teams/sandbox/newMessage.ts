/**
 * Validation of a posted chatMessage (`POST .../messages` and `.../replies`) and its creation.
 *
 * Accepted body: `{"body":{"contentType":"text"|"html","content":"..."}, "subject"?, "importance"?,
 * "mentions"?, "attachments"?, "from"?: {"user":{"id"}}}`. Without `from.user` the message is
 * from the calling application (as a bot would post).
 */
import type { AccessTokenClaims } from './accessTokens';
import { GraphHttpError } from './graphErrors';
import {
  buildChatMessage, findUser, nextMessageId, userIdentity, type ChannelMessages, type ChatMessage, type GraphData,
  type IdentitySet, type MessageRecord,
} from './graphStore';

/** Teams refuses messages over roughly 28 KB. */
export const MAX_MESSAGE_CONTENT = 28 * 1024;

export interface NewMessageInput {
  body: ChatMessage['body'];
  subject: string | null;
  importance: ChatMessage['importance'];
  mentions: Array<Record<string, unknown>>;
  attachments: Array<Record<string, unknown>>;
  fromUserId: string | null;
}

function bad(message: string): GraphHttpError {
  return new GraphHttpError(400, 'BadRequest', message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseMentions(raw: unknown, content: string, data: GraphData): Array<Record<string, unknown>> {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.length > 20) throw bad("'mentions' must be an array of at most 20 mentions.");
  return raw.map((m: unknown, i) => {
    if (!isObject(m) || !Number.isInteger(m.id)) throw bad(`mentions[${i}] must have an integer 'id'.`);
    if (!content.includes(`<at id="${String(m.id)}">`)) throw bad(`mentions[${i}]: no <at id="${String(m.id)}"> tag in the message body.`);
    const mentioned = isObject(m.mentioned) && isObject(m.mentioned.user) ? m.mentioned.user : null;
    const user = mentioned && typeof mentioned.id === 'string' ? findUser(data, mentioned.id) : undefined;
    if (!user) throw bad(`mentions[${i}].mentioned.user.id is not a user of this tenant.`);
    return {
      id: m.id, mentionText: typeof m.mentionText === 'string' ? m.mentionText.slice(0, 256) : user.displayName,
      mentioned: { application: null, device: null, conversation: null, tag: null, user: userIdentity(user, data.tenantId).user },
    };
  });
}

function parseAttachments(raw: unknown): Array<Record<string, unknown>> {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.length > 10 || !raw.every(isObject)) throw bad("'attachments' must be an array of at most 10 objects.");
  return raw.map((a) => ({
    id: typeof a.id === 'string' ? a.id : null, contentType: typeof a.contentType === 'string' ? a.contentType : null,
    contentUrl: typeof a.contentUrl === 'string' ? a.contentUrl : null, content: typeof a.content === 'string' ? a.content : null,
    name: typeof a.name === 'string' ? a.name : null, thumbnailUrl: null, teamsAppId: null,
  }));
}

/** Parse and validate the request body; a 400 (or 413) GraphHttpError when it is not a valid chatMessage. */
export function parseNewMessage(req: { body: Buffer }, data: GraphData): NewMessageInput {
  let raw: unknown;
  try {
    raw = JSON.parse(req.body.toString('utf8'));
  } catch {
    throw bad('Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  }
  if (!isObject(raw)) throw bad('The request body must be a chatMessage JSON object.');
  const body = raw.body;
  if (!isObject(body) || typeof body.content !== 'string' || body.content.trim() === '') {
    throw bad("Missing or empty 'body.content': a chatMessage needs a body with content.");
  }
  if (body.content.length > MAX_MESSAGE_CONTENT) {
    throw new GraphHttpError(413, 'RequestEntityTooLarge', `The message body exceeds the limit of ${MAX_MESSAGE_CONTENT} characters.`);
  }
  const contentType = body.contentType === undefined ? 'text' : String(body.contentType).toLowerCase();
  if (contentType !== 'text' && contentType !== 'html') throw bad("'body.contentType' must be 'text' or 'html'.");
  const importance = raw.importance === undefined || raw.importance === null ? 'normal' : raw.importance;
  if (importance !== 'normal' && importance !== 'high' && importance !== 'urgent') throw bad("'importance' must be 'normal', 'high' or 'urgent'.");
  if (raw.subject !== undefined && raw.subject !== null && (typeof raw.subject !== 'string' || raw.subject.length > 255)) {
    throw bad("'subject' must be a string of at most 255 characters.");
  }
  let fromUserId: string | null = null;
  if (raw.from !== undefined && raw.from !== null) {
    const user = isObject(raw.from) && isObject(raw.from.user) ? raw.from.user : null;
    const found = user && typeof user.id === 'string' ? findUser(data, user.id) : undefined;
    if (!found) throw bad("'from.user.id' must be the id of a user in this tenant.");
    fromUserId = found.id;
  }
  return {
    body: { contentType, content: body.content },
    subject: typeof raw.subject === 'string' ? raw.subject : null,
    importance,
    mentions: parseMentions(raw.mentions, body.content, data),
    attachments: parseAttachments(raw.attachments),
    fromUserId,
  };
}

/** Create the message record (not yet linked into the channel or thread). */
export function createMessage(
  data: GraphData, teamId: string, channelId: string, store: ChannelMessages, root: MessageRecord | null,
  input: NewMessageInput, claims: AccessTokenClaims,
): MessageRecord {
  const user = input.fromUserId ? data.usersById.get(input.fromUserId) : undefined;
  const from: IdentitySet = user
    ? userIdentity(user, data.tenantId)
    : {
      application: {
        '@odata.type': '#microsoft.graph.teamworkApplicationIdentity', id: claims.appid,
        displayName: typeof claims.app_displayname === 'string' ? claims.app_displayname : claims.appid, applicationIdentityType: 'bot',
      },
      device: null, user: null,
    };
  const message = buildChatMessage({
    tenantId: data.tenantId, teamId, channelId, id: nextMessageId(store), replyToId: root ? root.message.id : null, from,
    body: input.body, subject: input.subject, importance: input.importance, mentions: input.mentions, attachments: input.attachments,
  });
  const rec: MessageRecord = { message, seq: 0, replies: [] };
  store.byId.set(message.id, rec);
  return rec;
}
