/**
 * One measured run of the fan-out benchmark: N subscribers of one server (our gateway, or the raw
 * `ws` broadcast server), spread over worker processes.
 *
 * 1. Server memory after a full GC before any subscriber (`base`).
 * 2. Workers connect every subscriber (graphql-ws: acknowledged and subscribe sent; raw: open), then
 *    the server settles for `settleMs` and its memory after a full GC is read again (`idle`).
 * 3. Warm-up events (seq 0, -1, ...) until every subscriber got one; one round means every
 *    subscription was in place before the idle reading.
 * 4. K measured events, `gapMs` apart on an absolute schedule, then wait until every subscriber has
 *    all K (or time out); server CPU and core busy time are read around this window.
 * 5. Each worker reports its latencies ([subscriber][event]) and every check that failed.
 */
import { join } from 'node:path';
import { coreBusy, coreTimes } from './procStats';
import { clockOffset, startBenchChild, type BenchChild } from './subscriptionFanoutIpc';
import { deliveryStats, type DeliveryStats, type FanoutTarget, type PhaseResult } from './subscriptionFanoutReport';
import { cpuSecondsPrecise, memoryAfterGc, type MemorySnapshot } from './subscriptionFanoutProc';
import type { SubscriberKind } from './subscriptionFanoutWorker';

export interface UpstreamStats {
  subscribes: number;
  active: number;
  peopleRequests: number;
}

export interface FanoutServer {
  target: FanoutTarget;
  kind: SubscriberKind;
  /** The server process whose memory and CPU are read; it runs the GC hook (`GC_HOOK_ARGS`). */
  pid: number;
  /** The hook's FANOUT_MEMORY_FILE. */
  memoryFile: string;
  /** Where subscribers connect. */
  url: string;
  /** The process that publishes events (`emit { seq }`) and stamps `emittedAt`. */
  emitter: BenchChild;
  /** Counters of the subgraphs (ours only). */
  upstream?: () => Promise<UpstreamStats>;
}

export interface PhaseConfig {
  subscribers: number;
  events: number;
  workers: number;
  gapMs: number;
  settleMs: number;
  /** Connections each worker opens at a time. */
  concurrency: number;
  repoRoot: string;
  serverCore: number | null;
  harnessCore: number | null;
}

interface WorkerReport {
  latencies: Float64Array;
  errorCount: number;
  errors: string[];
  received: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const MIB = 1_048_576;

/** Resident set and JS heap + external (MiB) right after a full GC. */
async function memory(server: FanoutServer): Promise<{ rss: number; heap: number; gc: boolean }> {
  const m: MemorySnapshot = await memoryAfterGc(server.pid, server.memoryFile);
  return { rss: m.rss / MIB, heap: (m.heapUsed + m.external) / MIB, gc: m.gc };
}

function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

async function warmUp(server: FanoutServer, workers: BenchChild[], n: number, errors: string[]): Promise<number> {
  for (let round = 1; round <= 30; round += 1) {
    await server.emitter.request('emit', { seq: 1 - round });
    const warmed = await Promise.all(workers.map((w) => w.request<number>('waitWarm', { timeoutMs: 1_000 })));
    if (warmed.reduce((a, b) => a + b, 0) >= n) return round;
  }
  errors.push('not every subscriber received a warm-up event within 30 rounds');
  return 30;
}

/** Emits the K measured events on schedule; resolves with the wall time until the last delivery. */
async function measuredEvents(server: FanoutServer, workers: BenchChild[], cfg: PhaseConfig): Promise<number> {
  const t0 = performance.now();
  for (let k = 1; k <= cfg.events; k += 1) {
    const wait = t0 + (k - 1) * cfg.gapMs - performance.now();
    if (wait > 0) await sleep(wait);
    await server.emitter.request('emit', { seq: k });
  }
  const timeoutMs = 30_000 + cfg.subscribers * 2;
  await Promise.all(workers.map((w) => w.request<number>('waitDone', { timeoutMs }, timeoutMs + 10_000)));
  return (performance.now() - t0) / 1000;
}

/** Busy share of the server and harness cores over one second with nothing of ours running. */
async function backgroundBusy(cfg: PhaseConfig): Promise<{ server: number; harness: number }> {
  const before = coreTimes();
  await sleep(1_000);
  const busy = coreBusy(before, coreTimes());
  return { server: cfg.serverCore === null ? NaN : busy[cfg.serverCore] ?? NaN, harness: cfg.harnessCore === null ? NaN : busy[cfg.harnessCore] ?? NaN };
}

async function clockSkew(children: BenchChild[]): Promise<number> {
  const offsets: number[] = [];
  for (const c of children) offsets.push((await clockOffset(c)).offsetMs);
  return Math.max(...offsets) - Math.min(...offsets);
}

interface ConnectResult {
  connected: number;
  failed: number;
  firstError: string | null;
  ms: number;
}

/** Connects every subscriber; resolves with the slowest worker's time. */
async function connectAll(server: FanoutServer, workers: BenchChild[], counts: number[], cfg: PhaseConfig, errors: string[]): Promise<number> {
  const connects = await Promise.all(workers.map((w, i) => w.request<ConnectResult>(
    'connect', { kind: server.kind, url: server.url, count: counts[i], events: cfg.events, concurrency: cfg.concurrency }, 600_000)));
  const failed = connects.reduce((a, c) => a + c.failed, 0);
  if (failed) errors.push(`${failed} subscribers failed to connect, e.g. ${connects.find((c) => c.firstError)?.firstError ?? '?'}`);
  return Math.max(...connects.map((c) => c.ms));
}

interface Window {
  serverCpuSeconds: number;
  serverCpu: number;
  subscriberCpu: number;
  serverCoreBusy: number;
  harnessCoreBusy: number;
  /** People-subgraph requests during the window. */
  entityFetches: number | null;
}

/** The measured events with CPU and core readings around them. */
async function measureWindow(server: FanoutServer, workers: BenchChild[], cfg: PhaseConfig): Promise<Window> {
  const workersCpu = (): number => workers.reduce((a, w) => a + cpuSecondsPrecise(w.pid), 0);
  const startStats = await server.upstream?.();
  const cpu0 = cpuSecondsPrecise(server.pid);
  const subscriberCpu0 = workersCpu();
  const cores0 = coreTimes();
  const wallSeconds = await measuredEvents(server, workers, cfg);
  const busy = coreBusy(cores0, coreTimes());
  const serverCpuSeconds = cpuSecondsPrecise(server.pid) - cpu0;
  const subscriberCpu = (workersCpu() - subscriberCpu0) / wallSeconds;
  const endStats = await server.upstream?.();
  return {
    serverCpuSeconds, serverCpu: serverCpuSeconds / wallSeconds, subscriberCpu,
    serverCoreBusy: cfg.serverCore === null ? NaN : busy[cfg.serverCore] ?? NaN,
    harnessCoreBusy: cfg.harnessCore === null ? NaN : busy[cfg.harnessCore] ?? NaN,
    entityFetches: startStats && endStats ? endStats.peopleRequests - startStats.peopleRequests : null,
  };
}

/** Every worker's latencies and failed checks, as delivery statistics. */
async function collect(workers: BenchChild[], cfg: PhaseConfig, errors: string[]): Promise<DeliveryStats> {
  await sleep(300); // late duplicates would show up as failed checks
  const reports = await Promise.all(workers.map((w) => w.request<WorkerReport>('report')));
  for (const r of reports) errors.push(...r.errors);
  const errorCount = reports.reduce((a, r) => a + r.errorCount, 0);
  if (errorCount > errors.length) errors.push(`${errorCount} failed checks in total`);
  const delivery = deliveryStats(reports.map((r) => r.latencies), cfg.events);
  if (delivery.deliveries !== delivery.expected) errors.push(`${delivery.expected - delivery.deliveries} of ${delivery.expected} deliveries missing`);
  return delivery;
}

export async function runPhase(server: FanoutServer, cfg: PhaseConfig): Promise<PhaseResult> {
  const errors: string[] = [];
  const counts = split(cfg.subscribers, Math.max(1, Math.min(cfg.workers, Math.ceil(cfg.subscribers / 250))));
  const workerFile = join(cfg.repoRoot, 'test/bench/subscriptionFanoutWorker.ts');
  const base = await memory(server);
  const before = await server.upstream?.();
  const background = await backgroundBusy(cfg);
  const workers = await Promise.all(counts.map(() => startBenchChild(workerFile, { core: cfg.harnessCore, cwd: cfg.repoRoot })));
  try {
    const clockSkewMs = await clockSkew([server.emitter, ...workers]);
    const connectMs = await connectAll(server, workers, counts, cfg, errors);
    await sleep(cfg.settleMs);
    const idle = await memory(server);
    const idleStats = await server.upstream?.();
    const warmupRounds = await warmUp(server, workers, cfg.subscribers, errors);
    await sleep(cfg.gapMs);
    const w = await measureWindow(server, workers, cfg);
    const delivery = await collect(workers, cfg, errors);
    const after = await server.upstream?.();
    const upstreamSubscriptions = before && after ? after.subscribes - before.subscribes : null;
    if (upstreamSubscriptions !== null && upstreamSubscriptions !== 1) errors.push(`the subgraph saw ${upstreamSubscriptions} upstream subscriptions, expected 1`);
    return {
      target: server.target, subscribers: cfg.subscribers, events: cfg.events, ok: errors.length === 0, errors, workers: workers.length,
      connectMs, warmupRounds, delivery,
      memoryMiB: { base, idle, after: await memory(server) },
      idleKiBPerSubscriber: ((idle.rss - base.rss) * 1024) / cfg.subscribers,
      idleHeapKiBPerSubscriber: ((idle.heap - base.heap) * 1024) / cfg.subscribers,
      serverCpu: w.serverCpu,
      serverCpuUsPerDelivery: (w.serverCpuSeconds * 1e6) / Math.max(1, delivery.deliveries),
      subscriberCpu: w.subscriberCpu,
      backgroundBusy: background, serverCoreBusy: w.serverCoreBusy, harnessCoreBusy: w.harnessCoreBusy,
      upstreamSubscriptions, upstreamActiveIdle: idleStats?.active ?? null,
      entityFetchesPerEvent: w.entityFetches === null ? null : w.entityFetches / cfg.events,
      clockSkewMs,
    };
  } finally {
    await Promise.all(workers.map((wk) => wk.request('close', {}, 15_000).catch(() => undefined)));
    await Promise.all(workers.map((wk) => wk.stop()));
  }
}
