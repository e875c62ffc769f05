/**
 * Composes the bench subgraphs into a Federation 2 supergraph with `@apollo/composition`, using the
 * URLs the subgraph host actually listens on. Every gateway of the bench serves this one file.
 */
import { composeServices } from '@apollo/composition';
import { parse, type GraphQLSchema } from 'graphql';
import { BENCH_SUBGRAPHS, BENCH_SUBGRAPH_NAMES, type BenchSubgraphName } from './benchSubgraphSchemas';

export interface BenchSupergraph {
  /** The supergraph SDL (with `join__graph` URLs). */
  sdl: string;
  /** The API schema clients see (no federation directives). */
  apiSchema: GraphQLSchema;
}

export function composeBenchSupergraph(urls: Record<BenchSubgraphName, string>): BenchSupergraph {
  const result = composeServices(BENCH_SUBGRAPH_NAMES.map((name) => ({
    name,
    url: urls[name],
    typeDefs: parse(BENCH_SUBGRAPHS[name].typeDefs),
  })));
  if (result.errors) throw new Error(`bench supergraph does not compose:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  return { sdl: result.supergraphSdl, apiSchema: result.schema.toAPISchema().toGraphQLJSSchema() };
}

