/**
 * `Query.salesOrdersExport` against the real sandbox with 20,000 orders: page by page through SAP's
 * server-driven paging (`__next` / `$skiptoken`), one upstream GET per page, every order exactly
 * once, heap flat while paging; cursors validated.
 */
import type { IncomingMessage } from 'node:http';
import { encodeCursor } from '../../../subgraphs/kit/relayConnection';
import { startSapHarness, SIZE, type SapHarness } from './sapHarness';

const ORDERS = 20_000;
const PAGE = 1000;
const EXPORT = `query($after: String) {
  salesOrdersExport(after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { id status version } }
}`;

let h: SapHarness;

beforeAll(async () => {
  h = await startSapHarness({}, { size: { ...SIZE, orders: ORDERS }, pageSize: PAGE });
});
afterAll(() => h.close());

describe('salesOrdersExport', () => {
  it('pages through 20,000 orders with $skiptoken, one GET per page, every order once, with a flat heap', async () => {
    const targets: string[] = [];
    const listener = (req: IncomingMessage): void => { targets.push(decodeURIComponent(req.url ?? '')); };
    h.sandbox.server.on('request', listener);
    h.resetCounts();
    const seen = new Set<string>();
    let after: string | null = null;
    let pages = 0;
    let baseline = 0;
    let peak = 0;
    try {
      do {
        const res = await h.gql(EXPORT, { after });
        expect(res.errors).toBeUndefined();
        const page = res.data.salesOrdersExport as { totalCount: number; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null }; nodes: Array<{ id: string }> };
        expect(page.totalCount).toBe(ORDERS);
        expect(page.pageInfo.hasPreviousPage).toBe(pages > 0);
        expect(page.nodes.length).toBe(PAGE);
        for (const n of page.nodes) seen.add(n.id);
        expect(page.pageInfo.hasNextPage).toBe(page.pageInfo.endCursor !== null);
        after = page.pageInfo.endCursor;
        pages += 1;
        const heap = process.memoryUsage().heapUsed;
        if (pages === 2) baseline = heap;
        peak = Math.max(peak, heap);
      } while (after !== null && pages < 50);
    } finally {
      h.sandbox.server.off('request', listener);
    }
    expect(pages).toBe(ORDERS / PAGE);
    expect(seen.size).toBe(ORDERS);
    expect(h.counts()).toEqual({ 'GET API_SALES_ORDER_SRV/A_SalesOrder': ORDERS / PAGE });
    expect(targets.filter((t) => t.includes('$skiptoken=')).length).toBe(ORDERS / PAGE - 1);
    // Each page's orders are released before the next: growth after page 2 stays far below the
    // ~20 pages' worth that accumulating them would cost. Generous bound; the figure is reported.
    const growthMb = (peak - baseline) / 2 ** 20;
    process.stdout.write(`salesOrdersExport: ${pages} pages, heapUsed after page 2 ${(baseline / 2 ** 20).toFixed(1)} MB, peak growth ${growthMb.toFixed(1)} MB\n`);
    expect(growthMb).toBeLessThan(150);
  });

  it('expands items only when they are selected', async () => {
    const targets: string[] = [];
    const listener = (req: IncomingMessage): void => { targets.push(decodeURIComponent(req.url ?? '')); };
    h.sandbox.server.on('request', listener);
    try {
      const res = await h.gql('{ salesOrdersExport { nodes { ...O } } } fragment O on SalesOrder { id items { id } }');
      expect(res.errors).toBeUndefined();
      expect(res.data.salesOrdersExport.nodes[0].items.length).toBeGreaterThan(0);
    } finally {
      h.sandbox.server.off('request', listener);
    }
    expect(targets).toHaveLength(1);
    expect(targets[0]).toContain('$expand=to_Item');
  });

  it('refuses cursors that are not export cursors or carry an unusable skip token, sending nothing', async () => {
    h.resetCounts();
    for (const after of ['bm90LWEtY3Vyc29y', encodeCursor('sap-orders', '5'), encodeCursor('sap-orders-export', "5&$filter=SalesOrder eq '1'"), encodeCursor('sap-orders-export', '')]) {
      const res = await h.gql(EXPORT, { after });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    }
    expect(h.counts()).toEqual({});
  });
});
