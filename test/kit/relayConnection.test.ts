import { GraphQLError } from 'graphql';
import { buildConnection, checkFirst, decodeCursor, decodeOffsetCursor, encodeCursor } from '../../subgraphs/kit/relayConnection';

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return (err as GraphQLError).extensions.code;
  }
  return 'no error';
}

describe('relay connections', () => {
  it('round-trips cursors of one kind and refuses another kind or garbage', () => {
    const c = encodeCursor('contacts', '003xx');
    expect(decodeCursor('salesforce', 'contacts', c)).toBe('003xx');
    expect(codeOf(() => decodeCursor('salesforce', 'orders', c))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => decodeCursor('salesforce', 'contacts', 'not a cursor!'))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => decodeCursor('salesforce', 'contacts', 'x'.repeat(5000)))).toBe('BAD_USER_INPUT');
  });

  it('turns an offset cursor into the next offset', () => {
    expect(decodeOffsetCursor('sap', 'orders', undefined)).toBe(0);
    expect(decodeOffsetCursor('sap', 'orders', encodeCursor('orders', '9'))).toBe(10);
    expect(codeOf(() => decodeOffsetCursor('sap', 'orders', encodeCursor('orders', '-1')))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => decodeOffsetCursor('sap', 'orders', encodeCursor('orders', '1e9')))).toBe('BAD_USER_INPUT');
  });

  it('checks first against its range', () => {
    expect(checkFirst('sap', undefined, 20, 100)).toBe(20);
    expect(checkFirst('sap', 100, 20, 100)).toBe(100);
    expect(codeOf(() => checkFirst('sap', 0, 20, 100))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => checkFirst('sap', 101, 20, 100))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => checkFirst('sap', 1.5, 20, 100))).toBe('BAD_USER_INPUT');
  });

  it('builds edges, nodes and pageInfo', () => {
    const conn = buildConnection(['a', 'b'], { hasNextPage: true, hasPreviousPage: false, cursorOf: (n) => `c-${n}`, totalCount: 7 });
    expect(conn).toEqual({
      edges: [{ cursor: 'c-a', node: 'a' }, { cursor: 'c-b', node: 'b' }], nodes: ['a', 'b'],
      pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: 'c-a', endCursor: 'c-b' }, totalCount: 7,
    });
    expect(buildConnection([], { hasNextPage: false, hasPreviousPage: true, cursorOf: () => 'x' }).pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null });
  });
});
