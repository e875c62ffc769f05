/**
 * Runs a query plan from `@apollo/query-planner` (Sequence, Parallel, Flatten, Fetch, Condition) over
 * the subgraph client and merges the answers into one data tree, with the semantics of
 * `@apollo/gateway`'s `executeQueryPlan` (checked by the differential suite), and two savings:
 * - identical representations in one entity fetch are sent once and the answer is merged into every
 *   entity that produced them (a product reviewed ten times is resolved once);
 * - the request body is built from strings already made (the operation text is encoded once per plan).
 * Subgraph errors keep their message and extensions (plus `serviceName`, code `DOWNSTREAM_SERVICE_ERROR`
 * when they have none) and get the path of the entity they are about. `@defer` plans and subscriptions
 * are refused with a clear error: the planner here is built without `@defer`.
 */
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { FetchNode, PlanNode, QueryPlan, ResponsePath, SubscriptionNode } from '@apollo/query-planner';
import { applyRewrites, deepMerge, representationWriter, type RepresentationWriter } from './entityRepresentations';
import type { ExecutionErrorOut } from './responseShaper';
import type { SubgraphClient, SubgraphResponse } from './subgraphClient';

type Obj = Record<string, unknown>;

/** What one executed plan needs and collects. */
export interface PlanRun {
  schema: GraphQLSchema;
  client: SubgraphClient;
  /** The request's variables as sent (only those a fetch uses are forwarded). */
  variables: Record<string, unknown>;
  /** The variables with the operation's defaults applied (for Condition nodes). */
  conditionVariables: Record<string, unknown>;
  headers: Record<string, string>;
  /** Set for queries: the part of the dedupe key that is not the body (tenant, identity). */
  shareKey: string | undefined;
  data: Obj;
  errors: ExecutionErrorOut[];
  /** Called with every successful subgraph answer (cache tags, cache policy). */
  observe?: (service: string, res: SubgraphResponse, body: Obj) => void;
}

interface Cursor {
  path: ResponsePath;
  data: unknown;
}

interface CompiledFetch {
  /** `{"query":"...","operationName":"...","variables":` */
  prefix: string;
  /** Set for entity fetches. */
  writeRepresentation?: RepresentationWriter;
}

const compiled = new WeakMap<FetchNode, CompiledFetch>();

function compile(schema: GraphQLSchema, fetch: FetchNode): CompiledFetch {
  let c = compiled.get(fetch);
  if (!c) {
    const name = fetch.operationName === undefined ? '' : `,"operationName":${JSON.stringify(fetch.operationName)}`;
    c = {
      prefix: `{"query":${JSON.stringify(fetch.operation)}${name},"variables":`,
      writeRepresentation: fetch.requires ? representationWriter(schema, fetch.requires, fetch.inputRewrites) : undefined,
    };
    compiled.set(fetch, c);
  }
  return c;
}

export async function runPlan(run: PlanRun, plan: QueryPlan): Promise<void> {
  const node = plan.node;
  if (!node) return;
  if (node.kind === 'Subscription') throw new GraphQLError('Subscriptions are served over graphql-ws, not over this endpoint', { extensions: { code: 'SUBSCRIPTION_NOT_SUPPORTED_HERE' } });
  await executeNode(run, node, { path: [], data: run.data });
}

/**
 * One event of a federated subscription: `payload` is what the owning subgraph sent for the plan's
 * primary fetch (its `data` and `errors`); the rest of the plan then resolves the fields other
 * subgraphs own, exactly as for a query.
 */
export async function runSubscriptionEvent(run: PlanRun, node: SubscriptionNode, payload: Obj): Promise<void> {
  recordErrors(run, node.primary, { path: [], data: run.data }, payload, null);
  deepMerge(run.data, payload.data);
  if (node.rest) await executeNode(run, node.rest, { path: [], data: run.data });
}

async function executeNode(run: PlanRun, node: PlanNode, cursor: Cursor): Promise<void> {
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await executeNode(run, child, cursor);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => executeNode(run, child, cursor)));
      return;
    case 'Flatten': {
      const data = flattenAtPath(cursor.data, node.path);
      if (data) await executeNode(run, node.node, { path: cursor.path.concat(node.path), data });
      return;
    }
    case 'Fetch':
      try {
        await executeFetch(run, node, cursor);
      } catch (err) {
        run.errors.push(asErrorOut(err));
      }
      return;
    case 'Condition': {
      const v = run.conditionVariables[node.condition];
      if (typeof v !== 'boolean') throw new GraphQLError(`Invalid non-boolean value for Boolean! variable $${node.condition}`, { extensions: { code: 'BAD_USER_INPUT' } });
      const branch = v ? node.ifClause : node.elseClause;
      if (branch) await executeNode(run, branch, cursor);
      return;
    }
    case 'Defer':
      throw new GraphQLError('@defer is not supported by this gateway', { extensions: { code: 'DEFER_NOT_SUPPORTED' } });
  }
}

/** A thrown error as a response error: GraphQL errors keep message and extensions, others keep a hidden cause. */
function asErrorOut(err: unknown): ExecutionErrorOut {
  if (err instanceof GraphQLError) {
    const out: ExecutionErrorOut = { message: err.message, extensions: { ...err.extensions } };
    Object.defineProperty(out, 'originalError', { value: err, enumerable: false });
    return out;
  }
  const out: ExecutionErrorOut = { message: err instanceof Error ? err.message : String(err) };
  Object.defineProperty(out, 'originalError', { value: err, enumerable: false });
  return out;
}

/** The values at `path` under `value` (`@` = every element), flattened into one list like the stock gateway's. */
function flattenAtPath(value: unknown, path: ResponsePath): unknown {
  if (path.length === 0 || value === undefined || value === null) return value;
  if (!path.includes('@')) {
    let v: unknown = value;
    for (const key of path) {
      if (v === undefined || v === null) return v;
      if (Array.isArray(v)) throw new Error(`Unexpected array in result for path element ${String(key)}`);
      v = Object.hasOwn(v as Obj, key as string) ? (v as Obj)[key as string] : undefined;
    }
    return v;
  }
  const out: unknown[] = [];
  collectAtPath(value, path, 0, out);
  return out;
}

function collectAtPath(value: unknown, path: ResponsePath, from: number, out: unknown[]): void {
  if (from === path.length) {
    if (Array.isArray(value)) for (const v of value) out.push(v);
    else out.push(value);
    return;
  }
  if (value === undefined || value === null) {
    out.push(value);
    return;
  }
  const head = path[from];
  if (head === '@') {
    for (const v of value as unknown[]) collectAtPath(v, path, from + 1, out);
    return;
  }
  if (Array.isArray(value)) throw new Error(`Unexpected array in result for path element ${String(head)}`);
  const obj = value as Obj;
  collectAtPath(Object.hasOwn(obj, head as string) ? obj[head as string] : undefined, path, from + 1, out);
}

function usedVariables(run: PlanRun, fetch: FetchNode): Obj {
  const vars: Obj = {};
  if (fetch.variableUsages) {
    for (const name of fetch.variableUsages) {
      if (Object.hasOwn(run.variables, name) && run.variables[name] !== undefined) vars[name] = run.variables[name];
    }
  }
  return vars;
}

async function send(run: PlanRun, fetch: FetchNode, variablesJson: string): Promise<Obj> {
  const body = compile(run.schema, fetch).prefix + variablesJson + '}';
  const share = fetch.operationKind === 'query' ? run.shareKey : undefined;
  const res = await run.client.send(fetch.serviceName, body, run.headers, share);
  const parsed: unknown = JSON.parse(res.text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`Expected JSON response body, but received: ${res.text.slice(0, 100)}`);
  run.observe?.(fetch.serviceName, res, parsed as Obj);
  return parsed as Obj;
}

async function executeFetch(run: PlanRun, fetch: FetchNode, cursor: Cursor): Promise<void> {
  const entities: Obj[] = Array.isArray(cursor.data)
    ? (cursor.data as unknown[]).filter((e): e is Obj => e !== null && e !== undefined)
    : [cursor.data as Obj];
  if (entities.length < 1) return;
  const vars = usedVariables(run, fetch);
  if (!fetch.requires) {
    const res = await send(run, fetch, JSON.stringify(vars));
    recordErrors(run, fetch, cursor, res, null);
    const data = res.data;
    if (data) applyRewrites(run.schema, fetch.outputRewrites, data);
    for (const e of entities) deepMerge(e, data);
    return;
  }
  const reps: string[] = [];
  const repIndex = new Map<string, number>();
  const targets: number[][] = [];
  const write = compile(run.schema, fetch).writeRepresentation!;
  for (let i = 0; i < entities.length; i += 1) {
    const json = write(entities[i]);
    if (json === null) continue;
    let idx = repIndex.get(json);
    if (idx === undefined) {
      idx = reps.length;
      reps.push(json);
      repIndex.set(json, idx);
      targets.push([]);
    }
    targets[idx]!.push(i);
  }
  if (reps.length < 1) return;
  if ('representations' in vars) throw new Error('Variables cannot contain key "representations"');
  const rest = JSON.stringify(vars);
  const varsJson = `{"representations":[${reps.join(',')}]${rest.length > 2 ? `,${rest.slice(1)}` : '}'}`;
  const res = await send(run, fetch, varsJson);
  recordErrors(run, fetch, cursor, res, targets);
  const data = res.data as Obj | null | undefined;
  if (!data) return;
  const received = data._entities;
  if (!Array.isArray(received)) throw new Error('Expected "data._entities" in response to be an array');
  if (received.length !== reps.length) throw new Error(`Expected "data._entities" to contain ${reps.length} elements`);
  for (let r = 0; r < reps.length; r += 1) {
    const got = received[r] as Obj | null | undefined;
    const ts = targets[r]!;
    if (got && !got.__typename) got.__typename = entities[ts[0]!]!.__typename;
    applyRewrites(run.schema, fetch.outputRewrites, got);
    for (const t of ts) deepMerge(entities[t]!, got);
  }
}

function recordErrors(run: PlanRun, fetch: FetchNode, cursor: Cursor, res: Obj, targets: number[][] | null): void {
  const errors = res.errors;
  if (!Array.isArray(errors)) return;
  let hydrated: ResponsePath[] | undefined;
  const entityPath = (i: number): ResponsePath => {
    if (!hydrated) {
      hydrated = [];
      hydratePaths([], cursor.path, run.data, hydrated);
    }
    return hydrated[i] ?? [];
  };
  for (const raw of errors as Array<Obj | null>) {
    const e = raw ?? {};
    const message = typeof e.message === 'string' && e.message ? e.message : `Error while fetching subquery from service "${fetch.serviceName}"`;
    const ext = typeof e.extensions === 'object' && e.extensions !== null ? (e.extensions as Obj) : {};
    const extensions = { ...ext, serviceName: fetch.serviceName, code: typeof ext.code === 'string' ? ext.code : 'DOWNSTREAM_SERVICE_ERROR' };
    const path = Array.isArray(e.path) ? (e.path as ResponsePath) : undefined;
    if (targets && path && typeof path[1] === 'number') {
      const ts = targets[path[1]];
      if (!ts) run.errors.push({ message, path: path.slice(2), extensions });
      else for (const t of ts) run.errors.push({ message, path: [...entityPath(t), ...path.slice(2)], extensions });
    } else {
      run.errors.push({ message, ...(path ? { path: [...cursor.path, ...path] } : {}), extensions });
    }
  }
}

/** The response paths of the non-null values at `path` (`@` = every element), in flatten order. */
function hydratePaths(parent: ResponsePath, path: ResponsePath, data: unknown, out: ResponsePath[]): void {
  if (data === null || data === undefined) return;
  const head = path[0];
  if (head === undefined) {
    out.push(parent.slice());
  } else if (head === '@' || Array.isArray(data)) {
    if (!Array.isArray(data)) return;
    const rest = head === '@' ? path.slice(1) : path;
    data.forEach((v, i) => {
      parent.push(i);
      hydratePaths(parent, rest, v, out);
      parent.pop();
    });
  } else {
    const obj = data as Obj;
    if (!Object.hasOwn(obj, head as string)) return;
    parent.push(head);
    hydratePaths(parent, path.slice(1), obj[head as string], out);
    parent.pop();
  }
}
