/**
 * The response store on Redis (7.0 or later), shared by every gateway instance. Layout under
 * `keyPrefix`:
 * - `e:<tenant>:<sha256>`: the entry (JSON `{ body, tags, storedAt, ttlMs }`), `PX` = its TTL;
 * - `tag:<tenant>:<tag>`: set of the keys holding the tag; expires with the longest-lived of them
 *   (`PEXPIRE NX` then `PEXPIRE GT`); members whose entry is gone are harmless (`DEL` counts 0);
 * - `tenants`: set of the tenants with entries (to invalidate a tag across tenants);
 * - `inv:<tenant|*>:<tag>`: when the tag was last invalidated, kept `invalidationWindowMs`.
 * `set` is one Lua script (check the invalidation records, write, index): atomic against an
 * invalidation, which writes its records first, then reads the tag sets and deletes.
 * Every command has a short timeout; failures reject (the response cache logs and degrades).
 */
import Redis, { type ChainableCommander } from 'ioredis';
import type { Logger } from 'pino';
import type { ResponseStore, StoredResponse } from './responseStore';

export interface RedisResponseStoreOptions {
  url: string;
  keyPrefix: string;
  commandTimeoutMs: number;
  maxEntryBytes: number;
  invalidationWindowMs: number;
  logger: Logger;
}

// KEYS: entry, tenants, n tag sets, n tenant records, n all-tenant records.
// ARGV: value, ttlMs, startedAt (-1 = no check), member, n, tenant.
const SET_SCRIPT = `
local n = tonumber(ARGV[5])
local started = tonumber(ARGV[3])
if started >= 0 then
  for i = 3 + n, 2 + 3 * n do
    local at = redis.call('GET', KEYS[i])
    if at and tonumber(at) >= started then
      redis.call('DEL', KEYS[1])
      return 0
    end
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
for i = 2, 2 + n do
  if i == 2 then redis.call('SADD', KEYS[i], ARGV[6]) else redis.call('SADD', KEYS[i], ARGV[4]) end
  redis.call('PEXPIRE', KEYS[i], ARGV[2], 'NX')
  redis.call('PEXPIRE', KEYS[i], ARGV[2], 'GT')
end
return 1`;

/** Keys per `DEL` / `SMEMBERS` pipeline. */
const BATCH = 1_000;

async function run(pipeline: ChainableCommander): Promise<unknown[]> {
  const results = await pipeline.exec();
  if (!results) throw new Error('redis pipeline aborted');
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

function parseEntry(raw: string): StoredResponse {
  const v = JSON.parse(raw) as Partial<StoredResponse> | null;
  if (typeof v?.body !== 'string' || !Array.isArray(v.tags) || typeof v.storedAt !== 'number' || typeof v.ttlMs !== 'number') {
    throw new Error('malformed response cache entry');
  }
  return { body: v.body, tags: v.tags.filter((t): t is string => typeof t === 'string'), storedAt: v.storedAt, ttlMs: v.ttlMs };
}

function connect(opts: RedisResponseStoreOptions): Redis {
  const redis = new Redis(opts.url, {
    commandTimeout: opts.commandTimeoutMs,
    connectTimeout: Math.max(opts.commandTimeoutMs, 1_000),
    disconnectTimeout: opts.commandTimeoutMs,
    maxRetriesPerRequest: 1,
  });
  let reported = false;
  redis.on('error', (err: unknown) => {
    if (!reported) opts.logger.warn({ err }, 'response cache redis connection failed; serving without cache until it is back');
    reported = true;
  });
  redis.on('ready', () => {
    if (reported) opts.logger.info('response cache redis connection is back');
    reported = false;
  });
  return redis;
}

export function createRedisResponseStore(opts: RedisResponseStoreOptions): ResponseStore {
  const redis = connect(opts);
  // Commands queue while the first connection is made; after a lost connection they skip Redis until it is back.
  const health = { up: true };
  redis.on('close', () => { health.up = false; });
  redis.on('ready', () => { health.up = true; });
  const p = opts.keyPrefix;
  const entryKey = (key: string): string => `${p}e:${key}`;
  const tagKey = (tenant: string, tag: string): string => `${p}tag:${tenant}:${tag}`;
  const recordKey = (tenant: string, tag: string): string => `${p}inv:${tenant}:${tag}`;
  const tenantsKey = `${p}tenants`;

  const invalidate = async (tags: readonly string[], tenant: string | undefined, now: number): Promise<number> => {
    if (tags.length === 0) return 0;
    const records = redis.pipeline();
    for (const tag of tags) records.set(recordKey(tenant ?? '*', tag), String(now), 'PX', opts.invalidationWindowMs);
    await run(records);
    const tenants = tenant === undefined ? await redis.smembers(tenantsKey) : [tenant];
    const sets = tenants.flatMap((t) => tags.map((tag) => tagKey(t, tag)));
    const members = new Set<string>();
    for (const batch of chunks(sets)) {
      const read = redis.pipeline();
      for (const k of batch) read.smembers(k);
      for (const list of await run(read)) for (const m of list as string[]) members.add(entryKey(m));
    }
    let removed = 0;
    for (const batch of chunks([...members])) removed += (await redis.del(...batch));
    for (const batch of chunks(sets)) await redis.unlink(...batch);
    return removed;
  };

  const clear = async (): Promise<void> => {
    const pattern = `${p.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', BATCH);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  };

  return {
    // While Redis is down, reads and writes skip it at once (no command timeout per query); invalidations still try.
    get: async (key) => {
      if (!health.up) return undefined;
      const raw = await redis.get(entryKey(key));
      return raw === null ? undefined : parseEntry(raw);
    },
    set: async (key, tenant, entry, startedAt) => {
      if (!health.up) return false;
      const value = JSON.stringify(entry);
      if (Buffer.byteLength(value, 'utf8') > opts.maxEntryBytes) {
        await redis.del(entryKey(key));
        return false;
      }
      const { tags } = entry;
      const keys = [entryKey(key), tenantsKey, ...tags.map((t) => tagKey(tenant, t)), ...tags.map((t) => recordKey(tenant, t)), ...tags.map((t) => recordKey('*', t))];
      const args = [value, String(entry.ttlMs), String(startedAt ?? -1), key, String(tags.length), tenant];
      return (await redis.eval(SET_SCRIPT, keys.length, ...keys, ...args)) === 1;
    },
    invalidate,
    clear,
    evictions: () => 0,
    close: async () => {
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}
