/**
 * The CDC consumer's replay store: the last processed replay id per org (instance URL) and channel,
 * in a file (atomic replace) or in Redis, ignored when it belongs to another org or channel, and a
 * corrupt record fails loudly.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import pino from 'pino';
import { createFileReplayStore, createRedisReplayStore } from '../../../subgraphs/salesforce/replayStore';

const logger = pino({ level: 'silent' });
const ORG = 'https://acme.my.salesforce.com';
const CHANNEL = '/data/ContactChangeEvent';

describe('file replay store', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'sf-replay-')); });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('has nothing before the first save, then returns the last saved id, creating the folder', async () => {
    const path = join(dir, 'nested', 'replay.json');
    const store = createFileReplayStore(path, CHANNEL, logger);
    expect(await store.load(ORG)).toBeNull();
    await store.save(ORG, 41);
    await store.save(ORG, 42);
    expect(await createFileReplayStore(path, CHANNEL, logger).load(ORG)).toBe(42);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ source: ORG, channel: CHANNEL, replayId: 42 });
    expect(await readdir(join(dir, 'nested'))).toEqual(['replay.json']);
  });

  it('ignores a position saved for another org or another channel', async () => {
    const path = join(dir, 'replay.json');
    await createFileReplayStore(path, CHANNEL, logger).save(ORG, 7);
    expect(await createFileReplayStore(path, CHANNEL, logger).load('http://127.0.0.1:4011')).toBeNull();
    expect(await createFileReplayStore(path, '/data/ChangeEvents', logger).load(ORG)).toBeNull();
  });

  it.each([
    ['invalid JSON', '{"replayId":'],
    ['no replay id', '{"source":"x","channel":"y"}'],
    ['a negative replay id', '{"source":"x","channel":"y","replayId":-4}'],
    ['a fractional replay id', '{"source":"x","channel":"y","replayId":1.5}'],
    ['JSON null', 'null'],
  ])('refuses a file holding %s, naming SALESFORCE_REPLAY_STORE and the path', async (_what, text) => {
    const path = join(dir, 'replay.json');
    await writeFile(path, text);
    await expect(createFileReplayStore(path, CHANNEL, logger).load(ORG)).rejects.toThrow(new RegExp(`SALESFORCE_REPLAY_STORE '${path}'`));
  });
});

describe('Redis replay store', () => {
  const key = `lumina:test:sf-replay:${randomUUID()}`;
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  afterAll(async () => {
    await redis.del(key);
    await redis.quit();
  });

  it('keeps the position in a Redis key and ignores another org', async () => {
    const store = createRedisReplayStore('redis://127.0.0.1:6379', key, CHANNEL, logger);
    try {
      expect(await store.load(ORG)).toBeNull();
      await store.save(ORG, 99);
      expect(await store.load(ORG)).toBe(99);
      expect(await store.load('https://other.my.salesforce.com')).toBeNull();
      expect(JSON.parse((await redis.get(key)) ?? '{}')).toMatchObject({ source: ORG, channel: CHANNEL, replayId: 99 });
    } finally {
      await store.close();
    }
  });
});
