/**
 * `Subscription.messagePosted(teamId, channelId, after)` over the subgraph's event log (kit
 * `subscribeFromLog`): `MessagePosted` events of the subscriber's tenant only; `teamId` /
 * `channelId` match the envelope's `attributes`; `after` replays what was logged since that cursor.
 * Arguments are validated before anything is followed (BAD_USER_INPUT naming the argument).
 *
 * `MessagePostedEvent.message` is the message as Teams has it now, through the normal loaders: the
 * subscription's DataLoader entry is cleared first (its context lives as long as the subscription),
 * and the entity-cache entry was evicted when the event was published. DELETED events have none.
 */
import type { EntityEvent } from '../../schema/eventEnvelope';
import type { MessagePostedEventResolvers, SubscriptionMessagePostedArgs, SubscriptionResolvers } from '../../schema/generated/teams';
import { CURSOR, type LoggedEvent } from '../kit/eventLog';
import { subscribeFromLog } from '../kit/logSubscription';
import { badUserInput } from '../kit/subgraphErrors';
import type { TeamsContext } from './context';
import { CHANNEL_ID } from './messageId';
import type { MessageModel } from './model';

/** What the subscription yields per event (`message` resolves from it). */
export interface MessagePostedPayload {
  cursor: string;
  changeType: EntityEvent['changeType'];
  occurredAt: string;
  /** The canonical `Message.id`. */
  messageId: string;
}

export interface MessagePostedFilter {
  tenant: string;
  teamId?: string | undefined;
  channelId?: string | undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The validated filter of the field's arguments for the subscriber's tenant. */
export function messagePostedFilter(args: Partial<SubscriptionMessagePostedArgs>, tenant: string): MessagePostedFilter {
  const { teamId, channelId, after } = args;
  if (teamId !== null && teamId !== undefined && !GUID.test(teamId)) throw badUserInput('teams', 'teamId', 'teamId is not a Teams team id (a GUID)');
  if (channelId !== null && channelId !== undefined && !CHANNEL_ID.test(channelId)) {
    throw badUserInput('teams', 'channelId', 'channelId is not a Teams channel id (19:...@thread.tacv2)');
  }
  if (after !== null && after !== undefined && !CURSOR.test(after)) throw badUserInput('teams', 'after', 'after must be a cursor of this subscription (<ms>-<seq>)');
  return { tenant, teamId: teamId?.toLowerCase() ?? undefined, channelId: channelId ?? undefined };
}

export function matchesMessagePosted(f: MessagePostedFilter, e: EntityEvent): boolean {
  return e.type === 'MessagePosted' && e.tenant === f.tenant
    && (f.teamId === undefined || e.attributes?.teamId === f.teamId)
    && (f.channelId === undefined || e.attributes?.channelId === f.channelId);
}

export const toMessagePostedPayload = ({ cursor, event }: LoggedEvent): MessagePostedPayload => ({
  cursor, changeType: event.changeType, occurredAt: event.occurredAt, messageId: event.entity.id,
});

const messagePosted: NonNullable<SubscriptionResolvers<TeamsContext>['messagePosted']> = {
  subscribe: (_root, args, ctx) => {
    const filter = messagePostedFilter(args, ctx.tenant);
    return subscribeFromLog<MessagePostedPayload>({
      log: ctx.events,
      after: args.after,
      filter: (e) => matchesMessagePosted(filter, e),
      resolve: (logged) => Promise.resolve(toMessagePostedPayload(logged)),
    });
  },
  resolve: (payload: MessagePostedPayload) => payload,
};

const MessagePostedEvent: MessagePostedEventResolvers<TeamsContext, MessagePostedPayload> = {
  message(event, _args, ctx): Promise<MessageModel | null> | null {
    if (event.changeType === 'DELETED') return null;
    return ctx.loaders.messageById.clear(event.messageId).load(event.messageId);
  },
};

export const messagePostedResolvers = { Subscription: { messagePosted }, MessagePostedEvent };
