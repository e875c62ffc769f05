/**
 * Measures the cross-system query (sales orders -> soldTo contact -> that contact's messages)
 * through the gateway against the sandboxes with an added upstream latency, and prints upstream
 * request counts and timings per page size. Not a test: numbers for the README and issue notes.
 *
 *   npm run bench:cross-system            # 20 ms sandbox latency, page sizes 10 25 50 100
 *   SANDBOX_LATENCY_MS=0 npm run bench:cross-system
 *   TEAMS_INDEX_MAX_STALENESS_MS=1 npm run bench:cross-system   # every read refreshes the message index
 *
 * "cold" is the first query of a freshly started stack (no token, no connection, no cache yet;
 * the Teams message index is built at start and not counted). "warm" is the median of 5 repeats.
 */
import { countOf, startStack, type Stack } from '../e2e/federatedGraph/startStack';

const QUERY = `query Orders($first: Int!) {
  salesOrders(first: $first) {
    nodes { id totalNetAmount { amount currency } items { material quantity }
      soldTo { name email messages(first: 2) { nodes { body { content } } } } }
  }
}`;

function counts(stack: Stack): string {
  const c = stack.counts();
  const sapOrders = countOf(c.sap, /^GET API_SALES_ORDER_SRV\/A_SalesOrder/);
  const sapBp = countOf(c.sap, /^GET API_BUSINESS_PARTNER\//);
  const sapOther = countOf(c.sap, /./) - sapOrders - sapBp;
  const sfQuery = countOf(c.salesforce, /^GET \/services\/data\/v[^/]+\/query/);
  const sfOther = countOf(c.salesforce, /./) - sfQuery;
  const graphBatch = countOf(c.teams, /^POST \/v1\.0\/\$batch$/);
  const graphItems = countOf(c.teams, /^\$batch /);
  const graphOther = countOf(c.teams, /./) - graphBatch - graphItems;
  return `SAP orders ${sapOrders}, SAP BP ${sapBp}, SAP other ${sapOther} | SF query ${sfQuery}, SF other ${sfOther} | ` +
    `Graph $batch ${graphBatch} (${graphItems} items), Graph other ${graphOther}`;
}

async function timed(stack: Stack, first: number): Promise<number> {
  const t0 = performance.now();
  const res = await stack.query(QUERY, { first });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const latencyMs = Number(process.env.SANDBOX_LATENCY_MS ?? 20);
  const out: string[] = [`sandbox latency ${latencyMs} ms per upstream request`];
  for (const first of [10, 25, 50, 100]) {
    const staleness = process.env.TEAMS_INDEX_MAX_STALENESS_MS;
    const stack = await startStack(staleness ? { env: { TEAMS_INDEX_MAX_STALENESS_MS: staleness } } : {});
    for (const s of Object.values(stack.sandboxes)) s.faults.set({ latencyMs });
    stack.resetCounters();
    const cold = await timed(stack, first);
    const coldCounts = counts(stack);
    const warm: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      stack.resetCounters();
      warm.push(await timed(stack, first));
    }
    const warmCounts = counts(stack);
    warm.sort((a, b) => a - b);
    out.push(`first=${first}: cold ${cold.toFixed(0)} ms [${coldCounts}]`);
    out.push(`first=${first}: warm median ${warm[2]?.toFixed(0)} ms [${warmCounts}]`);
    await stack.close();
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
