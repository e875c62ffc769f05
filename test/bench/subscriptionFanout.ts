/**
 * Subscription fan-out benchmark (`npm run bench:subscriptions`, issue 5): event-to-client latency
 * (p50/p99), fan-out time (emit -> last subscriber) and memory per idle subscriber for N concurrent
 * graphql-ws subscribers of our gateway, against a raw `ws` broadcast of the same frame to N raw
 * `ws` clients measured in the same run (STYLE.md rule 17: a script, not a test).
 *
 *   npm run bench:subscriptions                     # 1,000 and 10,000 subscribers, 20 events
 *   BENCH_QUICK=1 npm run bench:subscriptions       # smoke run: 100 subscribers, 5 events
 *   BENCH_SUBSCRIBERS=5000 BENCH_EVENTS=50 npm run bench:subscriptions
 *
 * Processes: the gateway (`gateway/server.ts`, fast executor, no response cache, a fresh process per
 * run) or the raw server (`subscriptionFanoutRawServer.ts`) alone on core 0; the two tiny subgraphs
 * (`subscriptionFanoutSubgraphs.ts`: `orders` owns `Subscription.orderChanged` over graphql-ws,
 * `people` resolves `Person.name` by entity fetch), the subscriber workers
 * (`subscriptionFanoutWorker.ts`, up to BENCH_WORKERS processes) and this script on core 1. Every
 * subscriber sends the same operation and variables, so the gateway holds one upstream
 * subscription; the subgraph's count is reported and must be 1. Every subscriber must get every
 * event exactly once, in order, with the buyer name from the people subgraph; otherwise that run
 * fails and the script exits 1.
 *
 * | env | default |
 * |---|---|
 * | BENCH_QUICK | off (1/true: BENCH_SUBSCRIBERS=100, BENCH_EVENTS=5 unless set) |
 * | BENCH_SUBSCRIBERS | 1000,10000 |
 * | BENCH_EVENTS | 20 |
 * | BENCH_EVENT_GAP_MS | 200 |
 * | BENCH_WORKERS | 4 (at most one per 250 subscribers) |
 * | BENCH_CONNECT_CONCURRENCY | 50 connections opening at a time per worker |
 * | BENCH_SETTLE_MS | 2000 (after connecting, before the idle memory reading) |
 * | BENCH_PIN | on with 2+ cores (server core 0, harness core 1) |
 * | BENCH_OUT_DIR | var/bench |
 *
 * Writes `subscription-fanout.json` and `.md` to BENCH_OUT_DIR. Each subscriber is one socket: the
 * server needs N + a few dozen open files and each worker N / workers. Node raises its own soft
 * open-files limit to the hard one at start, so the script checks the hard limit (`ulimit -Hn`,
 * inherited; nothing system-wide is changed) and stops with a message if it is too low.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { composeSupergraph, writeFileAtomic } from '../../gateway/composeSupergraph';
import { spawnBenchProcess } from './benchProcess';
import { ORDERS_SDL, PEOPLE_SDL } from './subscriptionFanoutEvent';
import { startBenchChild, type BenchChild } from './subscriptionFanoutIpc';
import { OPEN_BENCH_ENV } from './benchGateways';
import { runPhase, type PhaseConfig, type UpstreamStats } from './subscriptionFanoutPhase';
import { captureNextMessage } from './subscriptionFanoutProbe';
import { GC_HOOK_ARGS, openFilesLimit } from './subscriptionFanoutProc';
import { failedPhase, renderMarkdown, type PhaseResult, type ReportMeta } from './subscriptionFanoutReport';

const REPO_ROOT = resolve(__dirname, '../..');
const say = (line: string): void => { process.stderr.write(`${line}\n`); };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface FanoutConfig {
  quick: boolean;
  subscribers: number[];
  events: number;
  gapMs: number;
  workers: number;
  concurrency: number;
  settleMs: number;
  pin: boolean;
  outDir: string;
}

function int(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

function flag(env: NodeJS.ProcessEnv, key: string, fallback: boolean): boolean {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'on', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'off', 'no'].includes(raw)) return false;
  throw new Error(`${key} must be 1/true/on or 0/false/off, got ${JSON.stringify(raw)}`);
}

function configFromEnv(env: NodeJS.ProcessEnv): FanoutConfig {
  const quick = flag(env, 'BENCH_QUICK', false);
  const list = env.BENCH_SUBSCRIBERS || (quick ? '100' : '1000,10000');
  const subscribers = list.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (!subscribers.length || subscribers.some((n) => !Number.isInteger(n) || n < 1 || n > 100_000)) {
    throw new Error(`BENCH_SUBSCRIBERS must be a comma list of integers from 1 to 100000, got ${JSON.stringify(list)}`);
  }
  return {
    quick, subscribers,
    events: int(env, 'BENCH_EVENTS', quick ? 5 : 20, 1, 10_000),
    gapMs: int(env, 'BENCH_EVENT_GAP_MS', 200, 0, 60_000),
    workers: int(env, 'BENCH_WORKERS', 4, 1, 64),
    concurrency: int(env, 'BENCH_CONNECT_CONCURRENCY', 50, 1, 10_000),
    settleMs: int(env, 'BENCH_SETTLE_MS', 2_000, 0, 600_000),
    pin: flag(env, 'BENCH_PIN', cpus().length >= 2),
    outDir: env.BENCH_OUT_DIR || 'var/bench',
  };
}

/** Node raises its soft open-files limit to the hard one at start, so the hard limit (`ulimit -Hn`) is what counts. */
function checkOpenFiles(cfg: FanoutConfig): string {
  const limit = openFilesLimit();
  if (!limit) return 'unknown';
  const most = Math.max(...cfg.subscribers);
  const need = most + 64;
  if (limit.soft < need) {
    throw new Error(`the open-files limit of a Node process here is ${limit.soft} (hard limit ${limit.hard}), but the server process needs ${need} ` +
      `for ${most} subscribers: lower BENCH_SUBSCRIBERS or run where \`ulimit -Hn\` is higher`);
  }
  return `${limit.soft}/${limit.hard}`;
}

interface Context {
  cfg: FanoutConfig;
  phase: Omit<PhaseConfig, 'subscribers'>;
  subgraphs: BenchChild;
  /** Temporary folder: the supergraph and the servers' memory snapshots. */
  dir: string;
  supergraphPath: string;
  template: string | null;
}

const upstreamOf = (subgraphs: BenchChild) => (): Promise<UpstreamStats> => subgraphs.request<UpstreamStats>('stats');

async function untilNoUpstream(subgraphs: BenchChild): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    if ((await upstreamOf(subgraphs)()).active === 0) return;
    await sleep(50);
  }
  throw new Error('the probe\'s upstream subscription was not released');
}

async function runOurs(ctx: Context, n: number): Promise<PhaseResult> {
  const memoryFile = join(ctx.dir, `memory-ours-${n}.jsonl`);
  const gateway = spawnBenchProcess({
    command: [process.execPath, '--import', 'tsx', ...GC_HOOK_ARGS, 'gateway/server.ts'],
    env: { FANOUT_MEMORY_FILE: memoryFile, GATEWAY_PORT: '0', GATEWAY_HOST: '127.0.0.1', SUPERGRAPH_PATH: ctx.supergraphPath, LOG_LEVEL: 'silent', GATEWAY_EXECUTOR: 'fast', GATEWAY_RESPONSE_CACHE: 'false', ...OPEN_BENCH_ENV },
    cwd: REPO_ROOT,
    core: ctx.phase.serverCore,
  });
  try {
    const [, url] = await gateway.waitForLine(/gateway ready at (\S+)/, 60_000);
    const wsUrl = (url ?? '').replace(/^http/, 'ws');
    const template = await captureNextMessage(wsUrl, () => ctx.subgraphs.request('emit', { seq: 0 }));
    ctx.template ??= template;
    await untilNoUpstream(ctx.subgraphs);
    await sleep(1_000);
    return await runPhase({ target: 'ours', kind: 'graphql-ws', pid: gateway.pid, memoryFile, url: wsUrl, emitter: ctx.subgraphs, upstream: upstreamOf(ctx.subgraphs) }, { ...ctx.phase, subscribers: n });
  } finally {
    await gateway.stop();
  }
}

async function runRaw(ctx: Context, n: number): Promise<PhaseResult> {
  if (!ctx.template) throw new Error('no gateway next message was captured for the raw baseline');
  const memoryFile = join(ctx.dir, `memory-raw-${n}.jsonl`);
  const raw = await startBenchChild(join(REPO_ROOT, 'test/bench/subscriptionFanoutRawServer.ts'), {
    core: ctx.phase.serverCore, cwd: REPO_ROOT, nodeArgs: GC_HOOK_ARGS, env: { FANOUT_TEMPLATE: ctx.template, FANOUT_MEMORY_FILE: memoryFile },
  });
  try {
    const url = await raw.request<string>('url');
    await sleep(1_000);
    return await runPhase({ target: 'raw', kind: 'raw', pid: raw.pid, memoryFile, url, emitter: raw }, { ...ctx.phase, subscribers: n });
  } finally {
    await raw.stop();
  }
}

function summaryLine(r: PhaseResult): string {
  const d = r.delivery;
  return `${r.target} x ${r.subscribers}: p50 ${d.p50Ms.toFixed(1)} ms, p99 ${d.p99Ms.toFixed(1)} ms, fan-out ${d.fanoutMs.toFixed(1)} ms, ` +
    `${r.idleKiBPerSubscriber.toFixed(1)} KiB/idle subscriber${r.ok ? '' : `, FAILED: ${r.errors.join('; ')}`}`;
}

async function main(): Promise<void> {
  const cfg = configFromEnv(process.env);
  const openFiles = checkOpenFiles(cfg);
  const serverCore = cfg.pin ? 0 : null;
  const harnessCore = cfg.pin ? 1 : null;
  // Children inherit this process's affinity; the server processes are re-pinned to core 0.
  if (cfg.pin) execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'lumina-fanout-'));
  const subgraphs = await startBenchChild(join(REPO_ROOT, 'test/bench/subscriptionFanoutSubgraphs.ts'), { core: harnessCore, cwd: REPO_ROOT });
  const results: PhaseResult[] = [];
  const ctx: Context = {
    cfg, subgraphs, dir, supergraphPath: join(dir, 'supergraph.graphql'), template: null,
    phase: { events: cfg.events, workers: cfg.workers, gapMs: cfg.gapMs, settleMs: cfg.settleMs, concurrency: cfg.concurrency, repoRoot: REPO_ROOT, serverCore, harnessCore },
  };
  try {
    const urls = await subgraphs.request<{ orders: string; people: string }>('urls');
    writeFileAtomic(ctx.supergraphPath, composeSupergraph([{ name: 'orders', url: urls.orders, sdl: ORDERS_SDL }, { name: 'people', url: urls.people, sdl: PEOPLE_SDL }]));
    for (const n of cfg.subscribers) {
      for (const [target, run] of [['ours', runOurs], ['raw', runRaw]] as const) {
        say(`${target}: ${n} subscribers, ${cfg.events} events ...`);
        const r = await run(ctx, n).catch((err: unknown) => failedPhase(target, n, cfg.events, err));
        results.push(r);
        say(summaryLine(r));
      }
    }
  } finally {
    await subgraphs.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const meta: ReportMeta = {
    date: new Date().toISOString().slice(0, 10), node: process.versions.node, cpu: cpus()[0]?.model ?? 'unknown cpu', cores: cpus().length,
    pinned: cfg.pin, quick: cfg.quick, eventGapMs: cfg.gapMs, openFilesLimit: openFiles, payloadBytes: Buffer.byteLength(ctx.template ?? ''),
  };
  const markdown = renderMarkdown(meta, results);
  const out = resolve(REPO_ROOT, cfg.outDir);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'subscription-fanout.json'), `${JSON.stringify({ meta, config: cfg, results }, null, 2)}\n`);
  writeFileSync(join(out, 'subscription-fanout.md'), markdown);
  process.stdout.write(markdown);
  if (results.some((r) => !r.ok)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
