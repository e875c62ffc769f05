/**
 * `@authenticated` / `@requiresScopes` enforced by the fast executor against real subgraph servers:
 * the data, the errors (paths, code), and what the subgraphs were (not) asked.
 */
import pino from 'pino';
import { createFederatedExecutor, type FederatedExecutor } from '../../gateway/federatedExecutor';
import { formatExecutionErrors } from '../../gateway/operationHandler';
import { createRequestContext } from '../../gateway/requestContext';
import { startAuthGraph, type AuthGraph } from './authGraph';

const anon = undefined;
const user = (...scopes: string[]) => ({ authenticated: true, scopes: scopes.sort() });
const denied = (path: Array<string | number>) => ({ message: 'Unauthorized field or type', path, extensions: { code: 'UNAUTHORIZED' } });

describe('field authorization in the fast executor', () => {
  let graph: AuthGraph;
  let executor: FederatedExecutor;
  beforeAll(async () => {
    graph = await startAuthGraph();
    executor = createFederatedExecutor({ supergraphSdl: graph.supergraphSdl });
  });
  afterAll(async () => {
    await executor.close();
    await graph.close();
  });
  beforeEach(() => {
    graph.bodies.a.length = 0;
    graph.bodies.b.length = 0;
  });
  const run = (query: string, caller?: { authenticated: boolean; scopes: string[] }, variables?: Record<string, unknown>) =>
    executor.execute(executor.prepareSource(query), { caller, variables });
  const sentToA = () => graph.bodies.a.map((r) => r.query).join('\n');
  const sentToB = () => graph.bodies.b.map((r) => r.query).join('\n');

  it('nulls an @authenticated field for an anonymous caller with an UNAUTHORIZED error, and never fetches it', async () => {
    const res = await run('{ public me { name } }', anon);
    expect(res).toEqual({ data: { public: 'hello', me: null }, errors: [denied(['me'])] });
    expect(sentToA()).not.toMatch(/\bme\b/);
  });

  it('lets the UNAUTHORIZED error through the gateway\'s error mask with its message and code', async () => {
    const res = await run('{ me { name } }', anon);
    const log = pino({ level: 'silent' });
    const [formatted] = formatExecutionErrors(res.errors ?? [], createRequestContext({}, log), log);
    expect(formatted).toMatchObject({ message: 'Unauthorized field or type', path: ['me'], extensions: { code: 'UNAUTHORIZED' } });
  });

  it('serves the same field to an authenticated caller', async () => {
    const res = await run('{ public me { name } }', user());
    expect(res).toEqual({ data: { public: 'hello', me: { name: 'Ada' } } });
  });

  it('reads @requiresScopes as (a AND b) OR c', async () => {
    const q = '{ me { email ssn } }';
    expect((await run(q, user('admin', 'pii:read'))).data).toEqual({ me: { email: 'u1@example.com', ssn: 'ssn-u1' } });
    const piiOnly = await run(q, user('pii:read'));
    expect(piiOnly.data).toEqual({ me: null });
    expect(piiOnly.errors).toEqual([denied(['me', 'ssn'])]);
    const adminOnly = await run('{ me { email } }', user('admin'));
    expect(adminOnly).toEqual({ data: { me: { email: 'u1@example.com' } } });
  });

  it('propagates the null of a denied non-null field in list elements like any field error, with one error per element', async () => {
    const res = await run('{ users { id email ssn } public }', user());
    expect(res.data).toEqual({ users: null, public: 'hello' });
    expect(res.errors).toEqual([denied(['users', 0, 'email']), denied(['users', 0, 'ssn']), denied(['users', 1, 'email']), denied(['users', 1, 'ssn'])]);
    expect(sentToA()).not.toMatch(/email|ssn/);
  });

  it('nulls a denied non-null root field and so the whole data, as GraphQL does', async () => {
    const res = await run('{ public secretCount }', user('pii:read'));
    expect(res).toEqual({ data: null, errors: [denied(['secretCount'])] });
    expect(sentToA()).not.toMatch(/secretCount/);
  });

  it('removes a denied field another subgraph owns from the entity fetch, and skips a fetch left with nothing to ask', async () => {
    const withBadge = await run('{ users { id badge orders { total } } }', user());
    expect(withBadge.data).toEqual({ users: [{ id: 'u1', badge: 'badge-u1', orders: null }, { id: 'u2', badge: 'badge-u2', orders: null }] });
    expect(withBadge.errors).toEqual([denied(['users', 0, 'orders']), denied(['users', 1, 'orders'])]);
    expect(graph.bodies.b).toHaveLength(1);
    expect(sentToB()).not.toMatch(/orders|total/);
    graph.bodies.b.length = 0;
    const ordersOnly = await run('{ users { id orders { total } } }', user());
    expect(ordersOnly.errors).toHaveLength(2);
    expect(graph.bodies.b).toHaveLength(0);
    const allowed = await run('{ users { id orders { total } } }', user('orders:read'));
    expect(allowed).toEqual({ data: { users: [{ id: 'u1', orders: [{ total: 10 }] }, { id: 'u2', orders: [{ total: 10 }] }] } });
  });

  it('applies a type-level requirement to the fields selected on a union member, the other members untouched', async () => {
    const res = await run('{ items { __typename ... on Book { title } ... on Secret { code } } }', user());
    expect(res.data).toEqual({ items: [{ __typename: 'Book', title: 'SICP' }, { __typename: 'Secret', code: null }] });
    expect(res.errors).toEqual([denied(['items', 1, 'code'])]);
    expect(sentToA()).not.toMatch(/code/);
    expect((await run('{ items { ... on Secret { code } } }', user('secret'))).data).toEqual({ items: [{}, { code: 'XYZZY' }] });
  });

  it('applies an implementation\'s requirement to the interface (composition propagates it) and an enum\'s to fields returning it', async () => {
    expect(await run('{ node(id: "p1") { id } }', anon)).toEqual({ data: { node: null }, errors: [denied(['node'])] });
    expect(await run('{ node(id: "vault") { id ... on Vault { content } } }', user())).toEqual({ data: { node: { id: 'vault', content: 'gold' } } });
    expect(await run('{ me { level } }', user())).toEqual({ data: { me: { level: null } }, errors: [denied(['me', 'level'])] });
  });

  it('never sends a denied mutation field, and still runs the allowed ones', async () => {
    const before = graph.deletes();
    const res = await run('mutation { deleteUser(id: "u1") rename(id: "u1", name: "Ada L.") { name } }', user());
    expect(res).toEqual({ data: { deleteUser: null, rename: { name: 'Ada L.' } }, errors: [denied(['deleteUser'])] });
    expect(graph.deletes()).toBe(before);
    expect(sentToA()).not.toMatch(/deleteUser/);
    await run('mutation { deleteUser(id: "u1") }', user('admin'));
    expect(graph.deletes()).toBe(before + 1);
  });

  it('keeps aliases, fragments and variables working in the variant', async () => {
    const q = 'query Q($id: ID!) { a: node(id: $id) { ...N } me { ...U } } fragment N on Node { id } fragment U on User { nick: name mail: email }';
    const res = await run(q, user(), { id: 'p1' });
    expect(res).toEqual({ data: { a: { id: 'p1' }, me: { nick: 'Ada', mail: null } }, errors: [denied(['me', 'mail'])] });
  });

  it('runs a variant whose fragments became unused, or whose every root field is denied, without asking any subgraph', async () => {
    expect(await run('{ public me { ...U } } fragment U on User { name }', anon)).toEqual({ data: { public: 'hello', me: null }, errors: [denied(['me'])] });
    graph.bodies.a.length = 0;
    expect(await run('{ me { ...U } } fragment U on User { name }', anon)).toEqual({ data: { me: null }, errors: [denied(['me'])] });
    expect(graph.bodies.a).toHaveLength(0);
  });

  it('plans each set of denials once per operation and does no authorization work for operations without requirements', async () => {
    const q = '{ me { name email } }';
    await run(q, user());
    const plans = executor.stats().plans;
    await run(q, user());
    await run(q, user('other'));
    expect(executor.stats().plans).toBe(plans);
    const open = executor.prepareSource('{ public }');
    expect(open.access.sites).toHaveLength(0);
    expect(executor.access(open, anon)).toEqual({ key: '', plan: open.plan });
  });

  it('refuses a subscription whose root field the caller may not see, and names the plan others run', () => {
    const sub = executor.prepareSource('subscription { userChanged { id email } }');
    const refused = executor.access(sub, user());
    expect(refused.refused).toEqual([denied(['userChanged'])]);
    const partial = executor.access(sub, user('users:watch'));
    expect(partial.refused).toBeUndefined();
    expect(partial.key).not.toBe('');
    expect(JSON.stringify(partial.plan)).not.toMatch(/email/);
    expect(executor.access(sub, user('users:watch', 'admin'))).toEqual({ key: '', plan: sub.plan });
  });

  it('shapes a subscription event for the caller: denied fields in the payload are null with errors', async () => {
    const sub = executor.prepareSource('subscription { userChanged { id email badge } }');
    const caller = user('users:watch');
    const res = await executor.executeSubscriptionEvent(sub, { data: { userChanged: { __typename: 'User', id: 'u2' } } }, { caller });
    expect(res).toEqual({ data: { userChanged: { id: 'u2', email: null, badge: 'badge-u2' } }, errors: [denied(['userChanged', 'email'])] });
  });
});
