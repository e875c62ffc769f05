/**
 * One measured round of one gateway: start its process pinned to the gateway core, check its
 * answer (and count the subgraph fetches of one operation on an idle system), warm up, check the
 * answer again, measure a fixed window under load, check the answer a third time, read its peak
 * memory, stop it. A wrong answer, a non-2xx or a socket error fails the round.
 */
import { createServer } from 'node:net';
import { canonicalJson, TEST_QUERY_BODY } from './benchReference';
import { spawnBenchProcess } from './benchProcess';
import { gatewayVariant, type GatewayVariant } from './benchGateways';
import { runLoad, type Autocannon, type LoadResult } from './loadGenerator';
import { coreBusy, coreTimes, cpuSeconds, peakRssBytes, treeMaps } from './procStats';
import type { BenchSubgraphName } from './benchSubgraphSchemas';

export interface BenchContext {
  repoRoot: string;
  supergraphPath: string;
  /** The expected `canonicalJson` of the response. */
  expected: string;
  subgraphUrls: Record<BenchSubgraphName, string>;
  /** The subgraph host's pid (its CPU counts as harness CPU). */
  subgraphPid: number;
  autocannon: Autocannon;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  gatewayCore: number | null;
  readyTimeoutMs: number;
}

export interface RoundResult {
  variant: string;
  round: number;
  ok: boolean;
  /** Why the round failed (wrong body, start failure, HTTP errors). */
  error?: string;
  load?: LoadResult;
  /** Subgraph requests during the measured window per completed operation. */
  subgraphRequestsPerOp?: number;
  subgraphRequestsPerOpBySubgraph?: Partial<Record<BenchSubgraphName, number>>;
  /** Subgraph requests of one operation with nothing else in flight (the plan's fetch count). */
  subgraphRequestsIdle?: number;
  peakRssBytes?: number;
  /** Gateway CPU seconds per wall second during the window (1 = one core saturated). */
  gatewayCpu?: number;
  /** Subgraph host + load generator CPU seconds per wall second (near 1: the harness is the limit). */
  harnessCpu?: number;
  /** Busy share of each core during the window. */
  coreBusy?: number[];
  startupMs?: number;
}

type Counts = Partial<Record<BenchSubgraphName, number>>;

async function subgraphCounts(urls: Record<BenchSubgraphName, string>): Promise<Counts> {
  const out: Counts = {};
  for (const [name, url] of Object.entries(urls) as Array<[BenchSubgraphName, string]>) {
    const res = await fetch(url.replace(/\/graphql$/, '/stats'));
    out[name] = ((await res.json()) as { requests: number }).requests;
  }
  return out;
}

function delta(before: Counts, after: Counts): Counts {
  const out: Counts = {};
  for (const k of Object.keys(after) as BenchSubgraphName[]) out[k] = (after[k] ?? 0) - (before[k] ?? 0);
  return out;
}

const total = (c: Counts): number => Object.values(c).reduce((a, b) => a + (b ?? 0), 0);

/** Subgraph counts once they stopped moving (two equal readings 150 ms apart, at most 5 s). */
async function settledCounts(urls: Record<BenchSubgraphName, string>): Promise<Counts> {
  let last = await subgraphCounts(urls);
  for (let i = 0; i < 33; i += 1) {
    await new Promise((r) => setTimeout(r, 150));
    const next = await subgraphCounts(urls);
    if (total(next) === total(last)) return next;
    last = next;
  }
  return last;
}

function harnessCpuSeconds(ctx: BenchContext): number {
  const self = process.cpuUsage();
  return cpuSeconds(ctx.subgraphPid) + (self.user + self.system) / 1e6;
}

/** Null when the gateway answers the expected body, else what is wrong. */
async function checkAnswer(url: string, expected: string): Promise<string | null> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: TEST_QUERY_BODY });
  } catch (err) {
    return `request failed: ${String(err)}`;
  }
  const text = await res.text();
  if (res.status !== 200) return `HTTP ${res.status}: ${text.slice(0, 300)}`;
  let got: string;
  try {
    got = canonicalJson(JSON.parse(text));
  } catch {
    return `not JSON: ${text.slice(0, 300)}`;
  }
  if (got === expected) return null;
  return `wrong body (${got.length} canonical bytes, expected ${expected.length}): ${got.slice(0, 300)}`;
}

async function waitReady(url: string, exited: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited()) throw new Error('gateway process exited during start');
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: TEST_QUERY_BODY });
      await res.arrayBuffer();
      // Any answer but "starting" means it listens; checkAnswer then judges the answer.
      if (res.status !== 503) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`gateway not ready within ${timeoutMs} ms`);
}

async function measureWindow(ctx: BenchContext, url: string, pid: number, base: RoundResult): Promise<RoundResult> {
  await runLoad(ctx.autocannon, { url, body: TEST_QUERY_BODY, connections: ctx.connections, durationSeconds: ctx.warmupSeconds });
  const before = await checkAnswer(url, ctx.expected);
  if (before) return { ...base, ok: false, error: `before the window: ${before}` };
  // The warm-up's abandoned operations may still be fetching; start counting once they are done.
  const counts0 = await settledCounts(ctx.subgraphUrls);
  const [cores0, cpu0, harness0, t0] = [coreTimes(), cpuSeconds(pid), harnessCpuSeconds(ctx), performance.now()];
  const load = await runLoad(ctx.autocannon, { url, body: TEST_QUERY_BODY, connections: ctx.connections, durationSeconds: ctx.durationSeconds });
  const [cpu1, cores1, harness1, t1] = [cpuSeconds(pid), coreTimes(), harnessCpuSeconds(ctx), performance.now()];
  // Operations still in flight when the window closed finish their fetches; count them once
  // quiet and divide by the operations sent, so the boundary does not skew the ratio.
  const window = delta(counts0, await settledCounts(ctx.subgraphUrls));
  const ops = Math.max(load.sent, load.requests);
  const perOp: Counts = {};
  for (const [k, v] of Object.entries(window) as Array<[BenchSubgraphName, number]>) perOp[k] = ops > 0 ? v / ops : 0;
  const result: RoundResult = {
    ...base, ok: true, load,
    subgraphRequestsPerOp: ops > 0 ? total(window) / ops : 0,
    subgraphRequestsPerOpBySubgraph: perOp,
    gatewayCpu: (cpu1 - cpu0) / ((t1 - t0) / 1000),
    harnessCpu: (harness1 - harness0) / ((t1 - t0) / 1000),
    coreBusy: coreBusy(cores0, cores1),
    peakRssBytes: peakRssBytes(pid),
  };
  const after = await checkAnswer(url, ctx.expected);
  if (after) return { ...result, ok: false, error: `after the window: ${after}` };
  if (load.non2xx > 0 || load.errors > 0 || load.timeouts > 0) {
    return { ...result, ok: false, error: `${load.non2xx} non-2xx, ${load.errors} errors, ${load.timeouts} timeouts under load` };
  }
  return result;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

export async function measureGateway(ctx: BenchContext, variantId: string, round: number): Promise<RoundResult> {
  const port = await freePort();
  const variant: GatewayVariant = gatewayVariant(variantId, { repoRoot: ctx.repoRoot, supergraphPath: ctx.supergraphPath, port });
  const url = `http://127.0.0.1:${port}/graphql`;
  const base: RoundResult = { variant: variant.id, round, ok: false };
  const proc = spawnBenchProcess({ command: variant.command, env: variant.env, cwd: ctx.repoRoot, core: ctx.gatewayCore });
  try {
    const t0 = performance.now();
    await waitReady(url, proc.exited, ctx.readyTimeoutMs);
    const startupMs = performance.now() - t0;
    const c0 = await subgraphCounts(ctx.subgraphUrls);
    const first = await checkAnswer(url, ctx.expected);
    const idle = total(delta(c0, await subgraphCounts(ctx.subgraphUrls)));
    if (first) return { ...base, startupMs, subgraphRequestsIdle: idle, error: `idle: ${first}` };
    if (variant.mustMap && !treeMaps(proc.pid, variant.mustMap)) {
      return { ...base, startupMs, subgraphRequestsIdle: idle, error: `${variant.mustMap} is not loaded: the configured runtime is not in use` };
    }
    return await measureWindow(ctx, url, proc.pid, { ...base, startupMs, subgraphRequestsIdle: idle });
  } catch (err) {
    const tail = proc.output().trim().split('\n').slice(-15).join('\n');
    return { ...base, error: `${err instanceof Error ? err.message : String(err)}${tail ? `\n${tail}` : ''}` };
  } finally {
    await proc.stop();
  }
}
