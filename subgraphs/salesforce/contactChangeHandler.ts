/**
 * What the CDC consumer does with one change event's `data`: validate and map it to envelopes
 * (`cdcEnvelope.ts`), then publish each through the kit's event pipeline (append to the event log,
 * invalidate the entity cache and the gateway's caches). Resolves once every envelope is appended,
 * so the consumer saves the replay id only after that; a log that cannot append rejects (the
 * consumer then resubscribes from the last saved replay id).
 *
 * - Tags invalidated besides `Contact:<id>`: `Contact:email:<email>` for the email the event carries
 *   and for the one this process had cached for the contact (an email change invalidates both).
 * - A malformed event is logged and skipped (retrying it could never succeed); GAP_* events are
 *   logged as warnings and published like their non-gap change type (so caches are invalidated and
 *   subscribers re-read the contact); GAP_OVERFLOW naming no records also clears the local entity
 *   cache, since any contact may have changed.
 */
import type { Logger } from 'pino';
import { contactEmailTag } from '../kit/cacheTags';
import type { EntityCache } from '../kit/entityCache';
import { InvalidEventError, type EventPipeline } from '../kit/eventPipeline';
import { contactEnvelopes, parseChangeEvent, replayIdOf } from './cdcEnvelope';
import type { ContactModel } from './model';

export interface ContactChangeHandlerOptions {
  pipeline: Pick<EventPipeline, 'publish'>;
  entityCache: EntityCache;
  /** Tenant of the org's events. */
  tenant: string;
  /** The CDC channel (part of the envelope ids). */
  channel: string;
  logger: Logger;
}

export function createContactChangeHandler(opts: ContactChangeHandlerOptions): (data: unknown) => Promise<void> {
  const log = opts.logger;
  return async (data) => {
    const parsed = parseChangeEvent(data);
    if ('error' in parsed) {
      log.warn({ reason: parsed.error, replayId: replayIdOf(data) }, 'cdc: malformed change event skipped');
      return;
    }
    const mapped = contactEnvelopes(parsed, opts);
    if (mapped.gap) {
      log.warn({ replayId: parsed.replayId, changeType: parsed.changeType, records: parsed.recordIds.length }, 'cdc: gap event (the change is known, its data is not); invalidating');
    }
    if (mapped.overflow && mapped.envelopes.length === 0 && parsed.entityName === 'Contact') {
      log.error({ replayId: parsed.replayId }, 'cdc: GAP_OVERFLOW without record ids; clearing the local entity cache');
      opts.entityCache.clear();
    }
    for (const { event, email } of mapped.envelopes) {
      const cached = opts.entityCache.peek<ContactModel | null>(opts.tenant, 'Contact', event.entity.id)?.value;
      const tags = new Set<string>();
      if (email) tags.add(contactEmailTag(email));
      if (cached?.email) tags.add(contactEmailTag(cached.email));
      try {
        await opts.pipeline.publish(event, [...tags]);
      } catch (err) {
        if (!(err instanceof InvalidEventError)) throw err;
        log.error({ reason: err.reason, eventId: event.id }, 'cdc: mapped envelope refused by the event pipeline; skipped');
      }
    }
  };
}
