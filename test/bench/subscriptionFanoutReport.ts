/**
 * Numbers and Markdown of the subscription fan-out benchmark: latency percentiles over every
 * delivery, per-event fan-out (emit -> last subscriber), and the ours/raw ratios per subscriber count.
 */

export type FanoutTarget = 'ours' | 'raw';

export interface DeliveryStats {
  deliveries: number;
  expected: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Median over events of (last subscriber's receive - emit). */
  fanoutMs: number;
  /** Median over events of (first subscriber's receive - emit). */
  firstMs: number;
  /** Median over events of (last - first subscriber's receive). */
  spreadMs: number;
  /** Emit -> last subscriber per event (1..K): growth means the events queued up. */
  fanoutByEventMs: number[];
}

export interface PhaseResult {
  target: FanoutTarget;
  subscribers: number;
  events: number;
  ok: boolean;
  errors: string[];
  workers: number;
  connectMs: number;
  /** Warm-up events it took until every subscriber had one (1 = all were subscribed at the first). */
  warmupRounds: number;
  delivery: DeliveryStats;
  /** Server memory after a full GC (MiB; heap = V8 heap used + external): before the subscribers, with them idle, after the events. */
  memoryMiB: Record<'base' | 'idle' | 'after', { rss: number; heap: number; gc: boolean }>;
  /** (idle - base) / subscribers, resident set and heap + external. */
  idleKiBPerSubscriber: number;
  idleHeapKiBPerSubscriber: number;
  /** Server CPU seconds per wall second from the first emit to the last delivery; cores busy (server / harness). */
  serverCpu: number;
  /** Server CPU time over the window divided by the deliveries in it (contention-proof cost of one delivery). */
  serverCpuUsPerDelivery: number;
  /** The same for the subscriber workers together (1 = one core's worth). */
  subscriberCpu: number;
  serverCoreBusy: number;
  harnessCoreBusy: number;
  /** Busy share of the server and harness cores during 1 s before the subscribers connected (other processes). */
  backgroundBusy: { server: number; harness: number };
  /** Upstream subscriptions the orders subgraph got during the phase and had open while idle (ours only). */
  upstreamSubscriptions: number | null;
  upstreamActiveIdle: number | null;
  /** People-subgraph requests per measured event (ours only). */
  entityFetchesPerEvent: number | null;
  /** Largest clock difference between the emitter and the subscriber processes (ms). */
  clockSkewMs: number;
}

export interface ReportMeta {
  date: string;
  node: string;
  cpu: string;
  cores: number;
  pinned: boolean;
  quick: boolean;
  eventGapMs: number;
  openFilesLimit: string;
  payloadBytes: number;
}

/** The result of a run that stopped with `err` before it measured anything. */
export function failedPhase(target: FanoutTarget, subscribers: number, events: number, err: unknown): PhaseResult {
  const nan = NaN;
  const noMemory = { rss: nan, heap: nan, gc: false };
  return {
    target, subscribers, events, ok: false, errors: [err instanceof Error ? err.message : String(err)], workers: 0, connectMs: nan, warmupRounds: 0,
    delivery: { deliveries: 0, expected: subscribers * events, p50Ms: nan, p99Ms: nan, maxMs: nan, fanoutMs: nan, firstMs: nan, spreadMs: nan, fanoutByEventMs: [] },
    memoryMiB: { base: noMemory, idle: noMemory, after: noMemory }, idleKiBPerSubscriber: nan, idleHeapKiBPerSubscriber: nan,
    serverCpu: nan, serverCpuUsPerDelivery: nan, subscriberCpu: nan, backgroundBusy: { server: nan, harness: nan }, serverCoreBusy: nan, harnessCoreBusy: nan,
    upstreamSubscriptions: null, upstreamActiveIdle: null, entityFetchesPerEvent: null, clockSkewMs: nan,
  };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

function median(values: number[]): number {
  return percentile(Float64Array.from(values).sort(), 50);
}

/** Statistics over per-worker latency arrays laid out [subscriber][event] (NaN = not delivered). */
export function deliveryStats(perWorker: Float64Array[], events: number): DeliveryStats {
  const all: number[] = [];
  const first = new Array<number>(events).fill(Infinity);
  const last = new Array<number>(events).fill(-Infinity);
  let expected = 0;
  for (const lat of perWorker) {
    expected += lat.length;
    for (let j = 0; j < lat.length; j += 1) {
      const v = lat[j] ?? NaN;
      if (Number.isNaN(v)) continue;
      all.push(v);
      const k = j % events;
      if (v < (first[k] ?? Infinity)) first[k] = v;
      if (v > (last[k] ?? -Infinity)) last[k] = v;
    }
  }
  const sorted = Float64Array.from(all).sort();
  const seen = [...Array(events).keys()].filter((k) => Number.isFinite(last[k]));
  return {
    deliveries: all.length,
    expected,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length ? sorted[sorted.length - 1] ?? NaN : NaN,
    fanoutMs: median(seen.map((k) => last[k] ?? NaN)),
    firstMs: median(seen.map((k) => first[k] ?? NaN)),
    spreadMs: median(seen.map((k) => (last[k] ?? NaN) - (first[k] ?? NaN))),
    fanoutByEventMs: last.map((v) => (Number.isFinite(v) ? Number(v.toFixed(2)) : NaN)),
  };
}

const f1 = (n: number | null): string => (n === null || Number.isNaN(n) ? 'n/a' : n.toFixed(1));
const f2 = (n: number | null): string => (n === null || Number.isNaN(n) ? 'n/a' : n.toFixed(2));
const pct = (n: number): string => (Number.isNaN(n) ? 'n/a' : `${(n * 100).toFixed(0)}%`);
const ratio = (a: number, b: number): string => (Number.isFinite(a / b) && b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');

function row(r: PhaseResult): string {
  const d = r.delivery;
  const label = r.target === 'ours' ? 'ours (gateway, graphql-ws)' : 'raw `ws` broadcast';
  const status = r.ok ? 'ok' : '**FAILED**';
  const upstream = r.upstreamSubscriptions === null ? '-' : `${r.upstreamSubscriptions} / ${r.upstreamActiveIdle ?? '?'}`;
  const byEvent = d.fanoutByEventMs;
  return `| ${r.subscribers} | ${label} | ${f1(d.p50Ms)} | ${f1(d.p99Ms)} | ${f1(d.fanoutMs)} (${f1(byEvent[0] ?? NaN)} → ${f1(byEvent[byEvent.length - 1] ?? NaN)}) | ` +
    `${f1(d.firstMs)} / ${f1(d.spreadMs)} | ${f1(r.idleKiBPerSubscriber)} / ${f1(r.idleHeapKiBPerSubscriber)} (${f1(r.memoryMiB.base.rss)} → ${f1(r.memoryMiB.idle.rss)}) | ` +
    `${f1(r.serverCpuUsPerDelivery)} | ${pct(r.serverCpu)} / ${pct(r.subscriberCpu)} | ` +
    `${pct(r.serverCoreBusy)} / ${pct(r.harnessCoreBusy)} (${pct(r.backgroundBusy.server)} / ${pct(r.backgroundBusy.harness)}) | ` +
    `${upstream} | ${f2(r.entityFetchesPerEvent)} | ${d.deliveries}/${d.expected} | ${status} |`;
}

function ratioRows(results: PhaseResult[]): string[] {
  const out: string[] = [];
  for (const n of [...new Set(results.map((r) => r.subscribers))]) {
    const ours = results.find((r) => r.subscribers === n && r.target === 'ours');
    const raw = results.find((r) => r.subscribers === n && r.target === 'raw');
    if (!ours || !raw) continue;
    const a = ours.delivery;
    const b = raw.delivery;
    out.push(`| ${n} | ${ratio(a.p50Ms, b.p50Ms)} | ${ratio(a.p99Ms, b.p99Ms)} | ${ratio(a.fanoutMs, b.fanoutMs)} | ${ratio(a.spreadMs, b.spreadMs)} | ` +
      `${ratio(ours.serverCpuUsPerDelivery, raw.serverCpuUsPerDelivery)} | ${ratio(ours.idleKiBPerSubscriber, raw.idleKiBPerSubscriber)} | ${ratio(ours.idleHeapKiBPerSubscriber, raw.idleHeapKiBPerSubscriber)} |`);
  }
  return out;
}

export function renderMarkdown(meta: ReportMeta, results: PhaseResult[]): string {
  const events = results[0]?.events ?? 0;
  const lines = [
    '# Subscription fan-out: one event to N graphql-ws subscribers',
    '',
    `${meta.date}, Node ${meta.node}, ${meta.cpu} (${meta.cores} cores). ${events} events per run, ${meta.eventGapMs} ms apart, ` +
      `next message ${meta.payloadBytes} bytes. ${meta.pinned ? 'Server (gateway or raw ws) pinned to core 0; subgraphs, subscriber workers and this script on core 1.' : 'No CPU pinning.'} ` +
      `Open-files limit (soft/hard) ${meta.openFilesLimit}.${meta.quick ? ' BENCH_QUICK smoke run: numbers are indicative only.' : ''}`,
    '',
    '| subscribers | server | p50 ms | p99 ms | fan-out ms (event 1 → K) | first / spread ms | idle KiB/sub: RSS / heap (RSS MiB before → idle) | server CPU µs/delivery | CPU server / subscribers | cores busy server / harness (before the run) | upstream subs total / open | entity fetches/event | deliveries | status |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(row),
    '',
    '| subscribers | p50 ours/raw | p99 ours/raw | fan-out ours/raw | spread ours/raw | server CPU per delivery ours/raw | idle RSS ours/raw | idle heap ours/raw |',
    '|---|---|---|---|---|---|---|---|',
    ...ratioRows(results),
    '',
    'Latency: receive clock in the subscriber process minus `emittedAt` stamped by the emitter (the orders subgraph for ours, ' +
      'the raw server for the baseline), `performance.timeOrigin + performance.now()` in each process; the largest measured clock offset between those processes ' +
      `was ${f2(Math.max(0, ...results.map((r) => r.clockSkewMs)))} ms. Ours includes the gateway's upstream graphql-ws hop and the entity fetch to people; the raw baseline is the pure broadcast of the same frame.`,
    'fan-out: median over events of the time until the last subscriber had the event (in brackets: the first and the last event; growth means events queued up because one fan-out took longer than the gap); ' +
      'first / spread: median time to the first subscriber, and from the first to the last.',
    'idle KiB/sub: (server memory with all subscribers connected and idle - before they connected) / subscribers, both read right after a full GC (`--expose-gc` + `subscriptionFanoutGcHook.ts`): ' +
      'RSS (VmRSS) and heap (V8 heap used + external). Kernel socket buffers are in neither.',
    'server CPU µs/delivery: the server process\'s CPU time from the first emit to the last delivery divided by the deliveries (for ours it includes the upstream event and the entity fetch, once per event); it does not depend on how long the process waited for its core.',
    'CPU: CPU seconds per wall second from the first emit to the last delivery, of the server process and of all subscriber workers together (100% = one core). ' +
      'Subscribers near 100% mean they, not the server, set the pace; a core busier than its processes explain (see the share before the run) means other processes of the machine used it.',
  ];
  const failures = results.filter((r) => !r.ok);
  if (failures.length) {
    lines.push('', '## Failures', '');
    for (const r of failures) for (const e of r.errors) lines.push(`- ${r.target} x ${r.subscribers}: ${e.split('\n')[0] ?? ''}`);
  }
  return `${lines.join('\n')}\n`;
}
