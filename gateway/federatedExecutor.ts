/**
 * The gateway's own federated executor. Supergraph loading and query planning stay Apollo's
 * (`Supergraph.build`, `QueryPlanner` from `@apollo/query-planner`); executing the plan
 * (`planExecutor.ts`), calling subgraphs (`subgraphClient.ts`) and shaping the response
 * (`responseShaper.ts`) are ours. Everything an operation needs before its first fetch is prepared
 * once and cached: the parsed and validated document, its plan, and its compiled response shaper.
 * `prepareSource` keys that cache by the operation text, so a repeated or persisted operation is
 * neither parsed nor validated again (`stats()` counts both to prove it).
 *
 * `@authenticated` and `@requiresScopes` are enforced here (`fieldAuthorization.ts`): the supergraph may
 * link them, and a request's `caller` decides which fields it gets; prepared operations stay
 * caller-independent.
 */
import { createHash } from 'node:crypto';
import { Supergraph, operationFromDocument } from '@apollo/federation-internals';
import { QueryPlanner, type PlanNode, type QueryPlan, type SubscriptionNode } from '@apollo/query-planner';
import {
  GraphQLError, Kind, NoSchemaIntrospectionCustomRule, getOperationAST, parse, specifiedRules, validate,
  type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode,
} from 'graphql';
import { LRUCache } from 'lru-cache';
import { conditionVariableNames, variableDefaults, variableErrors } from './operationVariables';
import { runPlan, runSubscriptionEvent, type PlanRun } from './planExecutor';
import { compileShaper, type ExecutionErrorOut, type Shaper } from './responseShaper';
import { accessSites, readAuthRequirements, type AccessCaller } from './authRequirements';
import { SUPPORTED_SUPERGRAPH_FEATURES } from './supergraphFeatures';
import { UNAUTHORIZED_CODE, operationAccess, subscriptionRefusal, variantFor, type AccessVariant, type OperationAccess } from './fieldAuthorization';
import { checkOperationLimits, parseWithLimits, type OperationLimits } from './operationLimits';
import { createSubgraphClient, type SubgraphClient, type SubgraphClientOptions, type SubgraphResponse } from './subgraphClient';

export interface FederatedExecutorOptions {
  /** Token, depth, alias, root-field, directive and cost limits, checked once per prepared text. @default none */
  limits?: OperationLimits;
  /** Hears of every subgraph HTTP exchange (metrics). @default none */
  onFetch?: SubgraphClientOptions['onFetch'];
  /** Spans per subgraph exchange. @default none (the request's traceparent is forwarded as is) */
  tracing?: SubgraphClientOptions['tracing'];
  /** A composed Federation 2 supergraph. */
  supergraphSdl: string;
  /** Replaces a subgraph's URL from the supergraph, by subgraph name. @default {} */
  subgraphUrls?: Record<string, string>;
  /** Share identical in-flight subgraph query fetches. @default true */
  dedupe?: boolean;
  /** Per subgraph exchange. @default 15_000 */
  timeoutMs?: number;
  /** Prepared operations kept (LRU). @default 2_000 */
  maxOperations?: number;
  /** Allow `__schema`/`__type` (validation refuses them otherwise, as Apollo Server does). @default true */
  introspection?: boolean;
}

export interface PreparedOperation {
  /** The plan from `@apollo/query-planner`, exactly as executed. */
  plan: QueryPlan;
  kind: 'query' | 'mutation' | 'subscription';
  operationName: string | null;
  operation: OperationDefinitionNode;
  document: DocumentNode;
  /** @internal compiled shapers per `@skip`/`@include` variable values */
  shapers: Map<string, Shaper>;
  conditionNames: string[];
  defaults: Record<string, unknown>;
  /** @internal the fields with an `@authenticated`/`@requiresScopes` requirement, and the variants run for callers denied some */
  access: OperationAccess;
}

export interface ExecuteRequest {
  variables?: Record<string, unknown> | null;
  /** Headers sent with every subgraph fetch (request id, tenant). @default {} */
  headers?: Record<string, string>;
  /** Tenant and caller part of the in-flight dedupe key. @default '' */
  shareKey?: string;
  /** Sees every subgraph answer (cache tags and policies). */
  observe?: (service: string, res: SubgraphResponse, body: Record<string, unknown>) => void;
  /** Who asks: fields it may not see are null with an UNAUTHORIZED error and never fetched. @default anonymous */
  caller?: AccessCaller;
}

/** How an operation runs for one caller (see `FederatedExecutor.access`). */
export interface OperationAccessDecision {
  /** '' when the caller may see every field; else identifies the fields denied (part of any key that shares results). */
  key: string;
  /** The plan to run for this caller (a subscription's upstream primary fetch comes from it). */
  plan: QueryPlan;
  /** Set for a subscription whose root field the caller may not see: refuse it with these errors. */
  refused?: ExecutionErrorOut[];
}

export interface ExecuteResult {
  data?: Record<string, unknown> | null;
  errors?: ExecutionErrorOut[];
}

/** The operation cannot be run: parse, validation or operation-selection errors, with codes. */
export class OperationError extends Error {
  constructor(readonly errors: ExecutionErrorOut[]) {
    super(errors[0]?.message ?? 'invalid operation');
    this.name = 'OperationError';
  }
}

export interface FederatedExecutor {
  readonly apiSchema: GraphQLSchema;
  /** sha256 of the supergraph SDL: part of response-cache keys, so a new graph never serves old entries. */
  readonly supergraphHash: string;
  /** Subgraph name -> URL used. */
  readonly subgraphUrls: Record<string, string>;
  prepare(document: DocumentNode, operationName?: string | null): PreparedOperation;
  /** Parses, validates and plans `source` once; later calls with the same text reuse it. */
  prepareSource(source: string, operationName?: string | null): PreparedOperation;
  execute(prepared: PreparedOperation, req?: ExecuteRequest): Promise<ExecuteResult>;
  /** Which fields of `prepared` the caller may not see, and the plan it runs (cached; cheap per request). */
  access(prepared: PreparedOperation, caller: AccessCaller | undefined): OperationAccessDecision;
  /** The request's variables checked against the operation: coded errors, or undefined when valid. */
  checkVariables(prepared: PreparedOperation, variables: Record<string, unknown>): ExecutionErrorOut[] | undefined;
  /** Resolves one event of a subscription: `payload` is the owning subgraph's answer to the plan's primary fetch. */
  executeSubscriptionEvent(prepared: PreparedOperation, payload: Record<string, unknown>, req?: ExecuteRequest): Promise<ExecuteResult>;
  stats(): { parses: number; validations: number; plans: number; preparedHits: number; subgraphRequests: number; sharedFetches: number };
  close(): Promise<void>;
}

function isPrefix(a: ReadonlyArray<string | number>, b: ReadonlyArray<string | number>): boolean {
  return a.length <= b.length && a.every((k, i) => k === b[i]);
}

/**
 * Whether a subgraph error already explains a null found while shaping at `path`: one without a path
 * (the whole fetch failed), or one at, above or below that path. Stock `executeQueryPlan` drops all
 * shaping errors once a fetch failed and hides the others in `extensions.valueCompletion`; we report
 * those not explained already (an intended difference, see test/differential/intendedDifferences.ts).
 */
function coveredBy(fetchErrors: ExecutionErrorOut[], path: ReadonlyArray<string | number>): boolean {
  return fetchErrors.some((e) => !e.path || isPrefix(e.path, path) || isPrefix(path, e.path));
}

/**
 * Whether a plan passes `@context` values to a subgraph (`contextRewrites`): refused rather than run
 * wrong. A guard only: `Supergraph.build` already refuses supergraphs linking the context spec
 * (UNSUPPORTED_LINKED_FEATURE), as it does for the stock gateway.
 */
function usesContextRewrites(node: PlanNode | SubscriptionNode | undefined): boolean {
  if (!node) return false;
  switch (node.kind) {
    case 'Fetch': return (node.contextRewrites?.length ?? 0) > 0;
    case 'Sequence': case 'Parallel': return node.nodes.some(usesContextRewrites);
    case 'Flatten': return usesContextRewrites(node.node);
    case 'Condition': return usesContextRewrites(node.ifClause) || usesContextRewrites(node.elseClause);
    case 'Subscription': return usesContextRewrites(node.primary) || usesContextRewrites(node.rest);
    case 'Defer': return usesContextRewrites(node.primary.node) || node.deferred.some((d) => usesContextRewrites(d.node));
  }
}

function fail(message: string, code: string): OperationError {
  return new OperationError([{ message, extensions: { code } }]);
}

export function createFederatedExecutor(opts: FederatedExecutorOptions): FederatedExecutor {
  // @authenticated/@requiresScopes are allowed because they are enforced below; context/v0.1 stays refused.
  const supergraph = Supergraph.build(opts.supergraphSdl, { supportedFeatures: new Set(SUPPORTED_SUPERGRAPH_FEATURES) });
  const requirements = readAuthRequirements(supergraph);
  const api = supergraph.apiSchema();
  const apiSchema = api.toGraphQLJSSchema();
  const planner = new QueryPlanner(supergraph);
  const subgraphUrls: Record<string, string> = {};
  for (const sg of supergraph.subgraphs()) subgraphUrls[sg.name] = opts.subgraphUrls?.[sg.name] ?? sg.url;
  const client: SubgraphClient = createSubgraphClient({ urls: subgraphUrls, dedupe: opts.dedupe, timeoutMs: opts.timeoutMs, onFetch: opts.onFetch, tracing: opts.tracing });
  const cache = new LRUCache<string, PreparedOperation>({ max: opts.maxOperations ?? 2_000 });
  const counts = { parses: 0, validations: 0, plans: 0, preparedHits: 0 };
  const rules = opts.introspection === false ? [...specifiedRules, NoSchemaIntrospectionCustomRule] : specifiedRules;

  const prepare = (document: DocumentNode, operationName?: string | null): PreparedOperation => {
    // Limits before validation: validation is the expensive step on a hostile document.
    const overLimits = opts.limits ? checkOperationLimits(apiSchema, document, operationName ?? null, opts.limits) : [];
    if (overLimits.length > 0) throw new OperationError(overLimits.map((e) => ({ message: e.message, extensions: e.extensions })));
    counts.validations += 1;
    const errors = validate(apiSchema, document, rules);
    if (errors.length > 0) throw new OperationError(errors.map((e) => ({ message: e.message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })));
    const operation = getOperationAST(document, operationName ?? undefined);
    if (!operation) {
      throw operationName ? fail(`Unknown operation named "${operationName}".`, 'OPERATION_RESOLUTION_FAILURE')
        : fail('Must provide operation name if query contains multiple operations.', 'OPERATION_RESOLUTION_FAILURE');
    }
    const plan = planDocument(document, operation.name?.value);
    return {
      plan, kind: operation.operation, operationName: operation.name?.value ?? null, operation, document,
      shapers: new Map(), conditionNames: conditionVariableNames(document), defaults: variableDefaults(operation),
      access: operationAccess(document, accessSites(apiSchema, requirements, document, operation)),
    };
  };

  const planDocument = (document: DocumentNode, operationName: string | undefined): QueryPlan => {
    let plan: QueryPlan;
    try {
      plan = planner.buildQueryPlan(operationFromDocument(api, document, { operationName, validate: false }));
    } catch (err) {
      if (err instanceof GraphQLError) throw new OperationError([{ message: err.message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }]);
      throw err;
    }
    counts.plans += 1;
    if (usesContextRewrites(plan.node)) {
      throw fail('This operation needs @fromContext values, which this gateway does not execute yet', 'OPERATION_NOT_SUPPORTED');
    }
    return plan;
  };

  const variantOf = (p: PreparedOperation, caller: AccessCaller | undefined): AccessVariant | null =>
    // A subscription with a denied root field is refused, never run: its variant is not planned.
    variantFor(p.access, caller, (doc, roots) => (p.kind === 'subscription' && roots.length > 0 ? p.plan : planDocument(doc, p.operationName ?? undefined)));

  const access = (p: PreparedOperation, caller: AccessCaller | undefined): OperationAccessDecision => {
    const v = variantOf(p, caller);
    if (!v) return { key: '', plan: p.plan };
    const refused = p.kind === 'subscription' ? subscriptionRefusal(v) : undefined;
    return refused ? { key: v.key, plan: v.plan, refused } : { key: v.key, plan: v.plan };
  };

  const prepareSource = (source: string, operationName?: string | null): PreparedOperation => {
    const key = `${operationName ?? ''}\u0000${source}`;
    // A document prepared without a name serves requests naming its one operation too.
    const hit = cache.get(key) ?? (operationName ? cache.get(`\u0000${source}`) : undefined);
    if (hit && (!operationName || hit.operationName === operationName)) {
      counts.preparedHits += 1;
      return hit;
    }
    let document: DocumentNode;
    try {
      counts.parses += 1;
      document = opts.limits ? parseWithLimits(source, opts.limits) : parse(source, { maxTokens: 50_000 });
    } catch (err) {
      const code = err instanceof GraphQLError && typeof err.extensions.code === 'string' ? err.extensions.code : 'GRAPHQL_PARSE_FAILED';
      throw fail(err instanceof GraphQLError ? err.message : 'Syntax Error', code);
    }
    const prepared = prepare(document, operationName);
    cache.set(key, prepared);
    return prepared;
  };

  const shaperFor = (p: PreparedOperation, withDefaults: Record<string, unknown>, v: AccessVariant | null): Shaper => {
    const key = p.conditionNames.map((n) => String(withDefaults[n])).join(',');
    const shapers = v ? v.shapers : p.shapers;
    let s = shapers.get(key);
    if (!s) {
      const fragments: Record<string, FragmentDefinitionNode> = {};
      for (const d of p.document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
      s = compileShaper({ schema: apiSchema, document: p.document, operation: p.operation, fragments }, withDefaults, v?.denied);
      shapers.set(key, s);
    }
    return s;
  };

  const newRun = (p: PreparedOperation, req: ExecuteRequest, withDefaults: Record<string, unknown>): PlanRun => ({
    schema: apiSchema, client, variables: req.variables ?? {}, conditionVariables: withDefaults,
    headers: { 'content-type': 'application/json', ...req.headers },
    shareKey: p.kind === 'mutation' ? undefined : req.shareKey ?? '',
    data: {}, errors: [], observe: req.observe,
  });

  /** Runs `steps` (with the plan this caller runs) on a fresh run of `p`, then shapes the response. */
  const complete = async (p: PreparedOperation, req: ExecuteRequest, steps: (run: PlanRun, plan: QueryPlan) => Promise<void>): Promise<ExecuteResult> => {
    const variables = req.variables ?? {};
    const badVariables = variableErrors(apiSchema, p.operation, variables);
    if (badVariables) return { errors: badVariables };
    const variant = variantOf(p, req.caller);
    const withDefaults = p.conditionNames.length > 0 || p.plan.node ? { ...p.defaults, ...variables } : variables;
    const run = newRun(p, req, withDefaults);
    try {
      await steps(run, variant ? variant.plan : p.plan);
    } catch (err) {
      if (err instanceof GraphQLError) return { errors: [{ message: err.message, extensions: { ...err.extensions } }] };
      throw err;
    }
    let shaped: ReturnType<Shaper>;
    try {
      shaped = shaperFor(p, withDefaults, variant)(run.data, withDefaults);
    } catch (err) {
      // A subgraph answer of the wrong shape (a scalar for a list or an object): no data, as stock.
      const out: ExecutionErrorOut = { message: err instanceof Error ? err.message : String(err) };
      Object.defineProperty(out, 'originalError', { value: err, enumerable: false });
      return { errors: [...run.errors, out] };
    }
    const errors = run.errors.concat(shaped.errors.filter((e) => e.extensions?.code === UNAUTHORIZED_CODE || !coveredBy(run.errors, e.path ?? [])));
    return errors.length > 0 ? { errors, data: shaped.data } : { data: shaped.data };
  };

  const execute = (p: PreparedOperation, req: ExecuteRequest = {}): Promise<ExecuteResult> => complete(p, req, (run, plan) => runPlan(run, plan));

  /** `payload` must answer the primary fetch of `access(p, req.caller).plan` (the caller's plan). */
  const executeSubscriptionEvent = (p: PreparedOperation, payload: Record<string, unknown>, req: ExecuteRequest = {}): Promise<ExecuteResult> => {
    if (p.plan.node?.kind !== 'Subscription') return Promise.reject(new Error('not a subscription plan'));
    return complete(p, req, (run, plan) => {
      if (plan.node?.kind !== 'Subscription') throw new Error('not a subscription plan');
      return runSubscriptionEvent(run, plan.node, payload);
    });
  };

  return {
    apiSchema,
    supergraphHash: createHash('sha256').update(opts.supergraphSdl).digest('hex'),
    subgraphUrls,
    prepare: (document, operationName) => prepare(document, operationName),
    prepareSource,
    execute,
    access,
    executeSubscriptionEvent,
    checkVariables: (p, variables) => variableErrors(apiSchema, p.operation, variables),
    stats: () => ({ ...counts, subgraphRequests: client.stats().sent, sharedFetches: client.stats().shared }),
    close: () => client.close(),
  };
}
