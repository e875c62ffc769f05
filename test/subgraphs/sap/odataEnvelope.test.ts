/**
 * OData V2 JSON envelopes from the upstream (untrusted): collections, entities, counts, paging
 * links, expanded navigations; malformed answers become UPSTREAM_UNAVAILABLE.
 */
import { expandedList, metadataEtag, parseCollection, parseEntity } from '../../../subgraphs/sap/odataEnvelope';

const malformed = expect.objectContaining({ extensions: expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', system: 'sap' }) });

describe('OData V2 envelopes', () => {
  it('reads d.results, the string __count and __next', () => {
    expect(parseCollection('{"d":{"results":[{"SalesOrder":"1"}],"__count":"42","__next":"http://x/A?$skiptoken=1"}}', 'op')).toEqual({
      results: [{ SalesOrder: '1' }], count: 42, next: 'http://x/A?$skiptoken=1',
    });
    expect(parseCollection('{"d":[{"a":1}]}', 'op')).toEqual({ results: [{ a: 1 }], count: undefined, next: undefined });
  });

  it('reads a single entity and its ETag', () => {
    const rec = parseEntity('{"d":{"__metadata":{"etag":"W/\\"x\\""},"SalesOrder":"1"}}', 'op');
    expect(metadataEtag(rec)).toBe('W/"x"');
    expect(metadataEtag({ __metadata: { etag: 5 } })).toBeUndefined();
  });

  it('reads expanded navigations in both forms and ignores deferred ones', () => {
    expect(expandedList({ to_Item: { results: [{ a: 1 }, 'junk'] } }, 'to_Item')).toEqual([{ a: 1 }]);
    expect(expandedList({ to_Item: [{ a: 1 }] }, 'to_Item')).toEqual([{ a: 1 }]);
    expect(expandedList({ to_Item: { __deferred: { uri: 'x' } } }, 'to_Item')).toBeUndefined();
  });

  it('ignores a count that is not a number', () => {
    expect(parseCollection('{"d":{"results":[],"__count":"1e99"}}', 'op').count).toBeUndefined();
  });

  it.each(['', 'not json', '<feed/>', 'null', '{"results":[]}', '{"d":{"results":{}}}', '{"d":{"results":[1,2]}}', '{"d":{"results":[null]}}'])(
    'refuses %j as a collection', (raw) => {
      expect(() => parseCollection(raw, 'op')).toThrow(malformed);
    });

  it.each(['{"d":[]}', '{"d":"x"}', '{"d":null}'])('refuses %j as an entity', (raw) => {
    expect(() => parseEntity(raw, 'op')).toThrow(malformed);
  });
});
