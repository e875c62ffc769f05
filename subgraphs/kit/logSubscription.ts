/**
 * A Subscription field's `subscribe` over the subgraph's event log: the events after the client's
 * `after` cursor (what it missed while disconnected), then every new one, filtered by the field's
 * arguments and the subscriber's tenant, each turned into the field's payload by `resolve`.
 *
 * ```ts
 * Subscription: {
 *   salesOrderChanged: {
 *     subscribe: (_, args, ctx) => subscribeFromLog({
 *       log, after: args.after,
 *       filter: (e) => e.tenant === ctx.tenant && (!args.id || e.entity.id === args.id),
 *       resolve: async ({ cursor, event }) => ({ cursor, ...await readOrder(event) }),
 *     }),
 *     resolve: (payload) => payload,
 *   },
 * }
 * ```
 * `return()` (graphql-ws calls it when the client completes or disconnects) stops following at once,
 * also while waiting for the next event, which releases the log's blocking reader.
 */
import { GraphQLError } from 'graphql';
import type { EntityEvent } from '../../schema/eventEnvelope';
import { CURSOR, type EventLog, type LoggedEvent } from './eventLog';

export interface LogSubscriptionOptions<T> {
  log: EventLog;
  /** Replay entries after this cursor first; null/undefined = only events from now on. @default undefined */
  after?: string | null | undefined;
  /** Which events this subscriber gets; must include the tenant check (`e.tenant === ctx.tenant`). */
  filter: (event: EntityEvent) => boolean;
  /** The payload of one event; null skips it (e.g. the entity is no longer visible). */
  resolve: (logged: LoggedEvent) => Promise<T | null>;
}

/** Throws a GraphQLError `BAD_USER_INPUT` (`extensions.field: 'after'`) when `after` is not a cursor. */
export function subscribeFromLog<T>(opts: LogSubscriptionOptions<T>): AsyncIterableIterator<T> {
  const after = opts.after ?? undefined;
  if (after !== undefined && !CURSOR.test(after)) {
    throw new GraphQLError('after must be a cursor of this subscription (<ms>-<seq>)', { extensions: { code: 'BAD_USER_INPUT', field: 'after' } });
  }
  const stop = new AbortController();
  const source = opts.log.follow(after, stop.signal);
  const events = (async function* (): AsyncGenerator<T> {
    for await (const logged of source) {
      if (stop.signal.aborted) return;
      if (!opts.filter(logged.event)) continue;
      const payload = await opts.resolve(logged);
      if (payload !== null && !stop.signal.aborted) yield payload;
    }
  })();
  const finish = (): void => {
    stop.abort();
    // Settles once the source sees the abort; nothing to wait for here.
    events.return(undefined).catch(() => undefined);
  };
  const iterator: AsyncIterableIterator<T> = {
    next: () => (stop.signal.aborted ? Promise.resolve({ done: true, value: undefined }) : events.next()),
    return: () => {
      finish();
      return Promise.resolve({ done: true, value: undefined });
    },
    throw: (err: unknown) => {
      finish();
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
