/**
 * Abuse: hostile keys and filter values never change the meaning of an OData request. Keys are
 * validated before they reach a URL (BAD_USER_INPUT, nothing sent); free text (emails) is sent as
 * an escaped string literal, so `' or … ne '` stays part of the value.
 */
import { ENTITIES, startSapHarness, type SapHarness } from './sapHarness';

let h: SapHarness;
const LIST = 'query($filter: SalesOrderFilter) { salesOrders(first: 5, filter: $filter) { totalCount } }';
const CONTACT = ENTITIES('... on Contact { email salesOrders(first: 5) { totalCount } }');

beforeAll(async () => {
  h = await startSapHarness();
});
afterAll(() => h.close());
beforeEach(() => h.resetCounts());

describe('OData filter and key injection', () => {
  it.each([
    "1' or SoldToParty ne '",
    "1') or (SoldToParty ne '",
    '1&$top=100000',
    '1%27',
    '',
    '１２３', // full-width digits
  ])('refuses soldToParty %j before anything is sent', async (soldToParty) => {
    const res = await h.gql(LIST, { filter: { soldToParty } });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', system: 'sap', field: 'filter.soldToParty' });
    expect(h.counts()).toEqual({});
  });

  it.each(["1' or SalesOrder ne '", "1')", '1/to_Item', '1?$format=atom', '-1', '1e3'])('refuses sales order id %j before anything is sent', async (id) => {
    const res = await h.gql('query($id: ID!) { salesOrder(id: $id) { id } }', { id });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    expect(h.counts()).toEqual({});
  });

  it('sends an email with quotes as one escaped literal: it matches nothing instead of everything', async () => {
    const hostile = ["x' or EmailAddress ne 'y@example.com", "a@b.c' or substringof('@',EmailAddress) or EmailAddress eq 'z", "o'brien@example.com"];
    const res = await h.gql(CONTACT, { reps: hostile.map((email) => ({ __typename: 'Contact', email })) });
    expect(res.errors).toBeUndefined();
    for (const c of res.data._entities) expect(c.salesOrders.totalCount).toBe(0);
    // One email look-up for all three, answered without error, and no address/partner/order reads.
    expect(h.counts()).toEqual({ 'GET API_BUSINESS_PARTNER/A_AddressEmailAddress': 1 });
  });

  it('treats URL metacharacters in an email as data', async () => {
    const res = await h.gql(CONTACT, { reps: ['a&$top=1@x.example', 'a#b@x.example', 'a+b@x.example', 'a%27b@x.example', 'ümlaut@x.example']
      .map((email) => ({ __typename: 'Contact', email })) });
    expect(res.errors).toBeUndefined();
    for (const c of res.data._entities) expect(c.salesOrders.totalCount).toBe(0);
    expect(h.counts()).toEqual({ 'GET API_BUSINESS_PARTNER/A_AddressEmailAddress': 1 });
  });

  it('answers emails SAP cannot store (too long, control characters, no @) with an empty list and no request', async () => {
    const res = await h.gql(CONTACT, { reps: [`${'a'.repeat(250)}@x.example`, 'a\u0000b@x.example', 'not-an-email']
      .map((email) => ({ __typename: 'Contact', email })) });
    expect(res.errors).toBeUndefined();
    for (const c of res.data._entities) expect(c.salesOrders.totalCount).toBe(0);
    expect(h.counts()).toEqual({});
  });
});
