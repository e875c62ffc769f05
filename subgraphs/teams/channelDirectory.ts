/**
 * The watched teams and their channels: `GET /teams` (every team, paged) or `GET /teams/{id}` per
 * configured team, then `GET /teams/{id}/channels` per team, both as `$batch` items. The snapshot is
 * cached for `ttlMs` and reloaded once for all concurrent callers (single flight); when a reload
 * fails the previous snapshot keeps serving (logged). Channel ids are unique across teams, so a
 * channel can be found by its id alone (as `sendMessage` needs).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { GraphClient } from './graphClient';
import { mapChannel, mapTeam } from './mapping';
import type { ChannelModel, TeamModel } from './model';

export interface ChannelDirectoryOptions {
  graph: GraphClient;
  logger: Logger;
  /** Teams to serve; empty means every team `GET /teams` lists. */
  watchedTeamIds: readonly string[];
  /** How long a loaded snapshot is used before it is reloaded. */
  ttlMs: number;
  /** @default Date.now */
  now?: () => number;
}

export interface DirectorySnapshot {
  teams: TeamModel[];
  teamsById: Map<string, TeamModel>;
  channels: ChannelModel[];
  channelsById: Map<string, ChannelModel>;
  loadedAt: number;
}

export interface ChannelDirectory {
  /** The current snapshot (loading or reloading it when needed). */
  snapshot(): Promise<DirectorySnapshot>;
  team(teamId: string): Promise<TeamModel | null>;
  /** A watched channel by its id; with `teamId`, only when it belongs to that team. */
  channel(channelId: string, teamId?: string): Promise<ChannelModel | null>;
}

type Json = Record<string, unknown>;
const TEAM_SELECT = '$select=id,displayName,description';

async function listAll(graph: GraphClient, first: Json, requestId: string): Promise<unknown[]> {
  const out: unknown[] = Array.isArray(first.value) ? [...(first.value as unknown[])] : [];
  let next = typeof first['@odata.nextLink'] === 'string' ? first['@odata.nextLink'] : null;
  for (let pages = 0; next && pages < 1000; pages += 1) {
    const page = await graph.get<Json>(next, { requestId });
    if (Array.isArray(page.value)) out.push(...(page.value as unknown[]));
    next = typeof page['@odata.nextLink'] === 'string' ? page['@odata.nextLink'] : null;
  }
  return out;
}

async function loadTeams(opts: ChannelDirectoryOptions, requestId: string): Promise<TeamModel[]> {
  if (opts.watchedTeamIds.length === 0) {
    const first = await opts.graph.get<Json>(`/teams?${TEAM_SELECT}&$top=999`, { requestId });
    return (await listAll(opts.graph, first, requestId)).map(mapTeam).filter((t): t is TeamModel => t !== null);
  }
  const results = await opts.graph.batch(opts.watchedTeamIds.map((id) => ({ method: 'GET' as const, url: `/teams/${id}?${TEAM_SELECT}` })), { requestId });
  const teams: TeamModel[] = [];
  results.forEach((r, i) => {
    if (r.ok) {
      const team = mapTeam(r.body);
      if (team) teams.push(team);
    } else if (r.status === 404) {
      opts.logger.warn({ teamId: opts.watchedTeamIds[i] }, 'a watched team does not exist; ignoring it');
    } else {
      throw r.error;
    }
  });
  return teams;
}

async function load(opts: ChannelDirectoryOptions): Promise<DirectorySnapshot> {
  const requestId = randomUUID();
  const teams = await loadTeams(opts, requestId);
  const results = await opts.graph.batch(teams.map((t) => ({ method: 'GET' as const, url: `/teams/${t.id}/channels?${TEAM_SELECT}` })), { requestId });
  const channels: ChannelModel[] = [];
  for (const [i, r] of results.entries()) {
    const team = teams[i] as TeamModel;
    if (!r.ok) throw r.error;
    const raw = await listAll(opts.graph, r.body as Json, requestId);
    channels.push(...raw.map((c) => mapChannel(c, team.id)).filter((c): c is ChannelModel => c !== null));
  }
  return {
    teams, teamsById: new Map(teams.map((t) => [t.id, t])), channels, channelsById: new Map(channels.map((c) => [c.id, c])),
    loadedAt: (opts.now ?? Date.now)(),
  };
}

export function createChannelDirectory(opts: ChannelDirectoryOptions): ChannelDirectory {
  const now = opts.now ?? Date.now;
  let current: DirectorySnapshot | null = null;
  let inflight: Promise<DirectorySnapshot> | null = null;

  function reload(): Promise<DirectorySnapshot> {
    inflight ??= load(opts).then((snap) => {
      current = snap;
      opts.logger.debug({ teams: snap.teams.length, channels: snap.channels.length }, 'channel directory loaded');
      return snap;
    }).catch((err: unknown) => {
      if (!current) throw err;
      opts.logger.warn({ err }, 'channel directory reload failed; serving the previous snapshot');
      current = { ...current, loadedAt: now() };
      return current;
    }).finally(() => { inflight = null; });
    return inflight;
  }

  async function snapshot(): Promise<DirectorySnapshot> {
    if (current && now() - current.loadedAt < opts.ttlMs) return current;
    return reload();
  }

  return {
    snapshot,
    async team(teamId) {
      return (await snapshot()).teamsById.get(teamId.toLowerCase()) ?? null;
    },
    async channel(channelId, teamId) {
      const c = (await snapshot()).channelsById.get(channelId) ?? null;
      return c && (teamId === undefined || c.teamId === teamId.toLowerCase()) ? c : null;
    },
  };
}
