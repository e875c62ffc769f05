/**
 * Teams and channels (Graph v1.0):
 *
 * | Route | Counter name | Role (any of) |
 * |---|---|---|
 * | `GET /v1.0/teams` | `GET /v1.0/teams` | Team.ReadBasic.All |
 * | `GET /v1.0/teams/{id}` | `GET /v1.0/teams/{id}` | Team.ReadBasic.All |
 * | `GET /v1.0/teams/{id}/channels` | `GET /v1.0/teams/{id}/channels` | Channel.ReadBasic.All |
 * | `GET /v1.0/teams/{id}/channels/{id}` | `GET /v1.0/teams/{id}/channels/{id}` | Channel.ReadBasic.All |
 */
import type { SandboxReply } from '../../kit/sandboxServer';
import { collectionPage, selectSuffix } from './collectionPage';
import { GraphHttpError } from './graphErrors';
import type { GraphRequest, GraphRoute } from './graphRouter';
import { findChannel, findTeam, type GraphChannel, type GraphData, type GraphTeam } from './graphStore';
import { applySelect, parseSelect, type FilterSchema } from './odataQuery';

export interface StoreRef {
  data: GraphData;
}

const TEAM_ROLES = ['Team.ReadBasic.All', 'TeamSettings.Read.All', 'Group.Read.All', 'Directory.Read.All'];
const CHANNEL_ROLES = ['Channel.ReadBasic.All', 'ChannelSettings.Read.All', 'Group.Read.All', 'Directory.Read.All'];

export const TEAM_PROPERTIES = [
  'id', 'createdDateTime', 'displayName', 'description', 'internalId', 'classification', 'specialization', 'visibility', 'webUrl',
  'isArchived', 'tenantId', 'isMembershipLimitedToOwners', 'memberSettings', 'guestSettings', 'messagingSettings', 'funSettings',
  'discoverySettings', 'summary',
] as const;
/** What `GET /teams` and `joinedTeams` return per team (settings come only from `GET /teams/{id}`). */
export const TEAM_LIST_PROPERTIES = ['id', 'createdDateTime', 'displayName', 'description', 'internalId', 'classification',
  'specialization', 'visibility', 'webUrl', 'isArchived', 'tenantId', 'isMembershipLimitedToOwners'] as const;
const CHANNEL_PROPERTIES = ['id', 'createdDateTime', 'displayName', 'description', 'isFavoriteByDefault', 'email', 'tenantId',
  'webUrl', 'membershipType', 'isArchived'] as const;

const TEAM_FILTER: FilterSchema = {
  resource: 'Team',
  props: {
    displayName: { type: 'string', ops: ['eq', 'ne', 'in', 'startswith'] },
    visibility: { type: 'string', ops: ['eq', 'ne'] },
    id: { type: 'string', ops: ['eq', 'in'] },
  },
};
const CHANNEL_FILTER: FilterSchema = {
  resource: 'Channel',
  props: {
    displayName: { type: 'string', ops: ['eq', 'ne', 'startswith'] },
    membershipType: { type: 'string', ops: ['eq', 'ne'] },
  },
};

export function teamOrThrow(data: GraphData, teamId: string): GraphTeam {
  const team = findTeam(data, teamId);
  if (!team) throw new GraphHttpError(404, 'NotFound', `No team found with Group Id ${teamId.slice(0, 100)}`);
  return team;
}

export function channelOrThrow(data: GraphData, teamId: string, channelId: string): { team: GraphTeam; channel: GraphChannel } {
  const team = teamOrThrow(data, teamId);
  const channel = findChannel(data, team.id, channelId);
  if (!channel) throw new GraphHttpError(404, 'NotFound', `Channel ${channelId.slice(0, 100)} not found in team ${team.id}.`);
  return { team, channel };
}

function listTeams(ref: StoreRef, req: GraphRequest): SandboxReply {
  return {
    status: 200,
    body: collectionPage({
      req, items: ref.data.teams, kind: 'teams', typeName: 'microsoft.graph.team', selectable: TEAM_PROPERTIES,
      defaults: TEAM_LIST_PROPERTIES, filter: TEAM_FILTER, defaultTop: 100, maxTop: 999,
      context: (s) => `${req.origin}/v1.0/$metadata#teams${selectSuffix(s)}`,
    }),
  };
}

function getTeam(ref: StoreRef, req: GraphRequest): SandboxReply {
  const team = teamOrThrow(ref.data, req.params.teamId ?? '');
  const select = parseSelect(req.query, TEAM_PROPERTIES, 'microsoft.graph.team');
  return {
    status: 200,
    body: { '@odata.context': `${req.origin}/v1.0/$metadata#teams${selectSuffix(select)}/$entity`, ...applySelect(team, select) },
  };
}

function listChannels(ref: StoreRef, req: GraphRequest): SandboxReply {
  const team = teamOrThrow(ref.data, req.params.teamId ?? '');
  return {
    status: 200,
    body: collectionPage({
      req, items: ref.data.channelsByTeam.get(team.id) ?? [], kind: 'channels', typeName: 'microsoft.graph.channel',
      selectable: CHANNEL_PROPERTIES, filter: CHANNEL_FILTER, defaultTop: 200, maxTop: 999, count: true,
      context: (s) => `${req.origin}/v1.0/$metadata#teams('${team.id}')/channels${selectSuffix(s)}`,
    }),
  };
}

function getChannel(ref: StoreRef, req: GraphRequest): SandboxReply {
  const { team, channel } = channelOrThrow(ref.data, req.params.teamId ?? '', req.params.channelId ?? '');
  const select = parseSelect(req.query, CHANNEL_PROPERTIES, 'microsoft.graph.channel');
  return {
    status: 200,
    body: { '@odata.context': `${req.origin}/v1.0/$metadata#teams('${team.id}')/channels${selectSuffix(select)}/$entity`, ...applySelect(channel, select) },
  };
}

export function teamsRoutes(ref: StoreRef): GraphRoute[] {
  const r = (method: 'GET', path: string, name: string, roles: string[], fn: (ref: StoreRef, req: GraphRequest) => SandboxReply): GraphRoute => ({
    method, path, name, roles, handler: (req) => fn(ref, req),
  });
  return [
    r('GET', '/v1.0/teams', 'GET /v1.0/teams', TEAM_ROLES, listTeams),
    r('GET', '/v1.0/teams/:teamId', 'GET /v1.0/teams/{id}', TEAM_ROLES, getTeam),
    r('GET', '/v1.0/teams/:teamId/channels', 'GET /v1.0/teams/{id}/channels', CHANNEL_ROLES, listChannels),
    r('GET', '/v1.0/teams/:teamId/channels/:channelId', 'GET /v1.0/teams/{id}/channels/{id}', CHANNEL_ROLES, getChannel),
  ];
}
