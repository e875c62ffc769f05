import { idSuffix, makeId, normalizeId, to18 } from '../../../subgraphs/salesforce/sandbox/salesforceIds';

describe('Salesforce record ids', () => {
  it('adds the documented checksum suffix to a 15-character id', () => {
    expect(to18('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC');
    expect(idSuffix('000000000000000')).toBe('AAA');
    expect(idSuffix('ZZZZZZZZZZZZZZZ')).toBe('555');
  });

  it('restores the case of an 18-character id from its suffix', () => {
    expect(normalizeId('001a0000006vm9riac')).toBe('001A0000006Vm9rIAC');
    expect(normalizeId('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC');
  });

  it('rejects malformed ids and suffixes that cannot match', () => {
    expect(normalizeId('001A0000006Vm9')).toBeNull();
    expect(normalizeId('001A0000006Vm9r!!!')).toBeNull();
    expect(normalizeId('0010000000000005AA')).toBeNull();
    expect(normalizeId("001' OR 1=1 --xxxx")).toBeNull();
  });

  it('builds ids with the key prefix and a valid suffix', () => {
    const id = makeId('003', 12345);
    expect(id).toMatch(/^003[A-Za-z0-9]{15}$/);
    expect(to18(id.slice(0, 15))).toBe(id);
    expect(makeId('003', 1)).not.toBe(makeId('003', 2));
  });
});
