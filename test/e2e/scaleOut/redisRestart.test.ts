/**
 * Redis going away and coming back, for real: a private `redis-server` on its own port serves the
 * gateway's shared response cache; the test kills it (SIGKILL) and starts it again on the same port.
 * While it is gone, queries keep answering (without the cache); once it is back, the gateway has
 * reconnected by itself and caches again, with no restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startStack, type Stack } from '../federatedGraph/startStack';

const ORDERS = '{ salesOrders(first: 2) { nodes { id status } } }';

/** A throwaway Redis: nothing on disk, on `port`; resolves once it accepts connections. */
async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  for (let i = 0; i < 100; i += 1) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (up) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not start on ${port}`);
}

function stopRedis(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('gateway with Redis going away and coming back', () => {
  let stack: Stack;
  let redis: ChildProcess | undefined;
  let port: number;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lumina-redis-restart-'));
    port = await freePort();
    redis = await startRedis(port, dir);
    stack = await startStack({ caches: true, gateway: { redisUrl: `redis://127.0.0.1:${port}` } });
  });
  afterAll(async () => {
    await stack?.close();
    await stopRedis(redis);
    rmSync(dir, { recursive: true, force: true });
  });

  const cacheHeader = async (): Promise<string | null> => {
    const res = await stack.query(ORDERS);
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    return res.headers.get('x-cache');
  };

  it('serves from the shared cache, keeps answering while Redis is down, and caches again once it is back', async () => {
    await cacheHeader();
    expect(await cacheHeader()).toBe('HIT');

    await stopRedis(redis);
    // Without Redis: answered from the subgraphs, never from a cache.
    expect(await cacheHeader()).toBeNull();
    expect(await cacheHeader()).toBeNull();

    redis = await startRedis(port, dir);
    let hit = false;
    for (let i = 0; i < 100 && !hit; i += 1) {
      hit = (await cacheHeader()) === 'HIT';
      if (!hit) await new Promise((r) => setTimeout(r, 100));
    }
    expect(hit).toBe(true);
  });
});
