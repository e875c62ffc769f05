/**
 * OData URL building: literal escaping, key validation, query encoding and URL-length chunking.
 */
import {
  alphaOut, checkBusinessPartnerId, checkSalesOrderId, chunkForFilter, dateTimeLiteral, encodeQueryValue, normalizeEmail,
  orFilter, parseBusinessPartnerId, parseSalesOrderId, queryString, stringLiteral,
} from '../../../subgraphs/sap/odataUrl';

describe('OData literals', () => {
  it('doubles single quotes inside string literals', () => {
    expect(stringLiteral("it's")).toBe("'it''s'");
    expect(stringLiteral("1' or SoldToParty ne '")).toBe("'1'' or SoldToParty ne '''");
    expect(stringLiteral('')).toBe("''");
  });

  it('writes Edm.DateTime literals in UTC without an offset', () => {
    expect(dateTimeLiteral('2024-01-20T00:00:00.000Z')).toBe("datetime'2024-01-20T00:00:00'");
    expect(dateTimeLiteral('2024-01-20T10:30:00.250+02:00')).toBe("datetime'2024-01-20T08:30:00.250'");
    expect(() => dateTimeLiteral('yesterday')).toThrow();
  });

  it('builds parenthesised or-chains that can be AND-ed', () => {
    expect(orFilter('SalesOrder', ['1'])).toBe("SalesOrder eq '1'");
    expect(orFilter('SalesOrder', ['1', '2'])).toBe("(SalesOrder eq '1' or SalesOrder eq '2')");
  });
});

describe('key validation', () => {
  it('accepts sales order numbers of up to 10 digits in external (ALPHA) form', () => {
    expect(parseSalesOrderId('0000000042')).toBe('42');
    expect(parseSalesOrderId('0')).toBe('0');
    for (const bad of ['', '12345678901', 'abc', '1 ', "1'", '-1', '１']) expect(parseSalesOrderId(bad)).toBeNull();
    expect(() => checkSalesOrderId('x', 'id')).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'id' }) }));
  });

  it('accepts business partner numbers of up to 10 letters or digits', () => {
    expect(parseBusinessPartnerId('1000001')).toBe('1000001');
    expect(parseBusinessPartnerId('CUST01')).toBe('CUST01');
    expect(alphaOut('0017100001')).toBe('17100001');
    for (const bad of ['', 'ABCDEFGHIJK', 'A-1', "1' or 'a"]) expect(parseBusinessPartnerId(bad)).toBeNull();
    expect(() => checkBusinessPartnerId('a b', 'filter.soldToParty')).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ field: 'filter.soldToParty' }) }));
  });

  it('normalises emails and refuses what SAP cannot store', () => {
    expect(normalizeEmail('  Jane.Doe@Example.COM ')).toBe('jane.doe@example.com');
    expect(normalizeEmail("o'brien@example.com")).toBe("o'brien@example.com");
    for (const bad of ['', 'no-at-sign', `${'a'.repeat(240)}@x.y`, 'a\nb@x.y', 'a\u0000@x.y']) expect(normalizeEmail(bad)).toBeNull();
  });
});

describe('query strings', () => {
  it('percent-encodes values (spaces, quotes stay literal, & # + % encoded) and drops undefined options', () => {
    expect(queryString({ $filter: "EmailAddress eq 'a+b&c#d%e@x.y'", $top: 3, $skip: undefined }))
      .toBe("?$filter=EmailAddress%20eq%20'a%2Bb%26c%23d%25e%40x.y'&$top=3");
    expect(queryString({})).toBe('');
    expect(encodeQueryValue('to_Item/Material,SalesOrder')).toBe('to_Item/Material,SalesOrder');
  });

  it('keeps every chunk of an or-filter within the budget and loses no value', () => {
    const values = Array.from({ length: 1000 }, (_, i) => String(1_000_000_000 + i));
    const chunks = chunkForFilter('SalesOrder', values, 2000);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flat()).toEqual(values);
    for (const c of chunks) expect(encodeQueryValue(orFilter('SalesOrder', c)).length).toBeLessThanOrEqual(2000);
  });

  it('puts a single oversized value in a chunk of its own rather than dropping it', () => {
    const huge = "'".repeat(3000);
    expect(chunkForFilter('EmailAddress', ['a', huge, 'b'], 500)).toEqual([['a'], [huge], ['b']]);
  });
});
