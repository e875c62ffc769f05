/**
 * Relay connections and opaque cursors shared by the subgraphs. A cursor is base64url of
 * `<kind>:<payload>`; decoding checks the kind so a cursor from one list is refused by another.
 */
import { badUserInput, type SystemName } from './subgraphErrors';

export function encodeCursor(kind: string, payload: string): string {
  return Buffer.from(`${kind}:${payload}`, 'utf8').toString('base64url');
}

/** The cursor's payload, or a BAD_USER_INPUT error naming `after`. */
export function decodeCursor(system: SystemName, kind: string, cursor: string): string {
  const text = /^[A-Za-z0-9_-]{1,2048}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!text.startsWith(`${kind}:`)) throw badUserInput(system, 'after', 'after is not a cursor from this list');
  return text.slice(kind.length + 1);
}

/** An offset cursor (for systems that page with `$skip`/`$top`). */
export function decodeOffsetCursor(system: SystemName, kind: string, cursor: string | null | undefined): number {
  if (cursor === null || cursor === undefined) return 0;
  const payload = decodeCursor(system, kind, cursor);
  const n = Number(payload);
  if (!/^\d{1,9}$/.test(payload) || !Number.isSafeInteger(n)) throw badUserInput(system, 'after', 'after is not a cursor from this list');
  return n + 1;
}

/** Validates `first` against 1..max (BAD_USER_INPUT naming the argument otherwise). */
export function checkFirst(system: SystemName, first: number | null | undefined, fallback: number, max: number): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max) throw badUserInput(system, 'first', `first must be an integer from 1 to ${max}`);
  return n;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount?: number;
}

export interface ConnectionOptions<T> {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  cursorOf: (node: T, index: number) => string;
  totalCount?: number;
}

export function buildConnection<T>(nodes: T[], opts: ConnectionOptions<T>): Connection<T> {
  const edges = nodes.map((node, i) => ({ cursor: opts.cursorOf(node, i), node }));
  const connection: Connection<T> = {
    edges,
    nodes,
    pageInfo: {
      hasNextPage: opts.hasNextPage,
      hasPreviousPage: opts.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
  if (opts.totalCount !== undefined) connection.totalCount = opts.totalCount;
  return connection;
}
