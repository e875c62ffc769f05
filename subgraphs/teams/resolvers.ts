/**
 * The Teams subgraph's resolvers (types from `schema/generated/teams.ts`, parents from `model.ts`).
 * Lists come from the message index (fresh to `TEAMS_INDEX_MAX_STALENESS_MS`), entities and senders
 * from per-request DataLoaders, teams and channels from the channel directory; `messagePosted`
 * follows the event log (`messagePostedSubscription.ts`).
 */
import type { Resolvers } from '../../schema/generated/teams';
import { DateTimeScalar } from '../kit/dateTimeScalar';
import { subgraphError } from '../kit/subgraphErrors';
import type { TeamsContext } from './context';
import { messageConnection, pageArgs } from './messageConnection';
import { messagePostedResolvers } from './messagePostedSubscription';
import type { ChannelModel, TeamModel } from './model';
import { sendMessage } from './sendMessage';

function missing(what: string): Error {
  return subgraphError({ code: 'NOT_FOUND', system: 'teams', message: `The ${what} is no longer among the watched teams` });
}

async function teamOf(teamId: string, ctx: TeamsContext): Promise<TeamModel> {
  const team = await ctx.directory.team(teamId);
  if (!team) throw missing('team');
  return team;
}

async function channelOf(channelId: string, teamId: string, ctx: TeamsContext): Promise<ChannelModel> {
  const channel = await ctx.directory.channel(channelId, teamId);
  if (!channel) throw missing('channel');
  return channel;
}

export const resolvers: Resolvers<TeamsContext> = {
  DateTime: DateTimeScalar,
  Query: {
    message: (_p, { id }, ctx) => ctx.loaders.messageById.load(id),
    teams: async (_p, _a, ctx) => (await ctx.directory.snapshot()).teams,
    channel: (_p, { teamId, channelId }, ctx) => ctx.directory.channel(channelId, teamId),
  },
  Mutation: {
    sendMessage: (_p, args, ctx) => sendMessage(args, ctx),
  },
  Subscription: messagePostedResolvers.Subscription,
  MessagePostedEvent: messagePostedResolvers.MessagePostedEvent as Resolvers<TeamsContext>['MessagePostedEvent'],
  Contact: {
    __resolveReference: (ref) => ({ email: ref.email }),
    messages: async (contact, { first, after }, ctx) => {
      const args = pageArgs(first, after, 10);
      const [userId] = await Promise.all([ctx.loaders.userIdByEmail.load(contact.email), ctx.index.fresh()]);
      const page = userId ? ctx.index.bySender(userId, args.first, args.after) : { nodes: [], hasNextPage: false };
      return messageConnection(page, args.after !== null);
    },
  },
  Message: {
    __resolveReference: (ref, ctx) => ctx.loaders.messageById.load(ref.id),
    sender: async (m, _a, ctx) => {
      if (!m.senderUserId) return null;
      const mail = await ctx.loaders.mailByUserId.load(m.senderUserId);
      return mail ? { email: mail } : null;
    },
    channel: (m, _a, ctx) => channelOf(m.channelId, m.teamId, ctx),
    team: (m, _a, ctx) => teamOf(m.teamId, ctx),
  },
  Channel: {
    team: (c, _a, ctx) => teamOf(c.teamId, ctx),
    messages: async (c, { first, after }, ctx) => {
      const args = pageArgs(first, after, 20);
      await ctx.index.fresh();
      return messageConnection(ctx.index.byChannel(c.id, args.first, args.after), args.after !== null);
    },
  },
};
