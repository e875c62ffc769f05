/**
 * Record → model mapping: lower-cased emails, ISO UTC datetimes, derived names; and the same seen
 * end to end for a record stored in Salesforce with a mixed-case email.
 */
import { toAccountModel, toContactModel, toIsoUtc } from '../../../subgraphs/salesforce/mapping';
import { startHarness, type Harness } from './subgraphHelpers';

describe('Salesforce record mapping', () => {
  it('turns Salesforce datetimes into ISO-8601 UTC with milliseconds', () => {
    expect(toIsoUtc('2024-01-15T10:00:00.000+0000')).toBe('2024-01-15T10:00:00.000Z');
    expect(toIsoUtc('2024-01-15T10:00:00.123+0130')).toBe('2024-01-15T08:30:00.123Z');
    expect(toIsoUtc('2024-01-15T10:00:00Z')).toBe('2024-01-15T10:00:00.000Z');
    expect(() => toIsoUtc('yesterday')).toThrow(/not a Salesforce datetime/);
  });

  it('maps a Contact, lower-casing the email and composing a missing Name', () => {
    const model = toContactModel({
      attributes: { type: 'Contact' }, Id: '0038d0000000001AAA', FirstName: null, LastName: 'Curie', Email: 'Marie.Curie@Example.ORG',
      Title: '', Phone: null, Department: 'Physics', AccountId: null, CreatedDate: '2024-01-15T10:00:00.000+0000', LastModifiedDate: '2024-02-01T00:00:00.000+0000',
    });
    expect(model).toEqual({
      id: '0038d0000000001AAA', email: 'marie.curie@example.org', firstName: null, lastName: 'Curie', name: 'Curie', title: null,
      phone: null, department: 'Physics', accountId: null, createdAt: '2024-01-15T10:00:00.000Z', updatedAt: '2024-02-01T00:00:00.000Z',
    });
  });

  it('refuses a record without its required fields', () => {
    expect(() => toContactModel({ Id: '0038d0000000001AAA' })).toThrow(/has no LastName/);
    expect(() => toAccountModel({ Id: '0018d0000000001AAA' })).toThrow(/has no Name/);
  });

  describe('end to end', () => {
    let h: Harness;
    beforeAll(async () => { h = await startHarness({ sandbox: { size: { accounts: 2, people: 5 } } }); });
    afterAll(() => h.close());

    it('serves a mixed-case email from Salesforce lower-cased and finds it by any case', async () => {
      const userId = String(h.sandbox.store.all('User')[0]!.values.Id);
      const rec = h.sandbox.store.create('Contact', { LastName: 'Noether', FirstName: 'Emmy', Email: 'Emmy.NOETHER@Example.com' }, userId);
      const res = await h.gql<{ contactByEmail: Record<string, unknown> }>('{ contactByEmail(email: "emmy.noether@EXAMPLE.com") { id email name createdAt } }');
      expect(res.data?.contactByEmail).toMatchObject({ id: rec.values.Id, email: 'emmy.noether@example.com', name: 'Emmy Noether' });
      expect(res.data?.contactByEmail.createdAt).toBe(new Date(Number(rec.values.CreatedDate)).toISOString());
    });
  });
});
