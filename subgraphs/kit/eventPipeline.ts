/**
 * What a subgraph does with an event from its system, once the sender is verified: validate the
 * envelope, append it to the event log (subscriptions follow the log), then invalidate the caches
 * that may hold the changed entity.
 *
 * 1. `parseEvent(raw)`; a bad envelope throws `InvalidEventError` (the caller answers 400 / drops it).
 * 2. `log.append(event)`; a rejection propagates, so the webhook answers 5xx and the system retries.
 *    Nothing is invalidated then.
 * 3. A duplicate (same `id` already logged: an upstream retry or replay) stops here: it was
 *    invalidated the first time.
 * 4. `eventTag(event)` + `extraTags` are evicted from the local entity cache for the event's tenant,
 *    and, when `invalidateUrl` is set, POSTed as `{tags, tenant}` with the bearer token to the
 *    gateway's `/internal/invalidate`, fire and forget: a failure is logged, `publish` still resolves
 *    (the append is what the sender's acknowledgement depends on). `drain()` awaits those calls.
 */
import type { Logger } from 'pino';
import { eventTag, parseEvent } from '../../schema/eventEnvelope';
import { MAX_TAG_LENGTH } from './cacheTags';
import type { EntityCache } from './entityCache';
import { createEventLog, type AppendResult, type EventLog } from './eventLog';
import type { EventLogEnv } from './eventsEnv';

/** The raw value is not a canonical envelope; `reason` names the first bad key. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  constructor(readonly reason: string) {
    super(`invalid event: ${reason}`);
  }
}

export interface EventPipelineOptions {
  log: EventLog;
  /** The subgraph's entity cache (its server's `entityCache`). */
  entityCache: EntityCache;
  logger: Logger;
  /** The gateway's `POST /internal/invalidate` URL (`GATEWAY_INVALIDATE_URL`); none = no gateway call. @default undefined */
  invalidateUrl?: string | undefined;
  /** Bearer token of the gateway call (`INTERNAL_API_TOKEN`). @default undefined (no authorization header) */
  token?: string | undefined;
  /** How long the gateway call may take before it is abandoned (and logged). @default 5_000 */
  gatewayTimeoutMs?: number;
}

export interface EventPipeline {
  /** Validates, appends, invalidates; resolves with the log's answer (`duplicate: true` for a repeat). */
  publish(raw: unknown, extraTags?: readonly string[]): Promise<AppendResult>;
  /** Resolves when every gateway call started so far has finished (shutdown, tests). */
  drain(): Promise<void>;
}

export function createEventPipeline(opts: EventPipelineOptions): EventPipeline {
  const log = opts.logger;
  const inFlight = new Set<Promise<void>>();

  const notifyGateway = async (url: string, tags: string[], tenant: string): Promise<void> => {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
        body: JSON.stringify({ tags, tenant }),
        signal: AbortSignal.timeout(opts.gatewayTimeoutMs ?? 5_000),
      });
      await res.arrayBuffer();
      if (!res.ok) log.warn({ status: res.status, tags: tags.length, tenant }, 'event pipeline: gateway refused the invalidation');
    } catch (err) {
      log.warn({ err, tags: tags.length, tenant }, 'event pipeline: gateway invalidation failed');
    }
  };

  return {
    async publish(raw, extraTags = []) {
      const parsed = parseEvent(raw);
      if (!parsed.ok) throw new InvalidEventError(parsed.reason);
      const event = parsed.event;
      const result = await opts.log.append(event);
      const evLog = log.child({ eventId: event.id, cursor: result.cursor, tenant: event.tenant });
      if (result.duplicate) {
        evLog.debug('event pipeline: duplicate event dropped');
        return result;
      }
      const all = [...new Set([eventTag(event), ...extraTags])];
      const tags = all.filter((t) => t.length > 0 && t.length <= MAX_TAG_LENGTH);
      if (tags.length < all.length) evLog.warn({ dropped: all.length - tags.length }, 'event pipeline: over-long cache tags not invalidated');
      const evicted = opts.entityCache.invalidate({ tags, tenant: event.tenant });
      evLog.debug({ type: event.type, evicted }, 'event published');
      if (opts.invalidateUrl && tags.length > 0) {
        const call = notifyGateway(opts.invalidateUrl, tags, event.tenant);
        inFlight.add(call);
        void call.finally(() => inFlight.delete(call));
      }
      return result;
    },
    async drain() {
      await Promise.all([...inFlight]);
    },
  };
}

export interface SystemEvents {
  log: EventLog;
  pipeline: EventPipeline;
}

/**
 * A subgraph's event log (stream `lumina:events:<system>`, Redis when configured) and the pipeline
 * in front of it, both from the shared event keys (`eventsEnv.ts`). The caller drains the pipeline
 * and closes the log on shutdown.
 */
export function createSystemEvents(system: string, config: EventLogEnv, entityCache: EntityCache, logger: Logger, log?: EventLog): SystemEvents {
  const eventLog = log ?? createEventLog({ redisUrl: config.redisUrl, stream: `lumina:events:${system}`, retentionMs: config.retentionMs, logger });
  const pipeline = createEventPipeline({ log: eventLog, entityCache, logger, invalidateUrl: config.invalidateUrl, token: config.internalApiToken });
  return { log: eventLog, pipeline };
}
