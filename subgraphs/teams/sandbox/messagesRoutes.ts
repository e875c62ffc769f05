/**
 * Channel messages and replies (Graph v1.0). Lists are newest first, `$top` 1..50 (default 20),
 * paged with `$skiptoken` (a position, so new posts never shift later pages); `$expand=replies`
 * inlines replies. Other OData options are refused, as Graph does on these APIs.
 *
 * | Route | Counter name |
 * |---|---|
 * | `GET  .../channels/{id}/messages` | `GET /v1.0/teams/{id}/channels/{id}/messages` |
 * | `POST .../channels/{id}/messages` | `POST /v1.0/teams/{id}/channels/{id}/messages` |
 * | `GET  .../messages/{id}` | `GET /v1.0/teams/{id}/channels/{id}/messages/{id}` |
 * | `GET  .../messages/{id}/replies` | `GET /v1.0/teams/{id}/channels/{id}/messages/{id}/replies` |
 * | `POST .../messages/{id}/replies` | `POST /v1.0/teams/{id}/channels/{id}/messages/{id}/replies` |
 * | `GET  .../messages/{id}/replies/{id}` | `GET /v1.0/teams/{id}/channels/{id}/messages/{id}/replies/{id}` |
 *
 * Posting is delegated-only in real Graph (app-only only in migration mode); the sandbox accepts
 * app tokens holding `ChannelMessage.Send` or `Teamwork.Migrate.All` so services can post.
 */
import type { SandboxReply } from '../../kit/sandboxServer';
import { GraphHttpError } from './graphErrors';
import type { GraphRequest, GraphRoute } from './graphRouter';
import {
  channelMessages, type ChannelMessages, type ChatMessage, type GraphChannel, type GraphTeam, type MessageRecord, touchRoot,
} from './graphStore';
import { createMessage, parseNewMessage } from './newMessage';
import { decodeToken, encodeToken, linkWith, parseTop } from './odataQuery';
import { channelOrThrow, type StoreRef } from './teamsRoutes';

export const MESSAGE_READ_ROLES = ['ChannelMessage.Read.All', 'Group.Read.All'];
const MESSAGE_SEND_ROLES = ['ChannelMessage.Send', 'Teamwork.Migrate.All'];
const PREFIX = '/v1.0/teams/:teamId/channels/:channelId/messages';
const NAME = '/v1.0/teams/{id}/channels/{id}/messages';

interface Located {
  team: GraphTeam;
  channel: GraphChannel;
  store: ChannelMessages;
  base: string;
}

function locate(ref: StoreRef, req: GraphRequest): Located {
  const { team, channel } = channelOrThrow(ref.data, req.params.teamId ?? '', req.params.channelId ?? '');
  const store = channelMessages(ref.data, team.id, channel.id);
  if (!store) throw new GraphHttpError(404, 'NotFound', 'Channel messages not found.');
  return { team, channel, store, base: `${req.origin}/v1.0/$metadata#teams('${team.id}')/channels('${encodeURIComponent(channel.id)}')` };
}

/** Refuse OData options these APIs do not support; returns whether `$expand=replies` was asked for. */
export function messageOptions(req: GraphRequest, allowed: string[]): boolean {
  for (const key of req.query.keys()) {
    if (key.startsWith('$') && !allowed.includes(key)) {
      throw new GraphHttpError(400, 'BadRequest', `Query option '${key.slice(0, 40)}' is not supported for this request.`);
    }
  }
  const expand = req.query.get('$expand');
  if (expand === null) return false;
  if (expand.trim() !== 'replies') throw new GraphHttpError(400, 'BadRequest', `Expanding '${expand.slice(0, 60)}' is not supported; only 'replies' can be expanded.`);
  return true;
}

/** The chatMessage as Graph returns it, with `replies` inlined when expanded. */
export function messageJson(record: MessageRecord, expandReplies: boolean, base: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...record.message };
  if (expandReplies) {
    out['replies@odata.context'] = `${base}/messages('${record.message.id}')/replies`;
    out.replies = record.replies.map((r) => ({ ...r.message }));
  }
  return out;
}

function rootOrThrow(loc: Located, id: string): MessageRecord {
  const rec = loc.store.byId.get(id);
  if (!rec || rec.message.replyToId !== null) throw new GraphHttpError(404, 'NotFound', `Message ${id.slice(0, 40)} not found in channel.`);
  return rec;
}

/** Newest-first page of `items` (ascending by id) below the `$skiptoken` position. */
function newestFirst(req: GraphRequest, items: MessageRecord[], kind: string, expand: boolean, context: string, base: string): Record<string, unknown> {
  const top = parseTop(req.query, 20, 50);
  const skip = req.query.get('$skiptoken');
  const before = skip === null ? Number.POSITIVE_INFINITY : Number(decodeToken(skip, kind).b);
  if (Number.isNaN(before)) throw new GraphHttpError(400, 'BadRequest', 'The $skiptoken value is invalid or has expired.');
  const page: MessageRecord[] = [];
  let i = items.length - 1;
  while (i >= 0 && Number((items[i] as MessageRecord).message.id) >= before) i--;
  for (; i >= 0 && page.length < top; i--) page.push(items[i] as MessageRecord);
  const body: Record<string, unknown> = { '@odata.context': context };
  if (kind === 'replies') body['@odata.count'] = items.length;
  const last = page[page.length - 1];
  if (i >= 0 && last) {
    const keep = [...req.query.entries()].filter(([k]) => k !== '$skiptoken');
    body['@odata.nextLink'] = linkWith(req.origin, req.rawPath, [...keep, ['$skiptoken', encodeToken({ k: kind, b: Number(last.message.id) })]]);
  }
  body.value = page.map((r) => messageJson(r, expand, base));
  return body;
}

function listMessages(ref: StoreRef, req: GraphRequest): SandboxReply {
  const expand = messageOptions(req, ['$top', '$expand', '$skiptoken']);
  const loc = locate(ref, req);
  const context = `${loc.base}/messages${expand ? '(replies())' : ''}`;
  return { status: 200, body: newestFirst(req, loc.store.roots, 'messages', expand, context, loc.base) };
}

function getMessage(ref: StoreRef, req: GraphRequest): SandboxReply {
  const expand = messageOptions(req, ['$expand']);
  const loc = locate(ref, req);
  const rec = rootOrThrow(loc, req.params.messageId ?? '');
  return { status: 200, body: { '@odata.context': `${loc.base}/messages${expand ? '(replies())' : ''}/$entity`, ...messageJson(rec, expand, loc.base) } };
}

function listReplies(ref: StoreRef, req: GraphRequest): SandboxReply {
  messageOptions(req, ['$top', '$skiptoken']);
  const loc = locate(ref, req);
  const root = rootOrThrow(loc, req.params.messageId ?? '');
  return { status: 200, body: newestFirst(req, root.replies, 'replies', false, `${loc.base}/messages('${root.message.id}')/replies`, loc.base) };
}

function getReply(ref: StoreRef, req: GraphRequest): SandboxReply {
  messageOptions(req, []);
  const loc = locate(ref, req);
  const root = rootOrThrow(loc, req.params.messageId ?? '');
  const reply = loc.store.byId.get(req.params.replyId ?? '');
  if (!reply || reply.message.replyToId !== root.message.id) {
    throw new GraphHttpError(404, 'NotFound', `Reply ${String(req.params.replyId).slice(0, 40)} not found for message ${root.message.id}.`);
  }
  return { status: 200, body: { '@odata.context': `${loc.base}/messages('${root.message.id}')/replies/$entity`, ...reply.message } };
}

/** Told about every message created through the API (the change notifications hang off it). */
export type MessagePosted = (change: { teamId: string; channelId: string; message: ChatMessage }) => void;

function post(ref: StoreRef, req: GraphRequest, asReply: boolean, onPosted?: MessagePosted): SandboxReply {
  const loc = locate(ref, req);
  const root = asReply ? rootOrThrow(loc, req.params.messageId ?? '') : null;
  const input = parseNewMessage(req, ref.data);
  const rec = createMessage(ref.data, loc.team.id, loc.channel.id, loc.store, root, input, req.claims);
  if (root) {
    root.replies.push(rec);
    touchRoot(ref.data, root, rec.message.createdDateTime);
  } else {
    loc.store.roots.push(rec);
    touchRoot(ref.data, rec, rec.message.createdDateTime);
  }
  onPosted?.({ teamId: loc.team.id, channelId: loc.channel.id, message: rec.message });
  const context = root ? `${loc.base}/messages('${root.message.id}')/replies/$entity` : `${loc.base}/messages/$entity`;
  return { status: 201, body: { '@odata.context': context, ...rec.message } };
}

export function messagesRoutes(ref: StoreRef, onPosted?: MessagePosted): GraphRoute[] {
  return [
    { method: 'GET', path: PREFIX, name: `GET ${NAME}`, roles: MESSAGE_READ_ROLES, handler: (req) => listMessages(ref, req) },
    { method: 'POST', path: PREFIX, name: `POST ${NAME}`, roles: MESSAGE_SEND_ROLES, handler: (req) => post(ref, req, false, onPosted) },
    { method: 'GET', path: `${PREFIX}/:messageId`, name: `GET ${NAME}/{id}`, roles: MESSAGE_READ_ROLES, handler: (req) => getMessage(ref, req) },
    { method: 'GET', path: `${PREFIX}/:messageId/replies`, name: `GET ${NAME}/{id}/replies`, roles: MESSAGE_READ_ROLES, handler: (req) => listReplies(ref, req) },
    { method: 'POST', path: `${PREFIX}/:messageId/replies`, name: `POST ${NAME}/{id}/replies`, roles: MESSAGE_SEND_ROLES, handler: (req) => post(ref, req, true, onPosted) },
    { method: 'GET', path: `${PREFIX}/:messageId/replies/:replyId`, name: `GET ${NAME}/{id}/replies/{id}`, roles: MESSAGE_READ_ROLES, handler: (req) => getReply(ref, req) },
  ];
}
