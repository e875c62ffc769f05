/**
 * Differential harness: boots a scenario's subgraphs as real HTTP servers, composes them, and for
 * each operation runs OUR executor's plan through both the stock `executeQueryPlan` and our
 * executor against the same subgraphs, then compares what a client would see (`compareResults`).
 *
 * `DIFFERENTIAL_SELF_CHECK=1` puts the stock executor on both sides (planning with
 * `@apollo/query-planner` like `ApolloGateway`): it validates the corpus itself (every scenario
 * composes, plans and returns what it claims) independently of our executor.
 */
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { createFederatedExecutor, type FederatedExecutor, type PreparedOperation } from '../../gateway/federatedExecutor';
import { compareResults, diffValues, type CompareOptions, type Difference, type ResultLike } from './compareResults';
import { intendedDifference, type IntendedDifference } from './intendedDifferences';
import { createStockExecutor, type StockExecutor } from './stockExecutor';
import { startScenarioSubgraph, type ScenarioSubgraph, type ScenarioSubgraphOptions } from './subgraphServer';

export type ScenarioSubgraphDefinition = ScenarioSubgraphOptions;

export interface ScenarioOperation {
  /** Behaviour under test, used in the test title, e.g. `composite key entity join`. */
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  /**
   * What the STOCK result must look like, so a scenario that silently stopped exercising its case
   * (composition change, resolver typo) fails: `errors` = stock reports errors (in `errors` or
   * `extensions.valueCompletion`); `nullData` = stock `data` is null/absent.
   * @default { errors: false, nullData: false }
   */
  expectStock?: { errors?: boolean; nullData?: boolean };
  /**
   * Copies of the operation each side runs at once (queries only): exercises in-flight dedupe;
   * every copy must return the same result, and ours may make fewer requests than stock.
   * @default 1
   */
  concurrency?: number;
}

export interface Scenario {
  /** Theme, used as the test-title prefix, e.g. `keys`. */
  name: string;
  subgraphs: ScenarioSubgraphDefinition[];
  operations: ScenarioOperation[];
  /** Restores mutable subgraph state; called before each side runs an operation. */
  reset?: () => void;
}

/** The executor under test, reduced to what the harness calls. */
type ExecutorUnderTest = Pick<FederatedExecutor, 'prepare' | 'execute' | 'close'>;

export interface OperationOutcome {
  stock: ResultLike;
  ours: ResultLike;
  requests: { stock: number; ours: number };
  /** Ours vs what ours must return: stock's result, or the intended difference derived from it. */
  differences: Difference[];
  /** Ours vs stock's result as is (differs from `differences` only with an intended difference). */
  rawDifferences: Difference[];
  intended?: IntendedDifference;
}

export interface RunningScenario {
  scenario: Scenario;
  supergraphSdl: string;
  run(operation: ScenarioOperation, options?: CompareOptions): Promise<OperationOutcome>;
  close(): Promise<void>;
}

/** True when `DIFFERENTIAL_SELF_CHECK=1`: stock on both sides. */
export function selfCheckMode(): boolean {
  return process.env.DIFFERENTIAL_SELF_CHECK === '1';
}

function compose(scenario: Scenario, servers: ScenarioSubgraph[]): string {
  const result = composeServices(scenario.subgraphs.map((s, i) => ({ name: s.name, url: servers[i]?.url, typeDefs: parse(s.typeDefs) })));
  if (result.errors) throw new Error(`scenario ${scenario.name} does not compose:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  return result.supergraphSdl;
}

/** Self-check: the stock executor dressed as ours (`prepare` throws `{ errors }` like `OperationError`). */
function stockAsExecutorUnderTest(stock: StockExecutor): ExecutorUnderTest {
  return {
    prepare(document, operationName) {
      const prepared = stock.prepare(document, operationName ?? undefined);
      if (prepared.errors?.length) throw Object.assign(new Error('invalid operation'), { errors: prepared.errors });
      return { plan: prepared.plan, document, operationName: operationName ?? null } as unknown as PreparedOperation;
    },
    async execute(prepared, req) {
      return (await stock.run(prepared.plan, prepared.document, prepared.operationName ?? undefined, req?.variables ?? {})) as Awaited<ReturnType<FederatedExecutor['execute']>>;
    },
    close: () => Promise.resolve(),
  };
}

/** The errors of a request-level failure (ours: `OperationError` from `prepare`), else undefined. */
function requestErrors(err: unknown): readonly unknown[] | undefined {
  const errors = typeof err === 'object' && err !== null ? (err as { errors?: unknown }).errors : undefined;
  return Array.isArray(errors) ? errors : undefined;
}

function totalRequests(servers: readonly ScenarioSubgraph[]): number {
  return servers.reduce((n, s) => n + s.requests, 0);
}

async function measured<T>(servers: readonly ScenarioSubgraph[], reset: (() => void) | undefined, run: () => Promise<T>): Promise<{ result: T; requests: number }> {
  reset?.();
  const before = totalRequests(servers);
  const result = await run();
  return { result, requests: totalRequests(servers) - before };
}

async function runOperation(scenario: Scenario, servers: ScenarioSubgraph[], stock: StockExecutor, ours: ExecutorUnderTest, op: ScenarioOperation, options?: CompareOptions): Promise<OperationOutcome> {
  const document = parse(op.query);
  const variables = op.variables ?? {};
  let prepared: PreparedOperation;
  try {
    prepared = ours.prepare(document, op.operationName);
  } catch (err) {
    const errors = requestErrors(err);
    if (!errors) throw err;
    // Refused before execution: the stock stack refuses in Apollo Server's validation (no plan, no fetch).
    return outcome(scenario, op, { errors: stock.prepare(document, op.operationName).errors ?? [] }, { errors }, { stock: 0, ours: 0 }, options);
  }
  const copies = op.concurrency ?? 1;
  const stockSide = await measured(servers, scenario.reset, () => concurrently(copies, () => stock.run(prepared.plan, document, op.operationName, variables)));
  const oursSide = await measured(servers, scenario.reset, () => concurrently(copies, (): Promise<ResultLike> => ours.execute(prepared, { variables })));
  const result = outcome(scenario, op, stockSide.result[0] ?? {}, oursSide.result[0] ?? {}, { stock: stockSide.requests, ours: oursSide.requests }, options);
  for (const [side, results] of [['stock', stockSide.result], ['ours', oursSide.result]] as const) {
    const odd = results.findIndex((r) => JSON.stringify(r) !== JSON.stringify(results[0]));
    if (odd > 0) {
      const detail: string[] = [];
      diffValues(`${side} copy ${odd}`, results[0], results[odd], detail);
      result.differences.push({ aspect: 'data', detail: [`concurrent copies of the operation differ on the ${side} side`, ...detail] });
      result.rawDifferences.push({ aspect: 'data', detail: [`concurrent copies differ on the ${side} side`] });
    }
  }
  return result;
}

/**
 * Runs `copies` at once. An executor that throws (stock does on an explicitly null condition
 * variable) is recorded as one uncoded error and no data: what a client gets from the server's
 * error mask ("Unexpected error") once the executor's promise rejects.
 */
function concurrently(copies: number, run: () => Promise<ResultLike>): Promise<ResultLike[]> {
  const settle = (): Promise<ResultLike> => run().catch((err: unknown) => ({ errors: [{ message: `executor threw: ${err instanceof Error ? err.message : String(err)}` }] }));
  return Promise.all(Array.from({ length: copies }, settle));
}

function outcome(scenario: Scenario, op: ScenarioOperation, stock: ResultLike, ours: ResultLike, requests: OperationOutcome['requests'], options?: CompareOptions): OperationOutcome {
  const rawDifferences = compareResults({ stock, ours, requests }, options);
  const intended = intendedDifference(scenario.name, op.name);
  if (!intended) return { stock, ours, requests, differences: rawDifferences, rawDifferences };
  const differences = compareResults({ stock: intended.expected(stock, ours), ours, requests }, options);
  return { stock, ours, requests, differences, rawDifferences, intended };
}

/** Boots the scenario's subgraphs, composes them and builds both executors. */
export async function startScenario(scenario: Scenario): Promise<RunningScenario> {
  const servers: ScenarioSubgraph[] = [];
  try {
    for (const def of scenario.subgraphs) servers.push(await startScenarioSubgraph(def));
    const supergraphSdl = compose(scenario, servers);
    const subgraphUrls = Object.fromEntries(servers.map((s) => [s.name, s.url]));
    const stock = createStockExecutor(supergraphSdl, subgraphUrls);
    const ours: ExecutorUnderTest = selfCheckMode()
      ? stockAsExecutorUnderTest(createStockExecutor(supergraphSdl, subgraphUrls))
      : createFederatedExecutor({ supergraphSdl, subgraphUrls });
    return {
      scenario,
      supergraphSdl,
      run: (op, options) => runOperation(scenario, servers, stock, ours, op, options),
      async close() {
        try {
          await ours.close();
        } finally {
          await Promise.all(servers.map((s) => s.close()));
        }
      },
    };
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
}

/** Why the stock result does not look like `operation.expectStock` says (empty when it does). */
export function stockShapeProblems(operation: ScenarioOperation, stock: ResultLike): string[] {
  const want = { errors: false, nullData: false, ...operation.expectStock };
  const hasErrors = (stock.errors?.length ?? 0) > 0 || Array.isArray(stock.extensions?.valueCompletion);
  const nullData = stock.data === null || stock.data === undefined;
  const problems: string[] = [];
  if (hasErrors !== want.errors) problems.push(`stock ${hasErrors ? 'reported' : 'did not report'} errors: ${JSON.stringify(stock.errors ?? stock.extensions?.valueCompletion ?? [])}`);
  if (nullData !== want.nullData) problems.push(`stock data is ${nullData ? 'null' : 'not null'}`);
  return problems;
}
