/**
 * Where the CDC consumer keeps the replay id of the last event it has fully processed, so that
 * after a restart it resumes right after it (no gap, and no re-delivery beyond what the event log's
 * dedupe absorbs):
 *
 * - a small JSON file (`SALESFORCE_REPLAY_STORE`, default `var/salesforce/cdc-replay.json`),
 *   replaced atomically (write to a temporary file, then rename) on every save;
 * - or a Redis string with the same JSON when REDIS_URL is set and no file is configured, so the
 *   position lives next to the Redis event log and survives a container's file system.
 *
 * The record is `{"source":"<instance URL>","channel":"/data/ContactChangeEvent","replayId":42,"savedAt":"..."}`:
 * replay ids only mean something for one org's channel, so a position saved for another instance
 * URL or channel is ignored (with a warning) and the consumer starts as if there were none. A
 * corrupt record fails the start, naming where it is (resuming from nothing could skip events).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface ReplayStore {
  readonly kind: 'file' | 'redis';
  /** The last replay id saved for this channel of `source` (the org's instance URL), or null. */
  load(source: string): Promise<number | null>;
  save(source: string, replayId: number): Promise<void>;
  close(): Promise<void>;
}

interface SavedPosition {
  source?: unknown;
  channel?: unknown;
  replayId?: unknown;
}

/** The stored id when the record is for `source` and `channel`; throws `where` on a corrupt record. */
function positionOf(text: string, where: string, source: string, channel: string, logger: Logger): number | null {
  let saved: SavedPosition;
  try {
    saved = JSON.parse(text) as SavedPosition;
  } catch {
    throw new Error(`${where} is not a replay position (invalid JSON); delete it to start over`);
  }
  if (!saved || typeof saved !== 'object' || !Number.isSafeInteger(saved.replayId) || (saved.replayId as number) < 0) {
    throw new Error(`${where} holds no replay id; delete it to start over`);
  }
  if (saved.source !== source || saved.channel !== channel) {
    logger.warn({ where, storedSource: String(saved.source).slice(0, 200), storedChannel: String(saved.channel).slice(0, 100), source, channel },
      'replay store holds the position of another org or channel; ignoring it');
    return null;
  }
  return saved.replayId as number;
}

const record = (source: string, channel: string, replayId: number): string =>
  JSON.stringify({ source, channel, replayId, savedAt: new Date().toISOString() });

export type ReplayStoreConfig = { type: 'file'; path: string } | { type: 'redis'; url: string; key: string };

export function createFileReplayStore(path: string, channel: string, logger: Logger): ReplayStore {
  let dirReady = false;
  return {
    kind: 'file',
    async load(source) {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw new Error(`SALESFORCE_REPLAY_STORE '${path}' cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      return positionOf(text, `SALESFORCE_REPLAY_STORE '${path}'`, source, channel, logger);
    },
    async save(source, replayId) {
      if (!dirReady) {
        await mkdir(dirname(path), { recursive: true });
        dirReady = true;
      }
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, `${record(source, channel, replayId)}\n`, 'utf8');
      await rename(tmp, path);
    },
    close: () => Promise.resolve(),
  };
}

export function createRedisReplayStore(url: string, key: string, channel: string, logger: Logger): ReplayStore {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  return {
    kind: 'redis',
    async load(source) {
      const raw = await redis.get(key);
      return raw === null ? null : positionOf(raw, `Redis key ${key}`, source, channel, logger);
    },
    async save(source, replayId) {
      await redis.set(key, record(source, channel, replayId));
    },
    async close() {
      if (redis.status === 'wait' || redis.status === 'end') {
        redis.disconnect();
        return;
      }
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export function createReplayStore(config: ReplayStoreConfig, channel: string, logger: Logger): ReplayStore {
  return config.type === 'file' ? createFileReplayStore(config.path, channel, logger) : createRedisReplayStore(config.url, config.key, channel, logger);
}
