/**
 * `Subscription.contactChanged` over graphql-ws (a real `createClient` with `ws`) against the
 * subgraph, fed by Change Data Capture from the sandbox: the re-read contact, the id and email
 * filters, replay of missed events with `after`, DELETED events, bad cursors and tenant isolation.
 */
import { Connection } from 'jsforce';
import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import type { EntityEvent } from '../../../schema/eventEnvelope';
import { startCdcRig, type CdcRig } from './cdcHelpers';
import { contextHeaders, signedContext } from '../signedContext';

const SELECTION = 'cursor changeType changedFields occurredAt contactId contact { id email title account { id } }';

interface Change {
  cursor: string;
  changeType: string;
  changedFields: string[];
  contactId: string;
  contact: { id: string; email: string | null; title: string | null } | null;
}

type Result = ExecutionResult<{ contactChanged: Change }>;

describe('Subscription.contactChanged over graphql-ws', () => {
  let rig: CdcRig;
  const clients: Client[] = [];

  function wsClient(tenant?: string): Client {
    const client = createClient({
      url: rig.subgraph().url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0,
      connectionParams: () => ({ context: signedContext(tenant) }),
    });
    clients.push(client);
    return client;
  }

  /** Subscribes from the log's current head, so nothing logged from now on can be missed. */
  async function subscribe(args: { id?: string; email?: string; after?: string }, tenant?: string): Promise<AsyncIterableIterator<Result>> {
    const after = args.after ?? (await rig.log.head());
    return wsClient(tenant).iterate({
      query: `subscription($id: ID, $email: String, $after: String) { contactChanged(id: $id, email: $email, after: $after) { ${SELECTION} } }`,
      variables: { ...args, after },
    }) as AsyncIterableIterator<Result>;
  }

  const next = async (it: AsyncIterableIterator<Result>): Promise<Change | undefined> => {
    const r = await it.next();
    if (r.done) throw new Error('subscription ended');
    if (r.value.errors) throw new Error(JSON.stringify(r.value.errors));
    return r.value.data?.contactChanged;
  };

  beforeAll(async () => {
    rig = await startCdcRig();
    await rig.start();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await rig.close();
  });

  it('delivers a change made through jsforce with the contact re-read, not the stale cached copy', async () => {
    const [id] = rig.contactIds(1) as [string];
    const read = await fetch(rig.subgraph().url, { method: 'POST', headers: { 'content-type': 'application/json', ...contextHeaders() }, body: JSON.stringify({ query: `{ contact(id: "${id}") { email } }` }) });
    const before = ((await read.json()) as { data: { contact: { email: string } } }).data.contact.email;
    const it = await subscribe({ id });
    const conn = new Connection({ oauth2: { clientId: 'lumina-sandbox-client', clientSecret: 'lumina-sandbox-secret', loginUrl: rig.sandbox.url }, version: '59.0' });
    await conn.login('integration@lumina.example', 'lumina-sandbox-password');
    await conn.sobject('Contact').update({ Id: id, Email: 'Changed.By.CDC@example.com', Title: 'Chief' });
    const change = await next(it);
    expect(change).toMatchObject({
      changeType: 'UPDATED', changedFields: ['email', 'title', 'updatedAt'], contactId: id,
      contact: { id, email: 'changed.by.cdc@example.com', title: 'Chief' },
    });
    expect(before).not.toBe('changed.by.cdc@example.com');
    await it.return?.();
  });

  it('delivers only the subscribed contact, and null as the contact of a DELETED event', async () => {
    const [a, b] = rig.contactIds(3).slice(1) as [string, string];
    const it = await subscribe({ id: b });
    await rig.emit(a);
    await rig.emit(b, 'DELETE');
    expect(await next(it)).toMatchObject({ changeType: 'DELETED', contactId: b, contact: null });
    await it.return?.();
  });

  it('filters by email: the contact that has it, and events that carry it', async () => {
    const [owner, other, unrelated] = rig.contactIds(6).slice(3) as [string, string, string];
    const email = String(rig.sandbox.store.get('Contact', owner)?.values.Email).toUpperCase();
    const it = await subscribe({ email });
    await rig.emit(unrelated, 'UPDATE', { Title: 'x' });
    await rig.emit(owner, 'UPDATE', { Title: 'y' });
    await rig.emit(other, 'UPDATE', { Email: email.toLowerCase() });
    expect((await next(it))?.contactId).toBe(owner);
    expect((await next(it))?.contactId).toBe(other);
    await it.return?.();
  });

  it('replays the events logged after `after` to a reconnecting client, in order', async () => {
    const [a, b, c] = rig.contactIds(9).slice(6) as [string, string, string];
    const first = await subscribe({});
    await rig.emit(a);
    const seen = await next(first);
    await first.return?.();
    await rig.emit(b);
    await rig.emit(c, 'CREATE');
    const resumed = await subscribe({ after: seen?.cursor as string });
    expect([await next(resumed), await next(resumed)].map((x) => [x?.contactId, x?.changeType])).toEqual([[b, 'UPDATED'], [c, 'CREATED']]);
    await resumed.return?.();
  });

  it('refuses an `after` that is not a cursor with BAD_USER_INPUT', async () => {
    const it = wsClient().iterate({ query: 'subscription { contactChanged(after: "yesterday") { cursor } }' });
    const r = await it.next();
    expect((r.value as ExecutionResult).errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });

  it("delivers only the subscriber's tenant's events", async () => {
    const [a] = rig.contactIds(10).slice(9) as [string];
    const it = await subscribe({ id: a }, 'acme');
    await rig.emit(a);
    const acme: EntityEvent = {
      id: 'salesforce:test:acme-1', type: 'ContactChanged', system: 'salesforce', tenant: 'acme', entity: { type: 'Contact', id: a },
      changeType: 'UPDATED', changedFields: ['title'], occurredAt: new Date().toISOString(),
    };
    await rig.log.append(acme);
    expect(await next(it)).toMatchObject({ contactId: a, changedFields: ['title'] });
    await it.return?.();
  });
});
