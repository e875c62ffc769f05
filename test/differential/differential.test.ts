/**
 * Differential correctness: every corpus operation runs through the stock `executeQueryPlan`
 * (@apollo/gateway 2.14.4) and through our executor, on the same plan and the same real subgraph
 * servers; `data` must serialise identically (key order included), errors must be equivalent, and
 * ours must not make more subgraph requests. Documented exceptions: `intendedDifferences.ts`.
 * `DIFFERENTIAL_SELF_CHECK=1` runs stock on both sides (validates the corpus alone).
 * `LOG_LEVEL=info` logs the request counts of both sides per operation.
 */
import pino from 'pino';
import { compareResults, type ResultLike } from './compareResults';
import { CORPUS } from './corpus';
import { selfCheckMode, startScenario, stockShapeProblems, type RunningScenario } from './harness';
import { keysScenario } from './keys.scenario';

const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

describe('differential: our executor returns what the stock executeQueryPlan returns', () => {
  const running = new Map<string, RunningScenario>();

  beforeAll(async () => {
    const started = await Promise.allSettled(CORPUS.map((s) => startScenario(s)));
    for (const r of started) if (r.status === 'fulfilled') running.set(r.value.scenario.name, r.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  });

  afterAll(async () => {
    await Promise.all([...running.values()].map((r) => r.close()));
  });

  function scenarioRunning(name: string): RunningScenario {
    const r = running.get(name);
    if (!r) throw new Error(`scenario ${name} did not start`);
    return r;
  }

  for (const scenario of CORPUS) {
    for (const operation of scenario.operations) {
      it(`${scenario.name}: ${operation.name} returns what the stock executor returns`, async () => {
        const outcome = await scenarioRunning(scenario.name).run(operation);
        log.info({ scenario: scenario.name, operation: operation.name, requests: outcome.requests }, 'differential outcome');
        expect(stockShapeProblems(operation, outcome.stock)).toEqual([]);
        // self-check runs stock on both sides, so it expects stock, intended differences or not
        const intended = selfCheckMode() ? undefined : outcome.intended;
        const differences = intended ? outcome.differences : outcome.rawDifferences;
        const expectation = intended ? `intended difference: ${intended.reason}` : 'same as stock';
        expect({ query: operation.query, expectation, requests: outcome.requests, differences }).toEqual({ query: operation.query, expectation, requests: outcome.requests, differences: [] });
        if (intended) {
          // an entry for an operation that matches stock exactly is stale: it would hide a regression
          expect({ staleIntendedDifference: outcome.rawDifferences.length === 0 }).toEqual({ staleIntendedDifference: false });
        }
      });
    }
  }

  describe('the comparator can fail', () => {
    const op = keysScenario.operations[0];
    let stock: ResultLike;
    const requests = { stock: 2, ours: 2 };

    beforeAll(async () => {
      if (!op) throw new Error('keys scenario has no operations');
      stock = (await scenarioRunning(keysScenario.name).run(op)).stock;
    });

    it('finds no difference between a stock result and its JSON copy', () => {
      expect(compareResults({ stock, ours: clone(stock), requests })).toEqual([]);
    });

    it('reports a data mismatch when one entity has its keys in another order', () => {
      const ours = clone(stock) as { data: { users: Record<string, unknown>[] } };
      const first = ours.data.users[0] ?? {};
      ours.data.users[0] = Object.fromEntries(Object.entries(first).reverse());
      const diffs = compareResults({ stock, ours, requests });
      expect(diffs.map((d) => d.aspect)).toEqual(['data']);
      expect(diffs[0]?.detail[0]).toMatch(/^data\.users\[0\]: key order expected/);
    });

    it('reports a data mismatch when one nested value is wrong', () => {
      const ours = clone(stock) as { data: { users: { org: { name: string } }[] } };
      const user = ours.data.users[5];
      if (user) user.org.name = 'Wrong Org';
      expect(compareResults({ stock, ours, requests })).toEqual([{ aspect: 'data', detail: ['data.users[5].org.name: expected "Org 2", got "Wrong Org"'] }]);
    });

    it('reports an errors mismatch for a missing error and a wrong path', () => {
      const withError = { ...stock, errors: [{ message: 'boom', path: ['users', 1, 'name'], extensions: { code: 'X', serviceName: 'accounts' } }] };
      const wrongPath = { ...stock, errors: [{ message: 'boom', path: ['users', 2, 'name'], extensions: { code: 'X', serviceName: 'accounts' } }] };
      expect(compareResults({ stock: withError, ours: stock, requests }).map((d) => d.aspect)).toEqual(['errors']);
      expect(compareResults({ stock: withError, ours: wrongPath, requests })[0]?.detail).toHaveLength(2);
    });

    it('reports a response key named __proto__ that ours lost', () => {
      const expected = { data: JSON.parse('{"__proto__": {"name": "kept"}, "id": "1"}') as unknown };
      expect(compareResults({ stock: expected, ours: { data: { id: '1' } }, requests })).toEqual([{ aspect: 'data', detail: ['data: missing keys ["__proto__"]'] }]);
    });

    it('reports more subgraph requests than stock but accepts fewer', () => {
      expect(compareResults({ stock, ours: stock, requests: { stock: 2, ours: 3 } }).map((d) => d.aspect)).toEqual(['requests']);
      expect(compareResults({ stock, ours: stock, requests: { stock: 2, ours: 1 } })).toEqual([]);
    });
  });
});
