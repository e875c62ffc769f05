/**
 * Subscriptions end to end: every component a real server (sandboxes with their native event
 * delivery, subgraphs with event logs, gateway with graphql-ws). A mutation through the gateway
 * changes a system; the system's own event mechanism (SAP CloudEvents webhook, Graph change
 * notification, Salesforce CDC over CometD) reaches the owning subgraph; the gateway delivers the
 * event to the subscribed client with fields resolved from the other systems.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startStack, type Stack } from '../federatedGraph/startStack';

type Next = { data?: Record<string, unknown> | null; errors?: unknown[] };

interface Probe {
  events: Next[];
  stop(): void;
}

describe('federated subscriptions through the gateway', () => {
  let stack: Stack;
  const clients: Client[] = [];

  beforeAll(async () => {
    stack = await startStack({ events: true, caches: true });
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await stack?.close();
  });

  const subscribe = async (query: string, variables: Record<string, unknown> = {}): Promise<Probe> => {
    const client = createClient({ url: stack.gatewayUrl.replace('http', 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: stack.authorization } });
    clients.push(client);
    const events: Next[] = [];
    const stop = client.subscribe({ query, variables }, { next: (v) => events.push(v as Next), error: (e) => events.push({ errors: [e] }), complete: () => undefined });
    // The subscription is live once the owning subgraph has it: give the upstream time to attach.
    await new Promise((r) => setTimeout(r, 300));
    return { events, stop };
  };
  const until = async (check: () => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 500 && !check(); i += 1) await new Promise((r) => setTimeout(r, 20));
    if (!check()) throw new Error(`timed out waiting for ${what}`);
  };

  it('delivers a sales order status change with the buyer from Salesforce and their latest Teams message', async () => {
    const probe = await subscribe(`subscription($id: ID) { salesOrderChanged(id: $id) {
      changeType order { id status soldTo { name email messages(first: 1) { nodes { body { content } } } } } } }`, { id: '42' });
    const before = await stack.query<{ salesOrder: { status: string } }>('{ salesOrder(id: "42") { status } }');
    const target = before.data?.salesOrder.status === 'COMPLETED' ? 'IN_PROCESS' : 'COMPLETED';
    const m = await stack.query('mutation($s: SalesOrderStatus!) { updateSalesOrderStatus(id: "42", status: $s) { id status } }', { s: target });
    expect(m.errors).toBeUndefined();
    await until(() => probe.events.length >= 1, 'the salesOrderChanged event');
    const event = probe.events[0]!;
    expect(event.errors).toBeUndefined();
    const changed = event.data?.salesOrderChanged as { changeType: string; order: { id: string; status: string; soldTo: { name: string; email: string; messages: { nodes: unknown[] } | null } } };
    expect(changed.changeType).toBe('UPDATED');
    expect(changed.order.id).toBe('42');
    expect(changed.order.status).toBe(target);
    expect(changed.order.soldTo.name).toEqual(expect.any(String));
    expect(changed.order.soldTo.email).toContain('@');
    expect(changed.order.soldTo.messages).not.toBeNull();
    probe.stop();
  });

  it('delivers a message posted through the gateway via a Graph change notification', async () => {
    const data = stack.sandboxes.teams.data();
    const team = data.teams[0]!;
    const channel = data.channelsByTeam.get(team.id)![0]!;
    const probe = await subscribe('subscription($c: ID) { messagePosted(channelId: $c) { changeType message { id body { content } channel { id displayName } } } }', { c: channel.id });
    const sent = await stack.query<{ sendMessage: { id: string } }>('mutation($c: ID!) { sendMessage(channelId: $c, content: "event check") { id } }', { c: channel.id });
    expect(sent.errors).toBeUndefined();
    await until(() => probe.events.length >= 1, 'the messagePosted event');
    const posted = probe.events[0]!.data?.messagePosted as { changeType: string; message: { id: string; body: { content: string }; channel: { id: string; displayName: string } } };
    expect(posted.changeType).toBe('CREATED');
    expect(posted.message).toEqual({ id: sent.data?.sendMessage.id, body: { content: 'event check' }, channel: { id: channel.id, displayName: channel.displayName } });
    probe.stop();
  });

  it('delivers a contact change made through the gateway via Salesforce CDC, with the contact as it is now', async () => {
    const list = await stack.query<{ contacts: { nodes: { id: string; name: string }[] } }>('{ contacts(first: 1) { nodes { id name } } }');
    const contact = list.data!.contacts.nodes[0]!;
    const probe = await subscribe('subscription($id: ID) { contactChanged(id: $id) { changeType changedFields contact { id title } } }', { id: contact.id });
    const m = await stack.query('mutation($id: ID!) { updateContact(id: $id, input: { title: "Head of Events" }) { id } }', { id: contact.id });
    expect(m.errors).toBeUndefined();
    await until(() => probe.events.length >= 1, 'the contactChanged event');
    const changed = probe.events[0]!.data?.contactChanged as { changeType: string; changedFields: string[]; contact: { id: string; title: string } };
    expect(changed.changeType).toBe('UPDATED');
    expect(changed.contact).toEqual({ id: contact.id, title: 'Head of Events' });
    probe.stop();
  });

  it('loses nothing across a reconnect with `after`: exactly N events, in order, no duplicates', async () => {
    const N = 6;
    const statuses = ['OPEN', 'IN_PROCESS', 'COMPLETED'];
    const query = 'subscription($id: ID, $after: String) { salesOrderChanged(id: $id, after: $after) { cursor order { id status } } }';
    const first = await subscribe(query, { id: '43' });
    const sent: string[] = [];
    const change = async (i: number): Promise<void> => {
      const s = statuses[i % statuses.length]!;
      const r = await stack.query('mutation($s: SalesOrderStatus!) { updateSalesOrderStatus(id: "43", status: $s) { id } }', { s });
      expect(r.errors).toBeUndefined();
      sent.push(s);
    };
    await change(0);
    await change(1);
    await until(() => first.events.length >= 2, 'the first two events');
    first.stop();
    const last = first.events.at(-1)!.data?.salesOrderChanged as { cursor: string };
    for (let i = 2; i < N; i += 1) await change(i);
    const second = await subscribe(query, { id: '43', after: last.cursor });
    await until(() => second.events.length >= N - 2, 'the replayed events');
    await new Promise((r) => setTimeout(r, 300));
    const all = [...first.events, ...second.events].map((e) => e.data?.salesOrderChanged as { cursor: string; order: { id: string; status: string } });
    expect(all).toHaveLength(N);
    const cursors = all.map((e) => e.cursor);
    expect(new Set(cursors).size).toBe(N);
    // in order: log cursors (`<ms>-<seq>`) strictly increase
    const key = (c: string): [number, number] => c.split('-').map(Number) as [number, number];
    for (let i = 1; i < N; i += 1) {
      const [am, as] = key(cursors[i - 1]!);
      const [bm, bs] = key(cursors[i]!);
      expect(bm > am || (bm === am && bs > as)).toBe(true);
    }
    expect(all.every((e) => e.order.id === '43')).toBe(true);
    // the last event shows the last status set
    expect(all.at(-1)!.order.status).toBe(sent.at(-1));
    second.stop();
  });

  it('an event from SAP (not through the gateway) evicts the cached response that holds the order', async () => {
    const q = '{ salesOrder(id: "44") { id status } }';
    expect((await stack.query(q)).errors).toBeUndefined();
    expect((await stack.query(q)).headers.get('x-cache')).toBe('HIT');
    const res = await fetch(`${stack.sandboxes.sap.url}/__admin/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ salesOrder: '44' }) });
    expect(res.status).toBeLessThan(300);
    let fresh = false;
    for (let i = 0; i < 200 && !fresh; i += 1) {
      fresh = (await stack.query(q)).headers.get('x-cache') !== 'HIT';
      if (!fresh) await new Promise((w) => setTimeout(w, 20));
    }
    expect(fresh).toBe(true);
  });
});
