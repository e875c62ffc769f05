/**
 * The canonical graph's SDL, one entry per subgraph. A subgraph's SDL is its own file followed by
 * `shared.graphql` (scalars and value types every subgraph declares identically).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SUBGRAPH_NAMES = ['salesforce', 'sap', 'teams'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

/** The directory holding the `.graphql` files. @default this file's directory */
export const SCHEMA_DIR = __dirname;

/** Returns the full SDL of one subgraph (its file plus the shared definitions). */
export function subgraphSdl(name: SubgraphName, dir: string = SCHEMA_DIR): string {
  const own = readFileSync(join(dir, `${name}.graphql`), 'utf8');
  const shared = readFileSync(join(dir, 'shared.graphql'), 'utf8');
  return `${own}\n${shared}`;
}

export function isSubgraphName(s: string): s is SubgraphName {
  return (SUBGRAPH_NAMES as readonly string[]).includes(s);
}
