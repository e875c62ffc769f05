/**
 * `Subscription.contactChanged(id, email, after)` over the subgraph's event log (kit
 * `subscribeFromLog`), and the `ContactChangedEvent.contact` field.
 *
 * - Filters: the subscriber's tenant always; `id` = that contact; `email` = the contact that has the
 *   email when the subscription starts (looked up once) or any event carrying that email (a contact
 *   created with it, or changed to it). Both given: both must match.
 * - `after`: an event's `cursor`; the log's events after it come first (BAD_USER_INPUT for anything
 *   that is not a cursor).
 * - Thin events, current data: before each event is delivered the operation's DataLoaders forget
 *   what they loaded for earlier events, and the contact's entity-cache entries are evicted unless
 *   they are at least as new as the event (the pipeline evicts them too, but a subscriber may see
 *   the log entry first); `contact` then reads through the normal loaders. DELETED events have
 *   `contact: null` without a read.
 */
import type { EntityEvent } from '../../schema/eventEnvelope';
import type { ContactChangedEventResolvers, SubscriptionResolvers } from '../../schema/generated/salesforce';
import { entityTag } from '../kit/cacheTags';
import type { LoggedEvent } from '../kit/eventLog';
import { subscribeFromLog } from '../kit/logSubscription';
import type { SalesforceContext } from './context';
import { normalizeEmail } from './mapping';
import type { ContactModel } from './model';
import { KEY_PREFIX, requireId } from './salesforceId';

/** The parent of `ContactChangedEvent` fields (`contact` is resolved from `contactId`). */
export interface ContactChangedPayload {
  cursor: string;
  changeType: EntityEvent['changeType'];
  changedFields: string[];
  occurredAt: string;
  contactId: string;
}

/** Evicts the contact's cached entries unless they already reflect the event, and resets the loaders. */
function freshReads(ctx: SalesforceContext, event: EntityEvent): void {
  ctx.loaders.contactById.clearAll();
  ctx.loaders.contactByEmail.clearAll();
  ctx.loaders.accountById.clearAll();
  const cached = ctx.entityCache.peek<ContactModel | null>(ctx.tenant, 'Contact', event.entity.id)?.value;
  if (cached && Date.parse(cached.updatedAt) >= Date.parse(event.occurredAt)) return;
  ctx.entityCache.invalidate({ tags: [entityTag('Contact', event.entity.id)], tenant: ctx.tenant });
}

function toPayload({ cursor, event }: LoggedEvent): ContactChangedPayload {
  return { cursor, changeType: event.changeType, changedFields: event.changedFields, occurredAt: event.occurredAt, contactId: event.entity.id };
}

type Args = { id?: string | null; email?: string | null; after?: string | null };

async function subscribe(args: Args, ctx: SalesforceContext): Promise<AsyncIterableIterator<ContactChangedPayload>> {
  const id = typeof args.id === 'string' ? requireId(KEY_PREFIX.Contact, 'id', args.id) : null;
  const email = typeof args.email === 'string' ? normalizeEmail(args.email) : null;
  const emailOwner = email ? (await ctx.loaders.contactByEmail.load(email))?.id ?? null : null;
  const matches = (e: EntityEvent): boolean => e.type === 'ContactChanged' && e.tenant === ctx.tenant
    && (id === null || e.entity.id === id)
    && (email === null || e.entity.id === emailOwner || e.attributes?.email === email);
  return subscribeFromLog<ContactChangedPayload>({
    log: ctx.eventLog,
    after: args.after,
    filter: matches,
    resolve: (logged) => {
      freshReads(ctx, logged.event);
      return Promise.resolve(toPayload(logged));
    },
  });
}

export const contactSubscriptionResolvers: { Subscription: SubscriptionResolvers<SalesforceContext>; ContactChangedEvent: ContactChangedEventResolvers<SalesforceContext> } = {
  Subscription: {
    contactChanged: {
      subscribe: (_root, args, ctx) => subscribe(args, ctx),
      resolve: (payload: ContactChangedPayload) => payload,
    },
  },
  ContactChangedEvent: {
    contact: (ev, _args, ctx) => (ev.changeType === 'DELETED' ? null : ctx.loaders.contactById.load(ev.contactId)),
  },
};
