/**
 * `GET /v1.0/teams/{id}/channels/{id}/messages/delta` (counter `GET /v1.0/teams/{id}/channels/{id}/messages/delta`):
 * root messages (without replies unless `$expand=replies`) changed in a channel.
 *
 * A round starts without a token (optionally `$filter=lastModifiedDateTime gt <iso>`, `$top` 1..50,
 * default 20): it snapshots the store's change sequence and pages through every root changed up to
 * that snapshot with `@odata.nextLink` (`$skiptoken`), ending with `@odata.deltaLink`
 * (`$deltatoken`). Calling the deltaLink later starts a new round with only the roots created or
 * changed since the snapshot (a new reply counts as a change of its root). Tokens are opaque,
 * bound to their channel, and carry the round's `$top`, `$filter` and `$expand`.
 */
import type { SandboxReply } from '../../kit/sandboxServer';
import { GraphHttpError } from './graphErrors';
import type { GraphRequest, GraphRoute } from './graphRouter';
import { channelMessages, type MessageRecord } from './graphStore';
import { MESSAGE_READ_ROLES, messageJson, messageOptions } from './messagesRoutes';
import { decodeToken, encodeToken, linkWith, matchesFilter, parseFilter, parseTop, type FilterSchema } from './odataQuery';
import { channelOrThrow, type StoreRef } from './teamsRoutes';

const DELTA_FILTER: FilterSchema = {
  resource: 'chatMessage',
  props: { lastModifiedDateTime: { type: 'datetime', ops: ['gt'] } },
  maxClauses: 1,
};

interface RoundState {
  /** Team and channel the token belongs to. */
  t: string;
  c: string;
  /** Return roots with `after < seq <= to`. */
  after: number;
  to: number;
  /** `$filter` text, `$top` and `$expand=replies` of the round. */
  f: string | null;
  n: number;
  x: boolean;
}

function num(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new GraphHttpError(400, 'BadRequest', 'The delta token is invalid or has expired.');
  return v;
}

function readState(req: GraphRequest, teamId: string, channelId: string, currentSeq: number): RoundState {
  const skip = req.query.get('$skiptoken');
  const delta = req.query.get('$deltatoken');
  if (skip !== null && delta !== null) throw new GraphHttpError(400, 'BadRequest', "Only one of '$skiptoken' and '$deltatoken' may be given.");
  const raw = skip !== null ? decodeToken(skip, 'delta') : delta !== null ? decodeToken(delta, 'deltaLink', '$deltatoken') : null;
  if (!raw) {
    messageOptions(req, ['$top', '$filter', '$expand']);
    const f = req.query.get('$filter');
    if (f !== null) parseFilter(f, DELTA_FILTER);
    return { t: teamId, c: channelId, after: 0, to: currentSeq, f, n: parseTop(req.query, 20, 50), x: req.query.get('$expand') !== null };
  }
  if (raw.t !== teamId || raw.c !== channelId) throw new GraphHttpError(400, 'BadRequest', 'The delta token belongs to another channel.');
  const f = raw.f === null || typeof raw.f === 'string' ? raw.f : null;
  const n = num(raw.n);
  if (n < 1 || n > 50) throw new GraphHttpError(400, 'BadRequest', 'The delta token is invalid or has expired.');
  const base = { t: teamId, c: channelId, f, n, x: raw.x === true };
  if (skip !== null) return { ...base, after: num(raw.after), to: num(raw.to) };
  // A deltaLink starts a new round: everything changed after its watermark, up to now.
  return { ...base, after: num(raw.w), to: currentSeq };
}

function delta(ref: StoreRef, req: GraphRequest): SandboxReply {
  const { team, channel } = channelOrThrow(ref.data, req.params.teamId ?? '', req.params.channelId ?? '');
  const store = channelMessages(ref.data, team.id, channel.id);
  const state = readState(req, team.id, channel.id, ref.data.seq);
  const filter = state.f !== null ? parseFilter(state.f, DELTA_FILTER) : null;
  const changed = (store?.roots ?? [])
    .filter((r) => r.seq > state.after && r.seq <= state.to && (!filter || matchesFilter(filter, r.message as unknown as Record<string, unknown>)))
    .sort((a, b) => a.seq - b.seq);
  const page: MessageRecord[] = changed.slice(0, state.n);
  const base = `${req.origin}/v1.0/$metadata#teams('${team.id}')/channels('${encodeURIComponent(channel.id)}')`;
  const body: Record<string, unknown> = { '@odata.context': `${req.origin}/v1.0/$metadata#Collection(chatMessage)` };
  const last = page[page.length - 1];
  if (changed.length > page.length && last) {
    const token = encodeToken({ k: 'delta', t: state.t, c: state.c, after: last.seq, to: state.to, f: state.f, n: state.n, x: state.x });
    body['@odata.nextLink'] = linkWith(req.origin, req.rawPath, [['$skiptoken', token]]);
  } else {
    const token = encodeToken({ k: 'deltaLink', t: state.t, c: state.c, w: state.to, f: state.f, n: state.n, x: state.x });
    body['@odata.deltaLink'] = linkWith(req.origin, req.rawPath, [['$deltatoken', token]]);
  }
  body.value = page.map((r) => messageJson(r, state.x, base));
  return { status: 200, body };
}

export function deltaRoutes(ref: StoreRef): GraphRoute[] {
  return [{
    method: 'GET', path: '/v1.0/teams/:teamId/channels/:channelId/messages/delta',
    name: 'GET /v1.0/teams/{id}/channels/{id}/messages/delta', roles: MESSAGE_READ_ROLES, handler: (req) => delta(ref, req),
  }];
}
