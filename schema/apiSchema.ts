/**
 * The federated graph's API schema: what a client of the gateway (the AI core) can query. The
 * subgraphs' SDL (`subgraphSchemas.ts`) is composed with `@apollo/composition`, exactly as
 * `npm run compose` does, and the supergraph's API schema is taken from it (federation directives,
 * `join__*` and `link__*` definitions removed).
 *
 * `codegen.ts` hands `apiSchemaSdl()` to GraphQL Code Generator as the schema of the AI core's
 * operations (`schema/operations/`), so they are typed and checked against what the gateway serves.
 * Nothing is composed at import; the first call composes (about a tenth of a second) and caches.
 */
import { composeServices } from '@apollo/composition';
import { buildSchema, parse, printSchema, type GraphQLSchema } from 'graphql';
import { SCHEMA_DIR, SUBGRAPH_NAMES, subgraphSdl } from './subgraphSchemas';

/** Composition needs a URL per subgraph; the API schema does not depend on it. */
const PLACEHOLDER_URL = 'http://127.0.0.1/graphql';

/** Composes the subgraphs in `dir` and returns the API schema's SDL; throws listing every composition error. */
export function composeApiSchemaSdl(dir: string = SCHEMA_DIR): string {
  const services = SUBGRAPH_NAMES.map((name) => ({ name, url: PLACEHOLDER_URL, typeDefs: parse(subgraphSdl(name, dir)) }));
  const result = composeServices(services);
  if (result.errors) {
    throw new Error(`the subgraphs in ${dir} do not compose:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
  return `${printSchema(result.schema.toAPISchema().toGraphQLJSSchema())}\n`;
}

let cachedSdl: string | undefined;

/** The API schema's SDL for the canonical `schema/` folder (composed once per process). */
export function apiSchemaSdl(): string {
  cachedSdl ??= composeApiSchemaSdl();
  return cachedSdl;
}

/** The API schema as a graphql-js schema, e.g. to validate operations against it. */
export function apiSchema(): GraphQLSchema {
  return buildSchema(apiSchemaSdl());
}
