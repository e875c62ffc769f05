import { SAMPLE_EMAIL } from '../../../gateway/sampleQuery';
import { countOf, startStack, type Stack } from './startStack';

interface Page<T> { nodes: T[]; pageInfo: { hasNextPage: boolean; endCursor: string | null }; totalCount?: number }

describe('paging and mutations through the gateway', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  }, 120_000);
  afterAll(() => stack?.close());

  it("pages a contact's sales orders with cursors, without overlap, to the end", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let total = 0;
    for (let guard = 0; guard < 100; guard += 1) {
      const res: Awaited<ReturnType<Stack['query']>> = await stack.query(
        'query($e: String!, $after: String) { contactByEmail(email: $e) { salesOrders(first: 100, after: $after) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } } }',
        { e: SAMPLE_EMAIL, after });
      expect(res.errors).toBeUndefined();
      const page = (res.data as { contactByEmail: { salesOrders: Page<{ id: string }> } }).contactByEmail.salesOrders;
      total = page.totalCount ?? 0;
      seen.push(...page.nodes.map((n) => n.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(total);
    expect(seen.length).toBe(stack.sandboxes.sap.store.byValues('A_SalesOrder', 'SoldToParty', ['1000001']).length);
  });

  it('pages contacts by cursor and refuses a cursor from another list', async () => {
    const first = await stack.query<{ contacts: Page<{ id: string }> }>('{ contacts(first: 3) { nodes { id } pageInfo { hasNextPage endCursor } } }');
    const second = await stack.query<{ contacts: Page<{ id: string }> }>('query($a: String) { contacts(first: 3, after: $a) { nodes { id } } }', { a: first.data?.contacts.pageInfo.endCursor });
    const ids = [...(first.data?.contacts.nodes ?? []), ...(second.data?.contacts.nodes ?? [])].map((n) => n.id);
    expect(ids).toHaveLength(6);
    expect([...ids].sort()).toEqual(ids);
    const orders = await stack.query<{ salesOrders: Page<{ id: string }> }>('{ salesOrders(first: 1) { pageInfo { endCursor } } }');
    const wrong = await stack.query('query($a: String) { contacts(first: 3, after: $a) { nodes { id } } }', { a: orders.data?.salesOrders.pageInfo.endCursor });
    expect(wrong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', system: 'salesforce' });
  });

  it('creates, updates and deletes a contact in Salesforce', async () => {
    const email = 'ada.lovelace@analytical-engines.example.com';
    const created = await stack.query<{ createContact: { id: string; name: string; email: string; salesOrders: Page<unknown> } }>(
      'mutation($i: CreateContactInput!) { createContact(input: $i) { id name email } }',
      { i: { firstName: 'Ada', lastName: 'Lovelace', email, title: 'Analyst' } });
    expect(created.errors).toBeUndefined();
    const id = created.data?.createContact.id as string;
    expect(created.data?.createContact).toMatchObject({ name: 'Ada Lovelace', email });
    // The new contact joins the other systems by email (nothing there yet: empty, not an error).
    const joined = await stack.query<{ contact: { salesOrders: Page<unknown>; messages: Page<unknown> } }>(
      'query($id: ID!) { contact(id: $id) { salesOrders(first: 1) { totalCount nodes { id } } messages(first: 1) { nodes { id } } } }', { id });
    expect(joined.errors).toBeUndefined();
    expect(joined.data?.contact).toEqual({ salesOrders: { totalCount: 0, nodes: [] }, messages: { nodes: [] } });

    const updated = await stack.query<{ updateContact: { title: string; phone: string | null } }>(
      'mutation($id: ID!) { updateContact(id: $id, input: { title: "Chief Analyst", phone: null }) { title phone } }', { id });
    expect(updated.data?.updateContact).toEqual({ title: 'Chief Analyst', phone: null });

    const deleted = await stack.query<{ deleteContact: { id: string } }>('mutation($id: ID!) { deleteContact(id: $id) { id } }', { id });
    expect(deleted.data?.deleteContact.id).toBe(id);
    const gone = await stack.query<{ contact: unknown }>('query($id: ID!) { contact(id: $id) { id } }', { id });
    expect(gone.data?.contact).toBeNull();
    const again = await stack.query('mutation($id: ID!) { deleteContact(id: $id) { id } }', { id });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', system: 'salesforce' });
  });

  it('refuses invalid mutation input before anything reaches the system', async () => {
    stack.resetCounters();
    const bad = await stack.query('mutation { createContact(input: { lastName: " ", email: "not-an-email" }) { id } }');
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', system: 'salesforce' });
    const badStatus = await stack.query('mutation { sendMessage(channelId: "19:x@thread.tacv2", content: "   ") { id } }');
    expect(badStatus.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', system: 'teams' });
    const c = stack.counts();
    expect(countOf(c.salesforce, /^(POST|PATCH|DELETE) \/services\/data/)).toBe(0);
    expect(countOf(c.teams, /^POST .*messages/)).toBe(0);
  });

  it('updates a sales order status with its version and reports a stale version as a conflict', async () => {
    const read = await stack.query<{ salesOrder: { status: string; version: string } }>('{ salesOrder(id: "42") { status version } }');
    const version = read.data?.salesOrder.version as string;
    const target = read.data?.salesOrder.status === 'COMPLETED' ? 'IN_PROCESS' : 'COMPLETED';
    const ok = await stack.query<{ updateSalesOrderStatus: { status: string; version: string } }>(
      'mutation($v: String, $s: SalesOrderStatus!) { updateSalesOrderStatus(id: "42", status: $s, expectedVersion: $v) { status version } }', { v: version, s: target });
    expect(ok.errors).toBeUndefined();
    expect(ok.data?.updateSalesOrderStatus.status).toBe(target);
    expect(ok.data?.updateSalesOrderStatus.version).not.toBe(version);
    const stale = await stack.query('mutation($v: String) { updateSalesOrderStatus(id: "42", status: OPEN, expectedVersion: $v) { status } }', { v: version });
    expect(stale.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', system: 'sap', retryable: false });
    const after = await stack.query<{ salesOrder: { status: string } }>('{ salesOrder(id: "42") { status } }');
    expect(after.data?.salesOrder.status).toBe(target);
  });

  it('sends a Teams message that is then readable as a Message with its channel', async () => {
    const data = stack.sandboxes.teams.data();
    const team = data.teams[0]!;
    const channel = data.channelsByTeam.get(team.id)![0]!;
    const sent = await stack.query<{ sendMessage: { id: string; body: { content: string; contentType: string }; channel: { id: string; displayName: string } } }>(
      'mutation($c: ID!) { sendMessage(channelId: $c, content: "<b>Quote</b> sent", contentType: HTML) { id body { content contentType } channel { id displayName } } }', { c: channel.id });
    expect(sent.errors).toBeUndefined();
    expect(sent.data?.sendMessage.body).toEqual({ content: '<b>Quote</b> sent', contentType: 'HTML' });
    expect(sent.data?.sendMessage.channel).toEqual({ id: channel.id, displayName: channel.displayName });
    const read = await stack.query<{ message: { body: { content: string } } }>('query($id: ID!) { message(id: $id) { body { content } } }', { id: sent.data?.sendMessage.id });
    expect(read.data?.message.body.content).toBe('<b>Quote</b> sent');
    const unknown = await stack.query('mutation { sendMessage(channelId: "19:nope@thread.tacv2", content: "hi") { id } }');
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ system: 'teams' });
    expect(['NOT_FOUND', 'BAD_USER_INPUT']).toContain(unknown.errors?.[0]?.extensions?.code);
  });
});
