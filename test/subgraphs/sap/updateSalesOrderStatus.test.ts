/**
 * `Mutation.updateSalesOrderStatus` against the sandbox: CSRF token and session cookie, ETag
 * preconditions, error codes, input validation before anything is sent.
 */
import type { Rec } from '../../../subgraphs/sap/sandbox/edmModel';
import { startSapHarness, type SapHarness } from './sapHarness';

let h: SapHarness;

const UPDATE = `mutation($id: ID!, $status: SalesOrderStatus!, $expectedVersion: String) {
  updateSalesOrderStatus(id: $id, status: $status, expectedVersion: $expectedVersion) { id status version items { id } }
}`;
const READ = 'query($id: ID!) { salesOrder(id: $id) { id status version } }';

const stored = (id: string): Rec => h.sandbox.store.get('A_SalesOrder', id) as Rec;

beforeAll(async () => {
  h = await startSapHarness();
});
afterAll(() => h.close());
beforeEach(() => h.resetCounts());

describe('updateSalesOrderStatus', () => {
  it('updates with the given version, returns the new state, and fetches the CSRF token once for several writes', async () => {
    const before = (await h.gql(READ, { id: '12' })).data.salesOrder;
    const target = before.status === 'COMPLETED' ? 'OPEN' : 'COMPLETED';
    h.resetCounts();
    const first = await h.gql(UPDATE, { id: '12', status: target, expectedVersion: before.version });
    expect(first.errors).toBeUndefined();
    expect(first.data.updateSalesOrderStatus).toMatchObject({ id: '12', status: target });
    expect(first.data.updateSalesOrderStatus.version).not.toBe(before.version);
    expect(first.data.updateSalesOrderStatus.items.length).toBeGreaterThan(0);
    expect(stored('12').OverallSDProcessStatus).toBe(target === 'OPEN' ? 'A' : 'C');
    expect(h.counts()).toEqual({
      'HEAD API_SALES_ORDER_SRV/*': 1, 'PATCH API_SALES_ORDER_SRV/A_SalesOrder(key)': 1, 'GET API_SALES_ORDER_SRV/A_SalesOrder': 1,
    });

    const second = await h.gql(UPDATE, { id: '13', status: 'IN_PROCESS' });
    expect(second.errors).toBeUndefined();
    expect(second.data.updateSalesOrderStatus.status).toBe('IN_PROCESS');
    expect(stored('13').OverallSDProcessStatus).toBe('B');
    // Without expectedVersion the order is read first for its ETag; the token is reused.
    expect(h.counts()).toEqual({
      'HEAD API_SALES_ORDER_SRV/*': 1, 'PATCH API_SALES_ORDER_SRV/A_SalesOrder(key)': 2, 'GET API_SALES_ORDER_SRV/A_SalesOrder': 3,
    });
  });

  it('answers a stale expectedVersion with CONFLICT (not retryable) and leaves the order unchanged', async () => {
    const before = (await h.gql(READ, { id: '20' })).data.salesOrder;
    await h.gql(UPDATE, { id: '20', status: before.status === 'OPEN' ? 'IN_PROCESS' : 'OPEN' });
    const snapshot = { ...stored('20') };
    h.resetCounts();
    const res = await h.gql(UPDATE, { id: '20', status: 'COMPLETED', expectedVersion: before.version });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions).toEqual({ code: 'CONFLICT', system: 'sap', retryable: false });
    expect(res.errors?.[0]?.message).not.toMatch(/IWBEP|If-Match|resource \(entity\)/);
    expect(stored('20')).toEqual(snapshot);
    expect(h.counts()).toEqual({ 'PATCH API_SALES_ORDER_SRV/A_SalesOrder(key)': 1 });
  });

  it('answers an unknown order with NOT_FOUND, with or without expectedVersion', async () => {
    const read = await h.gql(UPDATE, { id: '8888888', status: 'OPEN' });
    expect(read.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', system: 'sap' });
    expect(h.counts()).toEqual({ 'GET API_SALES_ORDER_SRV/A_SalesOrder': 1 });
    h.resetCounts();
    const write = await h.gql(UPDATE, { id: '8888888', status: 'OPEN', expectedVersion: 'W/"datetimeoffset\'2024-01-15T10%3A00%3A00.0000000Z\'"' });
    expect(write.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', system: 'sap', retryable: false });
    expect(h.counts()).toEqual({ 'PATCH API_SALES_ORDER_SRV/A_SalesOrder(key)': 1 });
  });

  it('refuses invalid input with BAD_USER_INPUT and sends nothing upstream', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ id: 'abc', status: 'OPEN' }, 'id'],
      [{ id: '12345678901', status: 'OPEN' }, 'id'],
      [{ id: "1') or ('1", status: 'OPEN' }, 'id'],
      [{ id: '12', status: 'OPEN', expectedVersion: 'not-an-etag' }, 'expectedVersion'],
      [{ id: '12', status: 'OPEN', expectedVersion: 'W/"x"\r\nX-Injected: 1' }, 'expectedVersion'],
      [{ id: '12', status: 'OPEN', expectedVersion: '*' }, 'expectedVersion'],
    ];
    for (const [vars, field] of cases) {
      const res = await h.gql(UPDATE, vars);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', system: 'sap', field });
    }
    const badEnum = await h.gql(UPDATE, { id: '12', status: 'DONE' });
    expect(badEnum.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(h.counts()).toEqual({});
  });

  it('fetches a new CSRF token and retries once when SAP no longer accepts the old one', async () => {
    await fetch(`${h.sandbox.url}/__admin/tokens/expire`, { method: 'POST' });
    const res = await h.gql(UPDATE, { id: '30', status: 'COMPLETED' });
    expect(res.errors).toBeUndefined();
    expect(res.data.updateSalesOrderStatus.status).toBe('COMPLETED');
    expect(stored('30').OverallSDProcessStatus).toBe('C');
    expect(h.counts()).toEqual({
      'HEAD API_SALES_ORDER_SRV/*': 1, 'PATCH API_SALES_ORDER_SRV/A_SalesOrder(key)': 2, 'GET API_SALES_ORDER_SRV/A_SalesOrder': 2,
    });
  });
});

describe('updateSalesOrderStatus with SAP_UPDATE_METHOD=MERGE', () => {
  let merge: SapHarness;
  beforeAll(async () => {
    merge = await startSapHarness({ SAP_UPDATE_METHOD: 'MERGE' });
  });
  afterAll(() => merge.close());

  it('sends the partial update as MERGE with If-Match', async () => {
    const res = await merge.gql(UPDATE, { id: '5', status: 'IN_PROCESS' });
    expect(res.errors).toBeUndefined();
    expect(merge.sandbox.store.get('A_SalesOrder', '5')?.OverallSDProcessStatus).toBe('B');
    expect(merge.counts()['MERGE API_SALES_ORDER_SRV/A_SalesOrder(key)']).toBe(1);
  });
});
