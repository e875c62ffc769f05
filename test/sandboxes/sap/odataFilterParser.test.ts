/**
 * `$filter` parsing and evaluation, and the other URI parsers (key predicates, query options).
 */
import { salesOrderItemSet, salesOrderService, salesOrderSet } from '../../../subgraphs/sap/sandbox/salesOrderModel';
import { compileFilter, equalityChain, FilterTypeError } from '../../../subgraphs/sap/sandbox/odataFilterEval';
import { FilterSyntaxError, parseFilter } from '../../../subgraphs/sap/sandbox/odataFilterParser';
import { parseQueryOptions } from '../../../subgraphs/sap/sandbox/odataQueryOptions';
import { parseKeyPredicate, parseResourcePath } from '../../../subgraphs/sap/sandbox/odataUri';
import { ODataError } from '../../../subgraphs/sap/sandbox/sapErrors';
import type { Rec } from '../../../subgraphs/sap/sandbox/edmModel';

const order: Rec = {
  SalesOrder: '9', SoldToParty: '1000001', TotalNetAmount: '1250.50', CreationDate: Date.UTC(2024, 0, 20), LastChangeDateTime: Date.UTC(2024, 0, 20, 10),
  PurchaseOrderByCustomer: "O'Brien PO", OverallSDProcessStatus: 'B', CompleteDeliveryIsDefined: false, SalesGroup: null,
};
const matches = (filter: string, rec: Rec = order): boolean => compileFilter(parseFilter(filter), salesOrderSet)(rec);

describe('$filter parser', () => {
  it('builds flat n-ary and/or nodes with the usual precedence', () => {
    expect(parseFilter("A eq 'x' or B eq 'y' and C eq 'z' or D eq 'w'")).toEqual({
      kind: 'or',
      args: [
        { kind: 'compare', op: 'eq', left: { kind: 'property', name: 'A' }, right: { kind: 'literal', type: 'string', value: 'x' } },
        { kind: 'and', args: [expect.objectContaining({ op: 'eq' }), expect.objectContaining({ op: 'eq' })] },
        expect.objectContaining({ kind: 'compare' }),
      ],
    });
  });

  it('reads every literal form', () => {
    const lit = (src: string): unknown => (parseFilter(`X eq ${src}`) as { right: unknown }).right;
    expect(lit("'it''s'")).toEqual({ kind: 'literal', type: 'string', value: "it's" });
    expect(lit('12')).toEqual({ kind: 'literal', type: 'int', value: 12 });
    expect(lit('12.5M')).toEqual({ kind: 'literal', type: 'decimal', value: 12.5 });
    expect(lit('-3')).toEqual({ kind: 'literal', type: 'int', value: -3 });
    expect(lit('1.5d')).toEqual({ kind: 'literal', type: 'double', value: 1.5 });
    expect(lit('null')).toEqual({ kind: 'literal', type: 'null', value: null });
    expect(lit('true')).toEqual({ kind: 'literal', type: 'boolean', value: true });
    expect(lit("datetime'2024-01-20T00:00:00'")).toEqual({ kind: 'literal', type: 'datetime', value: Date.UTC(2024, 0, 20) });
    expect(lit("datetimeoffset'2024-01-20T01:00:00+01:00'")).toEqual({ kind: 'literal', type: 'datetimeoffset', value: Date.UTC(2024, 0, 20) });
    expect(lit("guid'0A1B2C3D-0000-4000-8000-000000000001'")).toEqual({ kind: 'literal', type: 'guid', value: '0a1b2c3d-0000-4000-8000-000000000001' });
    expect(lit("time'PT10H30M00S'")).toEqual({ kind: 'literal', type: 'time', value: 37_800_000 });
  });

  it.each([
    ["(A eq 'x'", /Expected '\)'/],
    ["A eq 'x')", /Unexpected token/],
    ["A eq 'x", /Unterminated string/],
    ["frobnicate(A) eq 'x'", /Unknown function 'frobnicate'/],
    ['A eq', /Unexpected end/],
    ['A eq eq B', /Unexpected operator/],
    ["datetime'2024-13-45T00:00:00' eq A", /Invalid datetime/],
    ["A eq 'x' # 1", /Invalid token/],
    ['A eq 12abc', /Invalid token/],
    ['', /empty/],
  ])('rejects %p', (src, message) => {
    expect(() => parseFilter(src)).toThrow(FilterSyntaxError);
    expect(() => parseFilter(src)).toThrow(message);
  });

  it('caps nesting depth instead of overflowing the stack', () => {
    const deep = `${'('.repeat(5000)}A eq 'x'${')'.repeat(5000)}`;
    expect(() => parseFilter(deep)).toThrow(/nested deeper/);
    const nots = `${'not '.repeat(5000)}A`;
    expect(() => parseFilter(nots)).toThrow(/nested deeper/);
    expect(() => parseFilter(`${'('.repeat(20)}A eq 'x'${')'.repeat(20)}`)).not.toThrow();
  });
});

describe('$filter evaluation', () => {
  it.each([
    ["SalesOrder eq '9'", true],
    ["SalesOrder lt '10'", true],
    ["SalesOrder gt '10'", false],
    ['TotalNetAmount gt 1000M and TotalNetAmount le 1250.5M', true],
    ['TotalNetAmount ge 1250.51M', false],
    ["CreationDate eq datetime'2024-01-20T00:00:00'", true],
    ["LastChangeDateTime lt datetimeoffset'2024-01-20T09:59:59Z'", false],
    ["substringof('Brien', PurchaseOrderByCustomer)", true],
    ["startswith(PurchaseOrderByCustomer, 'O''B')", true],
    ["endswith(tolower(PurchaseOrderByCustomer), 'po')", true],
    ["toupper(OverallSDProcessStatus) eq 'B' and not (OverallSDProcessStatus eq 'C')", true],
    ['SalesGroup eq null', true],
    ['SalesGroup ne null', false],
    ['CompleteDeliveryIsDefined eq false', true],
    ['length(PurchaseOrderByCustomer) eq 10 and year(CreationDate) eq 2024', true],
    ["SoldToParty eq '01000001'", true],
  ])('%s → %p', (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  it('rejects unknown properties and type mismatches', () => {
    expect(() => compileFilter(parseFilter("Nope eq 'x'"), salesOrderSet)).toThrow(FilterTypeError);
    expect(() => compileFilter(parseFilter("to_Item/Material eq 'x'"), salesOrderSet)).toThrow(/navigation/);
    expect(() => compileFilter(parseFilter('SalesOrder eq 5'), salesOrderSet)).toThrow(/incompatible/);
    expect(() => compileFilter(parseFilter('substringof(5, SalesOrder)'), salesOrderSet)).toThrow(/Invalid arguments/);
    expect(() => compileFilter(parseFilter('SalesOrder'), salesOrderSet)).toThrow(/cannot be used as a condition/);
  });

  it('recognises eq/or chains on one property for index lookups', () => {
    expect(equalityChain(parseFilter("SoldToParty eq '1' or SoldToParty eq '002'"), salesOrderSet)).toEqual({ prop: 'SoldToParty', values: ['1', '2'] });
    expect(equalityChain(parseFilter("SoldToParty eq '1' or SalesOrder eq '2'"), salesOrderSet)).toBeNull();
    expect(equalityChain(parseFilter("SoldToParty ne '1'"), salesOrderSet)).toBeNull();
  });
});

describe('key predicates and resource paths', () => {
  it('parses single and composite keys with escaped quotes', () => {
    expect(parseKeyPredicate("'1'", salesOrderSet)).toEqual({ SalesOrder: '1' });
    expect(parseKeyPredicate("SalesOrderItem='10',SalesOrder='1'", salesOrderItemSet)).toEqual({ SalesOrder: '1', SalesOrderItem: '10' });
    expect(parseKeyPredicate("'a''b'", salesOrderSet)).toEqual({ SalesOrder: "a'b" });
  });

  it.each(["'1''", '1', "'1',", "SalesOrder='1'", "X='1',SalesOrderItem='10'", "SalesOrder='1',SalesOrder='1'"])('rejects key %p', (text) => {
    const def = text.includes('Item') || text.includes('SalesOrder=') ? salesOrderItemSet : salesOrderSet;
    expect(() => parseKeyPredicate(text, def)).toThrow(ODataError);
  });

  it('resolves navigation, $count, property and $value segments', () => {
    expect(parseResourcePath("/A_SalesOrder('1')/to_Item/$count", salesOrderService)).toMatchObject({ kind: 'resource', count: true, navs: [{ nav: { name: 'to_Item' } }] });
    expect(parseResourcePath("/A_SalesOrder('1')/SoldToParty/$value", salesOrderService)).toMatchObject({ property: 'SoldToParty', value: true });
    expect(parseResourcePath('/A_SalesOrder%28%271%27%29/', salesOrderService)).toMatchObject({ key: { SalesOrder: '1' } });
    expect(() => parseResourcePath('/A_SalesOrder/to_Item', salesOrderService)).toThrow(/key predicate/);
    expect(() => parseResourcePath("/A_SalesOrder('1')/to_Nope", salesOrderService)).toThrow(/Resource not found/);
  });
});

describe('query options', () => {
  const q = (s: string) => parseQueryOptions(new URLSearchParams(s), salesOrderSet, salesOrderService);
  it('parses $select with navigation paths under $expand, $orderby, paging and $inlinecount', () => {
    const o = q('$expand=to_Item&$select=SalesOrder,to_Item/Material&$orderby=SoldToParty desc,SalesOrder&$top=5&$skip=2&$inlinecount=allpages&$format=json');
    expect(o.select.props).toEqual(new Set(['SalesOrder']));
    expect(o.select.navs.get('to_Item')?.props).toEqual(new Set(['Material']));
    expect(o.orderby).toEqual([{ prop: 'SoldToParty', desc: true }, { prop: 'SalesOrder', desc: false }]);
    expect([o.top, o.skip, o.inlinecount, o.format]).toEqual([5, 2, true, 'json']);
  });

  it.each(['$top=-1', '$skip=-5', '$top=99999999999999999999', '$select=to_Item/Material', '$inlinecount=some', '$format=csv', '$search=x', '$skiptoken=abc', '$expand=to_Item/to_SalesOrder/to_Item/to_SalesOrder/to_Item/to_SalesOrder'])('rejects %p', (s) => {
    expect(() => q(s)).toThrow(ODataError);
  });
});
