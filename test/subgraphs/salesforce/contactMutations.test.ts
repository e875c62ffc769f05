/**
 * createContact / updateContact / deleteContact against the sandbox: one write plus one read-back,
 * validation before anything goes upstream (zero writes, asserted from the sandbox's counters),
 * NOT_FOUND for unknown or deleted ids, and upstream rejections mapped without their message.
 */
import { QUERY, seedContacts, startHarness, type Harness } from './subgraphHelpers';

const CREATE_EP = 'POST /services/data/vXX.X/sobjects/:type';
const UPDATE_EP = 'PATCH /services/data/vXX.X/sobjects/:type/:id';
const DELETE_EP = 'DELETE /services/data/vXX.X/sobjects/:type/:id';

const CREATE = `mutation($input: CreateContactInput!) {
  createContact(input: $input) { id email firstName lastName name title phone department account { id } createdAt updatedAt }
}`;
const UPDATE = `mutation($id: ID!, $input: UpdateContactInput!) {
  updateContact(id: $id, input: $input) { id email firstName lastName name title phone department account { id } }
}`;
const DELETE = 'mutation($id: ID!) { deleteContact(id: $id) { id } }';

type Contact = Record<string, unknown> & { id: string };

const writes = (h: Harness): number => h.count(CREATE_EP) + h.count(UPDATE_EP) + h.count(DELETE_EP);

describe('contact mutations', () => {
  let h: Harness;
  let accountId: string;
  beforeAll(async () => {
    h = await startHarness({ sandbox: { size: { accounts: 5, people: 30 } } });
    await h.warmUp();
    accountId = String(seedContacts(h.sandbox, 1)[0]!.accountId);
  });
  afterAll(() => h.close());
  beforeEach(() => h.resetCounters());

  async function create(input: Record<string, unknown>): Promise<Contact> {
    const res = await h.gql<{ createContact: Contact }>(CREATE, { input });
    expect(res.errors).toBeUndefined();
    return res.data!.createContact;
  }

  it('creates a contact with one write and one read, returning what Salesforce stored', async () => {
    const c = await create({ firstName: 'Ada', lastName: 'Lovelace', email: ' Ada.Lovelace@Example.COM ', title: 'Analyst', accountId });
    expect(c).toMatchObject({ email: 'ada.lovelace@example.com', firstName: 'Ada', lastName: 'Lovelace', name: 'Ada Lovelace', title: 'Analyst', account: { id: accountId } });
    expect(c.id).toMatch(/^003[A-Za-z0-9]{15}$/);
    expect(c.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(h.sandbox.store.get('Contact', c.id)?.values.Email).toBe('ada.lovelace@example.com');
    expect(h.count(CREATE_EP)).toBe(1);
    expect(h.count(QUERY)).toBe(2); // the read-back, then its account
  });

  it('updates only the given fields, clears a field with null, and reads back once', async () => {
    const c = await create({ lastName: 'Hopper', email: 'grace@example.com', title: 'Rear Admiral', phone: '+1 555 0100' });
    h.resetCounters();
    const res = await h.gql<{ updateContact: Contact }>(UPDATE, { id: c.id, input: { title: 'Commodore', phone: null, accountId } });
    expect(res.errors).toBeUndefined();
    expect(res.data?.updateContact).toMatchObject({ id: c.id, lastName: 'Hopper', email: 'grace@example.com', title: 'Commodore', phone: null, account: { id: accountId } });
    expect(h.count(UPDATE_EP)).toBe(1);
    expect(h.count(QUERY)).toBe(2);
  });

  it('deletes a contact, after which it is gone and a second delete is NOT_FOUND', async () => {
    const c = await create({ lastName: 'Temporary', email: 'temp@example.com' });
    const res = await h.gql<{ deleteContact: { id: string } }>(DELETE, { id: c.id });
    expect(res.data?.deleteContact).toEqual({ id: c.id });
    expect((await h.gql<{ contact: unknown }>('query($id: ID!) { contact(id: $id) { id } }', { id: c.id })).data?.contact).toBeNull();
    const again = await h.gql(DELETE, { id: c.id });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', system: 'salesforce', retryable: false });
    const update = await h.gql(UPDATE, { id: c.id, input: { title: 'x' } });
    expect(update.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('answers NOT_FOUND for a well-formed contact id that does not exist', async () => {
    for (const [query, variables] of [[UPDATE, { id: '003000000000000AAA', input: { title: 'x' } }], [DELETE, { id: '003000000000000AAA' }]] as const) {
      const res = await h.gql(query, variables);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', system: 'salesforce' });
      expect(res.errors?.[0]?.message).not.toMatch(/requested resource/);
    }
  });

  it.each([
    ['a malformed email', { lastName: 'X', email: 'not-an-email' }, 'input.email'],
    ['an email over 80 characters', { lastName: 'X', email: `${'a'.repeat(70)}@example.com` }, 'input.email'],
    ['a blank last name', { lastName: '   ', email: 'x@example.com' }, 'input.lastName'],
    ['a last name over 80 characters', { lastName: 'L'.repeat(81), email: 'x@example.com' }, 'input.lastName'],
    ['a first name over 40 characters', { firstName: 'F'.repeat(41), lastName: 'X', email: 'x@example.com' }, 'input.firstName'],
    ['a title over 128 characters', { title: 'T'.repeat(129), lastName: 'X', email: 'x@example.com' }, 'input.title'],
    ['a phone over 40 characters', { phone: '1'.repeat(41), lastName: 'X', email: 'x@example.com' }, 'input.phone'],
    ['a department over 80 characters', { department: 'D'.repeat(81), lastName: 'X', email: 'x@example.com' }, 'input.department'],
    ['a Contact id as accountId', { accountId: '003000000000000AAA', lastName: 'X', email: 'x@example.com' }, 'input.accountId'],
    ['a malformed accountId', { accountId: "001' OR Id != '", lastName: 'X', email: 'x@example.com' }, 'input.accountId'],
  ])('refuses to create with %s before writing anything', async (_what, input, field) => {
    const res = await h.gql(CREATE, { input });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', system: 'salesforce', field, retryable: false });
    expect(h.counts()).toEqual({});
  });

  it.each([
    ['an empty input', {}, 'input'],
    ['a null lastName', { lastName: null }, 'input.lastName'],
    ['a null email', { email: null }, 'input.email'],
    ['a too-long title', { title: 'T'.repeat(129) }, 'input.title'],
  ])('refuses to update with %s before writing anything', async (_what, input, field) => {
    const [c] = seedContacts(h.sandbox, 1);
    const res = await h.gql(UPDATE, { id: c!.id, input });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(writes(h)).toBe(0);
    expect(h.counts()).toEqual({});
  });

  it('refuses an id of another object or a malformed id without calling Salesforce', async () => {
    for (const id of [accountId, 'nope', "003' OR Id != '"]) {
      const upd = await h.gql(UPDATE, { id, input: { title: 'x' } });
      expect(upd.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
      const del = await h.gql(DELETE, { id });
      expect(del.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    }
    expect(h.counts()).toEqual({});
  });

  it('maps an upstream rejection of a field to UPSTREAM_REJECTED naming our field, not Salesforce\'s message', async () => {
    const res = await h.gql(CREATE, { input: { lastName: 'X', email: 'x@example.com', accountId: '001000000000000AAA' } });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_REJECTED', field: 'input.accountId', system: 'salesforce', retryable: false });
    expect(JSON.stringify(res)).not.toMatch(/cross reference|AccountId/);
    expect(h.count(CREATE_EP)).toBe(1);
  });
});
