/**
 * The reference side of the differential suite: the stock `executeQueryPlan` of `@apollo/gateway`
 * 2.14.4, wired the way `ApolloGateway` wires it (one `RemoteGraphQLDataSource` per subgraph,
 * `buildOperationContext` over the API schema, the supergraph and API schemas from
 * `Supergraph.build`). `prepare` validates against the API schema and plans with
 * `@apollo/query-planner` exactly like `ApolloGateway` does; the harness only uses it when
 * `DIFFERENTIAL_SELF_CHECK=1` (stock on both sides), otherwise stock runs OUR executor's plan.
 */
import { buildOperationContext, executeQueryPlan, RemoteGraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import { operationFromDocument, Supergraph, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type QueryPlan } from '@apollo/query-planner';
import { GraphQLError, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import pino from 'pino';

type GatewayRequestContext = Parameters<typeof executeQueryPlan>[2];
/** What `executeQueryPlan` resolves to (`errors` may hold plain `Error`s, e.g. a fetch failure). */
export type StockResult = Awaited<ReturnType<typeof executeQueryPlan>>;

export interface StockPrepared {
  plan: QueryPlan;
  /** Validation errors, tagged `GRAPHQL_VALIDATION_FAILED` as Apollo Server tags them in front of the gateway. */
  errors?: readonly GraphQLError[];
}

export interface StockExecutor {
  /** The API schema as graphql-js sees it (what clients validate and introspect against). */
  readonly apiGraphQLSchema: GraphQLSchema;
  /** Validation (as Apollo Server does before the gateway) + planning as `ApolloGateway` does it. */
  prepare(document: DocumentNode, operationName?: string): StockPrepared;
  /** Runs `plan` with the stock `executeQueryPlan`. */
  run(plan: QueryPlan, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>): Promise<StockResult>;
}

const silentLogger = pino({ level: 'silent' });

function requestContext(document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>, schema: GraphQLSchema): GatewayRequestContext {
  const minimal = {
    request: { variables, operationName },
    context: {},
    metrics: {},
    logger: silentLogger,
    schema,
    document,
    operationName: operationName ?? null,
    cache: undefined,
    overallCachePolicy: undefined,
  };
  return minimal as unknown as GatewayRequestContext;
}

/** Builds the stock side for one composed supergraph; `subgraphUrls` maps subgraph name to URL. */
export function createStockExecutor(supergraphSdl: string, subgraphUrls: Record<string, string>): StockExecutor {
  const supergraph = Supergraph.build(supergraphSdl);
  const supergraphSchema = supergraph.schema.toGraphQLJSSchema();
  const apiSchema: Schema = supergraph.apiSchema();
  const apiGraphQLSchema = apiSchema.toGraphQLJSSchema();
  const serviceMap: ServiceMap = Object.create(null) as ServiceMap;
  for (const [name, url] of Object.entries(subgraphUrls)) serviceMap[name] = new RemoteGraphQLDataSource({ url });
  let planner: QueryPlanner | undefined;
  return {
    apiGraphQLSchema,
    prepare(document, operationName) {
      const errors = validate(apiGraphQLSchema, document).map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
      planner ??= new QueryPlanner(supergraph);
      if (errors.length) return { plan: { kind: 'QueryPlan', node: undefined }, errors };
      return { plan: planner.buildQueryPlan(operationFromDocument(apiSchema, document, operationName ? { operationName } : {})) };
    },
    run(plan, document, operationName, variables) {
      const operationContext = buildOperationContext({ schema: apiGraphQLSchema, operationDocument: document, operationName });
      const ctx = requestContext(document, operationName, variables, apiGraphQLSchema);
      return executeQueryPlan(plan, serviceMap, ctx, operationContext, supergraphSchema, apiSchema);
    },
  };
}
