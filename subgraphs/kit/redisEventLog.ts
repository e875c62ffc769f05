/**
 * The event log on Redis Streams (`createEventLog` picks it when `REDIS_URL` is set), so events
 * survive a restart and every replica of a subgraph serves the same log.
 *
 * - One stream per subgraph (`stream`); an entry is `XADD <stream> MINID <now - retention> * event <json>`,
 *   so the entry id is the cursor and entries older than the retention are trimmed on every append.
 * - Duplicates: a companion key `<stream>:id:<event id>` holds the first copy's cursor for the
 *   retention (`SET ... PX`). The look-up, the `XADD` and the `SET` run in one Lua script, so a crash
 *   cannot leave an entry without its key or a key without its entry. Both use Redis's clock.
 * - `read`: `XRANGE <stream> (<after> + COUNT n` (exclusive start). `recent(n)`: `XREVRANGE + - COUNT n`.
 *   `head`: `XREVRANGE + - COUNT 1`.
 * - `follow`: `XREAD BLOCK` on its own duplicated connection (a blocked connection serves nothing
 *   else); aborting the signal, `return()` or `close()` disconnects it, which ends the iteration.
 * - A failing Redis makes `append` reject quickly (one reconnect attempt, a command timeout):
 *   the webhook caller answers 5xx so the system retries.
 *
 * Keys are plain (no cluster hash tags): one Redis (or a primary with replicas), not Redis Cluster.
 */
import Redis from 'ioredis';
import type { Logger } from 'pino';
import type { EntityEvent } from '../../schema/eventEnvelope';
import type { AppendResult, EventLog, LoggedEvent } from './eventLog';

export interface RedisEventLogOptions {
  /** `redis://[:password@]host:port[/db]`. */
  redisUrl: string;
  /** The stream's key, e.g. `lumina:events:sap`; the dedupe keys are `<stream>:id:<event id>`. */
  stream: string;
  /** @default 86_400_000 (24 h) */
  retentionMs?: number;
  logger: Logger;
  /** How long `append`/`read`/`recent`/`head` wait for Redis before rejecting. @default 5_000 */
  commandTimeoutMs?: number;
  /** Most entries one `XREAD` of `follow` fetches. @default 100 */
  followBatch?: number;
}

/**
 * KEYS[1] stream, KEYS[2] dedupe key; ARGV[1] retention ms, ARGV[2] event JSON.
 * Returns { cursor, 1 } for a duplicate, { cursor, 0 } for a new entry.
 */
const APPEND_SCRIPT = `
local seen = redis.call('GET', KEYS[2])
if seen then return { seen, 1 } end
local t = redis.call('TIME')
local minid = string.format('%.0f', math.max(0, tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[1])))
local id = redis.call('XADD', KEYS[1], 'MINID', minid, '*', 'event', ARGV[2])
redis.call('SET', KEYS[2], id, 'PX', ARGV[1])
return { id, 0 }
`;

type StreamEntry = [id: string, fields: string[]];

interface AppendingRedis extends Redis {
  luminaAppendEvent(stream: string, dedupeKey: string, retentionMs: number, json: string): Promise<[string, number]>;
}

export function createRedisEventLog(opts: RedisEventLogOptions): EventLog {
  const retentionMs = opts.retentionMs ?? 86_400_000;
  const batch = opts.followBatch ?? 100;
  const log = opts.logger.child({ eventLog: opts.stream });
  const client = new Redis(opts.redisUrl, {
    maxRetriesPerRequest: 1,
    commandTimeout: opts.commandTimeoutMs ?? 5_000,
    connectTimeout: opts.commandTimeoutMs ?? 5_000,
    lazyConnect: true,
    // `close()` QUITs a ready connection politely; any other is cut at once, not after 2 s.
    disconnectTimeout: 0,
  }) as AppendingRedis;
  client.on('error', (err: unknown) => log.warn({ err }, 'event log: redis error'));
  client.defineCommand('luminaAppendEvent', { numberOfKeys: 2, lua: APPEND_SCRIPT });
  const followers = new Set<Redis>();

  const toLogged = (entries: StreamEntry[]): LoggedEvent[] => {
    const out: LoggedEvent[] = [];
    for (const [cursor, fields] of entries) {
      const json = fields[fields.indexOf('event') + 1];
      try {
        out.push({ cursor, event: JSON.parse(json ?? '') as EntityEvent });
      } catch (err) {
        log.error({ err, cursor }, 'event log: unreadable entry skipped');
      }
    }
    return out;
  };
  const head = async (): Promise<string> => {
    const last = (await client.xrevrange(opts.stream, '+', '-', 'COUNT', 1)) as StreamEntry[];
    return last[0]?.[0] ?? '0-0';
  };

  async function* follow(after: string | undefined, signal?: AbortSignal): AsyncGenerator<LoggedEvent> {
    if (signal?.aborted) return;
    let position = after ?? (await head());
    // No command timeout: XREAD BLOCK 0 waits for as long as the subscription lives. The blocked
    // connection is cut when the follower stops (`disconnectTimeout: 0`).
    const conn = client.duplicate({ commandTimeout: undefined, lazyConnect: true });
    conn.on('error', (err: unknown) => log.debug({ err }, 'event log: follower redis error'));
    followers.add(conn);
    const stop = (): void => conn.disconnect();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      while (!signal?.aborted && followers.has(conn)) {
        let res: [string, StreamEntry[]][] | null;
        try {
          res = (await conn.xread('COUNT', batch, 'BLOCK', 0, 'STREAMS', opts.stream, position)) as [string, StreamEntry[]][] | null;
        } catch (err) {
          if (signal?.aborted || !followers.has(conn)) return;
          throw err;
        }
        for (const e of toLogged(res?.[0]?.[1] ?? [])) {
          position = e.cursor;
          yield e;
        }
      }
    } finally {
      signal?.removeEventListener('abort', stop);
      followers.delete(conn);
      conn.disconnect();
    }
  }

  return {
    kind: 'redis',
    async append(event) {
      const [cursor, duplicate] = await client.luminaAppendEvent(opts.stream, `${opts.stream}:id:${event.id}`, retentionMs, JSON.stringify(event));
      return { cursor, duplicate: duplicate === 1 } satisfies AppendResult;
    },
    async read(after, limit = 1_000) {
      const entries = (await client.xrange(opts.stream, after === undefined ? '-' : `(${after}`, '+', 'COUNT', limit)) as StreamEntry[];
      return toLogged(entries);
    },
    async recent(limit) {
      if (limit < 1) return [];
      return toLogged((await client.xrevrange(opts.stream, '+', '-', 'COUNT', limit)) as StreamEntry[]);
    },
    follow,
    head,
    async close() {
      for (const conn of followers) conn.disconnect();
      followers.clear();
      if (client.status !== 'ready') {
        client.disconnect();
        return;
      }
      await client.quit().catch(() => client.disconnect());
    },
  };
}
