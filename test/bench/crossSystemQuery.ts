/**
 * Enterprise-query benchmark (`npm run bench:cross-system`): the cross-system query (sales orders ->
 * soldTo contact -> that contact's messages) through the gateway against the sandboxes with an added
 * upstream latency. Not a test: it prints and writes numbers for the README and issue notes.
 *
 *   npm run bench:cross-system            # 20 ms sandbox latency, page sizes 10 50 100
 *   SANDBOX_LATENCY_MS=0 BENCH_REPEATS=50 npm run bench:cross-system
 *
 * For each page size, two freshly started stacks:
 * - caches off: the first query (cold: no token, no connection yet) and BENCH_REPEATS repeats;
 * - caches on (subgraph entity caches + gateway response cache): the first query, repeats (answered
 *   by the response cache: zero upstream requests), then one sales order of the page invalidated
 *   (`POST /internal/invalidate`) and the query again: only the affected entries are refetched.
 * Each line gives p50/p99 latency and upstream requests per query by system. Results go to
 * var/bench/enterprise-query.json and .md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, type Stack } from '../e2e/federatedGraph/startStack';

const QUERY = `query Orders($first: Int!) {
  salesOrders(first: $first) {
    nodes { id totalNetAmount { amount currency } items { material quantity }
      soldTo { name email messages(first: 2) { nodes { body { content } } } } }
  }
}`;
const TOKEN = 'bench-internal-token';

interface Row {
  first: number;
  caches: 'off' | 'on';
  phase: string;
  queries: number;
  p50Ms: number;
  p99Ms: number;
  upstreamPerQuery: Record<string, number>;
}

/** HTTP requests per system (the Graph sandbox also counts each request inside a `$batch` as `$batch <route>`: not added). */
function upstream(stack: Stack): Record<string, number> {
  const c = stack.counts();
  const sum = (o: Record<string, number>) => Object.entries(o).filter(([name]) => !name.startsWith('$batch ')).reduce((a, [, b]) => a + b, 0);
  return { salesforce: sum(c.salesforce), sap: sum(c.sap), teams: sum(c.teams) };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function measure(stack: Stack, first: number, n: number): Promise<{ times: number[]; ids: string[] }> {
  const times: number[] = [];
  let ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const t0 = performance.now();
    const res = await stack.query<{ salesOrders: { nodes: { id: string }[] } }>(QUERY, { first });
    times.push(performance.now() - t0);
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    ids = res.data?.salesOrders.nodes.map((o) => o.id) ?? [];
  }
  return { times: times.sort((a, b) => a - b), ids };
}

async function phase(rows: Row[], stack: Stack, base: Omit<Row, 'phase' | 'queries' | 'p50Ms' | 'p99Ms' | 'upstreamPerQuery'>, name: string, n: number): Promise<string[]> {
  stack.resetCounters();
  const { times, ids } = await measure(stack, base.first, n);
  const up = upstream(stack);
  const perQuery = Object.fromEntries(Object.entries(up).map(([k, v]) => [k, Number((v / n).toFixed(2))]));
  rows.push({ ...base, phase: name, queries: n, p50Ms: Number(pct(times, 50).toFixed(1)), p99Ms: Number(pct(times, 99).toFixed(1)), upstreamPerQuery: perQuery });
  return ids;
}

async function run(first: number, caches: boolean, repeats: number, latencyMs: number, rows: Row[]): Promise<void> {
  const stack = await startStack({ caches, gateway: { internalToken: TOKEN } });
  try {
    for (const s of Object.values(stack.sandboxes)) s.faults.set({ latencyMs });
    const base = { first, caches: caches ? 'on' as const : 'off' as const };
    const ids = await phase(rows, stack, base, 'cold (first query)', 1);
    await phase(rows, stack, base, 'warm (repeats)', repeats);
    if (!caches) return;
    const res = await stack.gateway.invalidate({ tags: [`SalesOrder:${ids[0]}`] });
    if (res.evicted < 1) throw new Error('the invalidation evicted nothing');
    await phase(rows, stack, base, `after invalidating SalesOrder:${ids[0]}`, 1);
    await phase(rows, stack, base, 'warm again', repeats);
  } finally {
    await stack.close();
  }
}

function markdown(rows: Row[], latencyMs: number): string {
  const lines = [
    `Enterprise query (sales orders -> soldTo -> messages), sandbox latency ${latencyMs} ms per upstream request.`,
    '',
    '| page | caches | phase | queries | p50 ms | p99 ms | upstream requests per query (SF / SAP / Graph) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const u = r.upstreamPerQuery;
    lines.push(`| ${r.first} | ${r.caches} | ${r.phase} | ${r.queries} | ${r.p50Ms} | ${r.p99Ms} | ${u.salesforce} / ${u.sap} / ${u.teams} |`);
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const latencyMs = Number(process.env.SANDBOX_LATENCY_MS ?? 20);
  const repeats = Number(process.env.BENCH_REPEATS ?? 20);
  const sizes = (process.env.BENCH_PAGE_SIZES ?? '10,50,100').split(',').map(Number);
  const rows: Row[] = [];
  for (const first of sizes) {
    await run(first, false, repeats, latencyMs, rows);
    await run(first, true, repeats, latencyMs, rows);
  }
  const md = markdown(rows, latencyMs);
  const dir = process.env.BENCH_OUT_DIR ?? 'var/bench';
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'enterprise-query.json'), `${JSON.stringify({ latencyMs, repeats, rows }, null, 2)}\n`);
  writeFileSync(join(dir, 'enterprise-query.md'), md);
  process.stdout.write(md);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
