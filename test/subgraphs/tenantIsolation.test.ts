/**
 * Tenant isolation in one Salesforce subgraph (issue 6): tenants `acme` and `globex` are two orgs
 * (two sandboxes seeded differently, globex's client secret from the vault); with the entity
 * cache on, globex never reads acme's contacts, not by id, not by email, not right after acme's
 * read filled the cache; the sandbox counters show which org served whom; and events of one
 * tenant in the shared event log reach only that tenant's `contactChanged` subscribers.
 */
import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import pino from 'pino';
import WebSocket from 'ws';
import type { EntityEvent } from '../../schema/eventEnvelope';
import { createMemoryEventLog } from '../../subgraphs/kit/eventLog';
import { parseTenantRegistry, type SecretSource } from '../../subgraphs/kit/tenantRegistry';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../subgraphs/salesforce/sandbox/salesforceSandbox';
import { startSalesforceSubgraph, type SalesforceSubgraph } from '../../subgraphs/salesforce/server';
import { seedContacts } from './salesforce/subgraphHelpers';
import { CONTEXT_ENV, contextHeaders, signedContext } from './signedContext';

const QUERY = 'GET /services/data/vXX.X/query';
const TOKEN = 'POST /services/oauth2/token';
const CONTACT = 'query($id: ID!) { contact(id: $id) { id email } }';
const BY_EMAIL = 'query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Contact { id email } } }';

interface Reply { data?: Record<string, unknown> | null; errors?: { extensions?: Record<string, unknown> }[] }

describe('tenant isolation in the Salesforce subgraph', () => {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const log = createMemoryEventLog();
  const clients: Client[] = [];
  let acmeOrg: SalesforceSandbox;
  let globexOrg: SalesforceSandbox;
  let subgraph: SalesforceSubgraph;
  let acmeContact: { id: string; email: string };

  beforeAll(async () => {
    acmeOrg = await startSalesforceSandbox({ port: 0, logger, seed: 1, size: { accounts: 10, people: 80 } });
    globexOrg = await startSalesforceSandbox({ port: 0, logger, seed: 2, size: { accounts: 5, people: 30 }, credentials: { clientSecret: 'globex-only-secret' } });
    const vault: SecretSource = { get: (ref) => { if (ref !== 'globex/salesforce/clientSecret') throw new Error(`no credential '${ref}'`); return 'globex-only-secret'; } };
    const tenants = parseTenantRegistry({ tenants: {
      acme: { salesforce: { loginUrl: acmeOrg.url } },
      globex: { salesforce: { loginUrl: globexOrg.url, clientSecret: { vault: 'globex/salesforce/clientSecret' } } },
      initech: { sap: {} },
    } }, 'test');
    subgraph = await startSalesforceSubgraph({
      port: 0, logger, tenants, secrets: vault, eventLog: log,
      env: { ...CONTEXT_ENV, ENTITY_CACHE: 'true', SALESFORCE_CDC: 'false', SALESFORCE_RETRY_DELAY_MS: '10', SALESFORCE_LOGIN_URL: 'http://127.0.0.1:9' },
    });
    // The highest id of the bigger org: the smaller org has no record with it, nor its email.
    acmeContact = seedContacts(acmeOrg, 80).at(-1) as { id: string; email: string };
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await subgraph?.close();
    await Promise.all([acmeOrg?.close(), globexOrg?.close()]);
  });
  beforeEach(() => {
    acmeOrg.counters.reset();
    globexOrg.counters.reset();
  });

  const gql = async (tenant: string, query: string, variables: Record<string, unknown>): Promise<Reply> => {
    const res = await fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json', ...contextHeaders(tenant) }, body: JSON.stringify({ query, variables }) });
    return (await res.json()) as Reply;
  };
  const queries = (org: SalesforceSandbox): number => org.counters.snapshot().byEndpoint[QUERY] ?? 0;

  it('has two orgs that do not share the contact under test', () => {
    expect(globexOrg.store.all('Contact').some((r) => r.values.Id === acmeContact.id || r.values.Email === acmeContact.email)).toBe(false);
  });

  it("serves acme from acme's org and globex from globex's org, each with its own session", async () => {
    const acme = await gql('acme', CONTACT, { id: acmeContact.id });
    expect(acme.data?.contact).toEqual({ id: acmeContact.id, email: acmeContact.email.toLowerCase() });
    expect([queries(acmeOrg), queries(globexOrg)]).toEqual([1, 0]);
    const globexOwn = seedContacts(globexOrg, 1)[0] as { id: string };
    const globex = await gql('globex', CONTACT, { id: globexOwn.id });
    expect((globex.data?.contact as { id: string }).id).toBe(globexOwn.id);
    expect([queries(acmeOrg), queries(globexOrg)]).toEqual([1, 1]);
    expect([acmeOrg.counters.snapshot().byEndpoint[TOKEN], globexOrg.counters.snapshot().byEndpoint[TOKEN]]).toEqual([1, 1]);
    expect(subgraph.activeTenants().sort()).toEqual(['acme', 'globex']);
  });

  it("never answers globex with acme's contact, by id or by email, even right after acme's read filled the entity cache", async () => {
    expect((await gql('acme', CONTACT, { id: acmeContact.id })).data?.contact).toMatchObject({ id: acmeContact.id });
    expect((await gql('acme', BY_EMAIL, { reps: [{ __typename: 'Contact', email: acmeContact.email }] })).data?._entities).toEqual([expect.objectContaining({ id: acmeContact.id })]);
    acmeOrg.counters.reset();
    // acme again: from the entity cache, nothing upstream.
    expect((await gql('acme', CONTACT, { id: acmeContact.id })).data?.contact).toMatchObject({ id: acmeContact.id });
    expect(queries(acmeOrg)).toBe(0);
    const byId = await gql('globex', CONTACT, { id: acmeContact.id });
    const byEmail = await gql('globex', BY_EMAIL, { reps: [{ __typename: 'Contact', email: acmeContact.email }] });
    expect(byId.data?.contact ?? null).toBeNull();
    expect(byEmail.data?._entities).toEqual([null]);
    expect(JSON.stringify([byId, byEmail])).not.toContain(acmeContact.email.toLowerCase());
    // globex's misses went to globex's org only.
    expect(queries(acmeOrg)).toBe(0);
    expect(queries(globexOrg)).toBeGreaterThanOrEqual(2);
  });

  it('refuses a tenant without a Salesforce section and an unknown tenant before touching any org', async () => {
    for (const [tenant, code] of [['initech', 'SYSTEM_NOT_CONFIGURED'], ['umbrella', 'UNKNOWN_TENANT']] as const) {
      const res = await gql(tenant, CONTACT, { id: acmeContact.id });
      expect(res.errors?.[0]?.extensions?.code).toBe(code);
    }
    expect([queries(acmeOrg), queries(globexOrg)]).toEqual([0, 0]);
  });

  it("delivers a globex event to globex's contactChanged subscriber and not to acme's", async () => {
    const subscribe = async (tenant: string): Promise<AsyncIterableIterator<ExecutionResult<{ contactChanged: { contactId: string } }>>> => {
      const client = createClient({ url: subgraph.url.replace('http:', 'ws:'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: () => ({ context: signedContext(tenant) }) });
      clients.push(client);
      return client.iterate({ query: 'subscription($after: String) { contactChanged(after: $after) { contactId } }', variables: { after: await log.head() } }) as AsyncIterableIterator<ExecutionResult<{ contactChanged: { contactId: string } }>>;
    };
    const event = (tenant: string, id: string): EntityEvent => ({
      id: `salesforce:test:${tenant}-${id}`, type: 'ContactChanged', system: 'salesforce', tenant, entity: { type: 'Contact', id },
      changeType: 'DELETED', changedFields: [], occurredAt: new Date().toISOString(),
    });
    const acme = await subscribe('acme');
    const globex = await subscribe('globex');
    await log.append(event('globex', '003000000000GLOBEX'));
    await log.append(event('acme', '003000000000ACMEAA'));
    const ids = async (it: typeof acme): Promise<string | undefined> => (await it.next()).value?.data?.contactChanged.contactId;
    // acme's first delivery is its own event: the earlier globex event was skipped.
    expect(await ids(acme)).toBe('003000000000ACMEAA');
    expect(await ids(globex)).toBe('003000000000GLOBEX');
    await Promise.all([acme.return?.(), globex.return?.()]);
  });
});
