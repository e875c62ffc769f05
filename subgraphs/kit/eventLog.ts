/**
 * A subgraph's durable event log: webhook and stream consumers `append` canonical envelopes
 * (`schema/eventEnvelope.ts`) before they acknowledge the system, and subscription resolvers `follow`
 * the log from a cursor, so a reconnecting client gets what it missed, in order, once.
 *
 * - Cursors are Redis Stream ids (`<ms>-<seq>`), ordered; `follow(after)` yields entries strictly after.
 * - `append` drops an event whose `id` is already in the log (upstream retries, replays): it resolves
 *   `{ duplicate: true, cursor }` with the first copy's cursor.
 * - Entries older than `retentionMs` are trimmed (default 24 h).
 * This file is the in-process log (the default); `createEventLog` picks Redis Streams when `redisUrl` is set.
 */
import type { Logger } from 'pino';
import type { EntityEvent } from '../../schema/eventEnvelope';
import { createRedisEventLog } from './redisEventLog';

export interface LoggedEvent {
  cursor: string;
  event: EntityEvent;
}

export interface AppendResult {
  cursor: string;
  duplicate: boolean;
}

export interface EventLog {
  readonly kind: 'memory' | 'redis';
  /** Appends unless an event with the same id is already logged. Rejects when the log cannot store it. */
  append(event: EntityEvent): Promise<AppendResult>;
  /** Up to `limit` entries after `after` (all when undefined), oldest first. */
  read(after: string | undefined, limit?: number): Promise<LoggedEvent[]>;
  /** Entries after `after` (from now when undefined), then every new one, until the signal aborts, `return()` or `close()`. */
  follow(after: string | undefined, signal?: AbortSignal): AsyncIterableIterator<LoggedEvent>;
  /** The newest `limit` entries (at most), newest first; `[]` when `limit` < 1. For the gateway's operations page. */
  recent(limit: number): Promise<LoggedEvent[]>;
  /** The newest cursor, or '0-0' for an empty log. */
  head(): Promise<string>;
  close(): Promise<void>;
}

export interface MemoryEventLogOptions {
  /** @default 86_400_000 (24 h) */
  retentionMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** Compares two stream ids (`ms-seq`). */
export function compareCursors(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am === bm ? as - bs : am - bm;
}

export const CURSOR = /^\d{1,16}-\d{1,16}$/;

export function createMemoryEventLog(opts: MemoryEventLogOptions = {}): EventLog {
  const retentionMs = opts.retentionMs ?? 86_400_000;
  const now = opts.now ?? Date.now;
  const entries: LoggedEvent[] = [];
  const byId = new Map<string, string>();
  const waiters = new Set<() => void>();
  let lastMs = 0;
  let seq = 0;
  let closed = false;

  const trim = (): void => {
    const oldest = now() - retentionMs;
    while (entries.length > 0 && Number(entries[0]!.cursor.split('-')[0]) < oldest) {
      const gone = entries.shift()!;
      byId.delete(gone.event.id);
    }
  };
  const nextCursor = (): string => {
    const ms = Math.max(now(), lastMs);
    seq = ms === lastMs ? seq + 1 : 0;
    lastMs = ms;
    return `${ms}-${seq}`;
  };
  const after = (cursor: string | undefined): LoggedEvent[] => {
    if (cursor === undefined) return entries.slice();
    return entries.filter((e) => compareCursors(e.cursor, cursor) > 0);
  };

  return {
    kind: 'memory',
    append(event) {
      trim();
      const seen = byId.get(event.id);
      if (seen) return Promise.resolve({ cursor: seen, duplicate: true });
      const cursor = nextCursor();
      entries.push({ cursor, event });
      byId.set(event.id, cursor);
      for (const w of [...waiters]) w();
      return Promise.resolve({ cursor, duplicate: false });
    },
    read(cursor, limit = 1_000) {
      trim();
      return Promise.resolve(after(cursor).slice(0, limit));
    },
    async *follow(cursor, signal) {
      let position = cursor ?? (entries.at(-1)?.cursor ?? '0-0');
      while (!signal?.aborted && !closed) {
        const batch = after(position);
        for (const e of batch) {
          position = e.cursor;
          yield e;
        }
        if (batch.length > 0) continue;
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            waiters.delete(wake);
            signal?.removeEventListener('abort', wake);
            resolve();
          };
          waiters.add(wake);
          signal?.addEventListener('abort', wake, { once: true });
        });
      }
    },
    recent(limit) {
      trim();
      return Promise.resolve(limit < 1 ? [] : entries.slice(-limit).reverse());
    },
    head: () => Promise.resolve(entries.at(-1)?.cursor ?? '0-0'),
    close() {
      closed = true;
      for (const w of [...waiters]) w();
      return Promise.resolve();
    },
  };
}

export interface EventLogOptions {
  /** Redis to keep the log in (`REDIS_URL`); none = the in-process log. @default undefined */
  redisUrl?: string | undefined;
  /** The Redis stream's key, e.g. `lumina:events:sap` (also names the log in logs). */
  stream: string;
  /** How long entries (and their dedupe keys) are kept (`EVENT_LOG_RETENTION_MS`). @default 86_400_000 (24 h) */
  retentionMs?: number | undefined;
  logger: Logger;
}

/** The subgraph's event log: Redis Streams when `redisUrl` is set (`redisEventLog.ts`), else in process. */
export function createEventLog(opts: EventLogOptions): EventLog {
  const retentionMs = opts.retentionMs ?? 86_400_000;
  if (!Number.isSafeInteger(retentionMs) || retentionMs < 1) throw new TypeError(`event log ${opts.stream}: retentionMs must be a positive integer of ms`);
  if (opts.redisUrl) return createRedisEventLog({ redisUrl: opts.redisUrl, stream: opts.stream, retentionMs, logger: opts.logger });
  opts.logger.info({ eventLog: opts.stream, retentionMs }, 'event log in process (set REDIS_URL for Redis Streams)');
  return createMemoryEventLog({ retentionMs });
}
