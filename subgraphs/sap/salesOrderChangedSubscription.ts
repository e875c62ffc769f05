/**
 * `Subscription.salesOrderChanged(id, soldTo, status, after)` over the subgraph's event log (kit
 * `subscribeFromLog`): the subscriber's tenant only; `id` / `soldTo` match the envelope's entity and
 * `attributes.soldTo`, `status` its `attributes.status` (the status right after the change); `after`
 * replays what was logged since that cursor. Arguments are validated before anything is followed
 * (BAD_USER_INPUT naming the argument).
 *
 * `SalesOrderChangedEvent.order` is the order as SAP has it now, through the normal loaders: the
 * entity-cache entry is evicted first, once per event and process (`freshReads.ts`), and the
 * subscription's own DataLoader entry is cleared (its context lives as long as the subscription).
 */
import type { EntityEvent } from '../../schema/eventEnvelope';
import type { SalesOrderChangedEventResolvers, SubscriptionResolvers, SubscriptionSalesOrderChangedArgs } from '../../schema/generated/sap';
import { CURSOR, type LoggedEvent } from '../kit/eventLog';
import { subscribeFromLog } from '../kit/logSubscription';
import { badUserInput } from '../kit/subgraphErrors';
import type { SapContext } from './context';
import type { SalesOrderModel } from './model';
import { checkBusinessPartnerId, checkSalesOrderId } from './odataUrl';
import { salesOrderTag } from './sapCacheTags';

/** What the subscription yields per event (the `order` field resolves from it). */
export interface SalesOrderChangedPayload {
  cursor: string;
  changeType: EntityEvent['changeType'];
  changedFields: string[];
  occurredAt: string;
  orderId: string;
}

export interface SalesOrderChangedFilter {
  tenant: string;
  id?: string | undefined;
  soldTo?: string | undefined;
  status?: string | undefined;
}

/** Validated filter of the field's arguments for the subscriber's tenant. */
export function salesOrderChangedFilter(args: Partial<SubscriptionSalesOrderChangedArgs>, tenant: string): SalesOrderChangedFilter {
  return {
    tenant,
    id: args.id === null || args.id === undefined ? undefined : checkSalesOrderId(args.id, 'id'),
    soldTo: args.soldTo === null || args.soldTo === undefined ? undefined : checkBusinessPartnerId(args.soldTo, 'soldTo'),
    status: args.status ?? undefined,
  };
}

export function matchesSalesOrderChanged(f: SalesOrderChangedFilter, e: EntityEvent): boolean {
  return e.type === 'SalesOrderChanged' && e.tenant === f.tenant
    && (f.id === undefined || e.entity.id === f.id)
    && (f.soldTo === undefined || e.attributes?.soldTo === f.soldTo)
    && (f.status === undefined || e.attributes?.status === f.status);
}

export const toSalesOrderChangedPayload = ({ cursor, event }: LoggedEvent): SalesOrderChangedPayload => ({
  cursor, changeType: event.changeType, changedFields: event.changedFields, occurredAt: event.occurredAt, orderId: event.entity.id,
});

const salesOrderChanged: NonNullable<SubscriptionResolvers<SapContext>['salesOrderChanged']> = {
  subscribe: (_root, args, ctx) => {
    const filter = salesOrderChangedFilter(args, ctx.tenant);
    // Checked here too, so the error carries `field` and `system` like every other argument error.
    if (args.after !== null && args.after !== undefined && !CURSOR.test(args.after)) {
      throw badUserInput('sap', 'after', 'after must be a cursor of this subscription (<ms>-<seq>)');
    }
    return subscribeFromLog<SalesOrderChangedPayload>({
      log: ctx.events.log,
      after: args.after,
      filter: (e) => matchesSalesOrderChanged(filter, e),
      resolve: (logged) => Promise.resolve(toSalesOrderChangedPayload(logged)),
    });
  },
  resolve: (payload: SalesOrderChangedPayload) => payload,
};

const SalesOrderChangedEvent: SalesOrderChangedEventResolvers<SapContext> = {
  order(event, _args, ctx): Promise<SalesOrderModel | null> | null {
    if (event.changeType === 'DELETED') return null;
    const id = event.orderId;
    return ctx.events.freshReads.once(ctx.tenant, event.cursor, () => {
      ctx.entityCache.invalidate({ tags: [salesOrderTag(id)], tenant: ctx.tenant });
      return ctx.loaders.salesOrderById.clear(id).load(id);
    });
  },
};

export const salesOrderChangedResolvers = { Subscription: { salesOrderChanged }, SalesOrderChangedEvent };
