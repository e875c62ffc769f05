/**
 * Stock `executeQueryPlan` behaviours our executor deliberately does not reproduce, keyed by
 * `<scenario>/<operation>` (the names in the corpus). An entry does not switch comparison off: it
 * derives from the stock result what OUR result must be (`expected`), and that is then compared in
 * full (data, key order, errors, request counts). An entry whose operation no longer differs from
 * stock at all is reported as stale. Keep every reason concrete: it is a claim that stock is wrong
 * (or leaks something) and we are right.
 */
import { normaliseError, type ResultLike } from './compareResults';

export interface IntendedDifference {
  /** Why ours is right (the stock code path and the rule we follow instead). */
  reason: string;
  /** Our expected result, derived from stock's (`ours` only to accept a policy's well-formed extras). */
  expected(stock: ResultLike, ours: ResultLike): ResultLike;
}

type Err = { message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> };

const SHAPING_MESSAGE = /^(Cannot return null for non-nullable |Invalid value found for )/;

function isPrefix(a: readonly (string | number)[], b: readonly (string | number)[]): boolean {
  return a.length <= b.length && a.every((k, i) => k === b[i]);
}

/**
 * Stock (executeQueryPlan.js, post-processing span) hides result-shaping errors in
 * `extensions.valueCompletion` when no fetch failed, and drops them entirely when one did, so a
 * client sees a null in a non-null position with no error explaining it. Ours reports them in
 * `errors` (code `INVALID_GRAPHQL`, stock's message and path), except where a subgraph error already
 * explains the null (same path, above or below it, or an error without a path).
 */
const SHAPING_ERRORS_IN_ERRORS: IntendedDifference = {
  reason: 'result-shaping errors (null in non-null position, invalid leaf value) belong in `errors`, not hidden in extensions.valueCompletion or dropped',
  expected(stock, ours) {
    const fetchErrors = (stock.errors ?? []).map(normaliseError);
    const valueCompletion = Array.isArray(stock.extensions?.valueCompletion) ? (stock.extensions.valueCompletion as unknown[]) : [];
    const uncovered = fetchErrors.length === 0 ? [] : (ours.errors ?? []).map(normaliseError).filter((e) =>
      e.code === 'INVALID_GRAPHQL' && SHAPING_MESSAGE.test(e.message) && e.path !== null &&
      !fetchErrors.some((f) => f.path === null || isPrefix(f.path, e.path ?? []) || isPrefix(e.path ?? [], f.path)));
    const rest = { ...stock.extensions };
    delete rest.valueCompletion;
    const errors = [...(stock.errors ?? []), ...valueCompletion, ...uncovered.map((e) => ({ message: e.message, path: e.path, extensions: { code: e.code } }))];
    return { data: stock.data, ...(errors.length ? { errors } : {}), ...(Object.keys(rest).length ? { extensions: rest } : {}) };
  },
};

/**
 * Stock forwards a subgraph's HTTP 5xx raw, as `500: Internal Server Error` without a code and with
 * `extensions.response` (subgraph URL, status text, body). STYLE.md rule 7 wants a stable code and
 * rule 8 forbids forwarding an upstream's URL or body: ours answers `The <subgraph> subgraph is
 * unavailable` / `SUBGRAPH_UNAVAILABLE` (what gateway/subgraphDataSource.ts makes of a 5xx), same data.
 */
function subgraphUnavailable(subgraph: string): IntendedDifference {
  return {
    reason: `an HTTP 5xx from ${subgraph} is reported as SUBGRAPH_UNAVAILABLE (no URL, status text or body)`,
    expected(stock) {
      const errors = (stock.errors ?? []).map((e) => {
        const n = normaliseError(e);
        const raw = n.code === null && n.path === null && /^5\d\d: /.test(n.message);
        return raw ? { message: `The ${subgraph} subgraph is unavailable`, extensions: { code: 'SUBGRAPH_UNAVAILABLE' } } : e;
      });
      return { ...stock, errors };
    },
  };
}

/**
 * Stock maps an entity error `_entities.N` to the N-th non-null object at the flatten path
 * (`generateHydratedPaths`), but only objects matching the fetch's type condition were sent as
 * representations, so under a mixed union list the error lands on the wrong element (here a
 * `Notice`). Ours maps N through the representation-to-entity index: the element that failed.
 */
function entityErrorPaths(fix: Record<string, readonly (string | number)[]>): IntendedDifference {
  return {
    reason: 'entity errors map to the element whose representation failed, not to the N-th element of the list',
    expected(stock) {
      const errors = (stock.errors ?? []).map((e) => {
        const err = e as Err;
        const fixed = err.path ? fix[JSON.stringify(err.path)] : undefined;
        return fixed ? { ...err, path: fixed } : e;
      });
      return { ...stock, errors };
    },
  };
}

/**
 * The stock gateway executes with uncoerced variables: an invalid variable value reaches the
 * subgraph, whose coercion error comes back as DOWNSTREAM_SERVICE_ERROR with `data: null`. Ours
 * coerces variables against the operation before any fetch (GraphQL spec, CoerceVariableValues):
 * a request error, `BAD_USER_INPUT`, no `data` entry and no subgraph request.
 */
const VARIABLES_COERCED_FIRST: IntendedDifference = {
  reason: 'invalid variable values are a request error (BAD_USER_INPUT, no data, no fetch), not a subgraph error',
  expected(stock) {
    return { errors: (stock.errors ?? []).map((e) => ({ message: normaliseError(e).message, extensions: { code: 'BAD_USER_INPUT' } })) };
  },
};

/**
 * Stock trusts the shape of a subgraph's `errors`: a `null` entry or a non-object `extensions` makes
 * `downstreamServiceError` throw a TypeError, which loses the whole fetch (its data becomes null and
 * the client gets the TypeError's text); a string `path` is spread into single characters
 * (`["o","o","p","s"]`); a non-string message is stringified. Ours keeps the fetch's data and reads
 * each error defensively: no path unless it is a list, the default message unless it is a non-empty
 * string, extensions only when an object.
 */
function junkErrors(reason: string, data: 'stock' | Record<string, unknown>, messages: readonly string[]): IntendedDifference {
  return {
    reason,
    expected(stock) {
      const extensions = { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'junk' };
      return { data: data === 'stock' ? stock.data : data, errors: messages.map((message) => ({ message, extensions })) };
    },
  };
}

const JUNK_DEFAULT_MESSAGE = 'Error while fetching subquery from service "junk"';

/**
 * Stock turns a subgraph's HTTP 401/403 into `UNAUTHENTICATED`/`FORBIDDEN`, telling the client its
 * own credentials failed when it was the gateway's call to the subgraph that was refused. Ours
 * reports an uncoded failure (the error mask answers "Unexpected error" and logs the status), as
 * gateway/subgraphDataSource.ts documents for non-5xx statuses.
 */
const SUBGRAPH_REFUSED_GATEWAY: IntendedDifference = {
  reason: "a subgraph's 401/403 is the gateway's problem, not the client's: no UNAUTHENTICATED/FORBIDDEN code",
  expected(stock) {
    const errors = (stock.errors ?? []).map((e) => (/^40[13]: /.test(normaliseError(e).message) ? { message: 'subgraph refused the gateway' } : e));
    return { ...stock, errors };
  },
};

/**
 * An explicitly null value for a defaulted `Boolean` variable used in `@include(if:)`: stock's
 * `evaluateCondition` asserts and `executeQueryPlan` rejects (a server error for the client). It is
 * the client's input that is wrong: ours answers `BAD_USER_INPUT`, without data.
 */
const NULL_CONDITION_IS_BAD_INPUT: IntendedDifference = {
  reason: 'a null condition variable is a client error (BAD_USER_INPUT), not a crash of the executor',
  expected: () => ({ errors: [{ message: 'Invalid non-boolean value for Boolean! variable $show', extensions: { code: 'BAD_USER_INPUT' } }] }),
};

export const INTENDED_DIFFERENCES: Readonly<Record<string, IntendedDifference>> = {
  'fieldSelection/explicit null for a defaulted condition variable': NULL_CONDITION_IS_BAD_INPUT,
  'inaccessible/hidden enum value from a subgraph in a nullable field': SHAPING_ERRORS_IN_ERRORS,
  'inaccessible/hidden enum value on a single entity with requires': SHAPING_ERRORS_IN_ERRORS,
  'nullability/entity resolved to null becomes a gateway non-null violation': SHAPING_ERRORS_IN_ERRORS,
  'nullability/deleted entities in a list null out to the nearest nullable parent': SHAPING_ERRORS_IN_ERRORS,
  'nullability/lists of lists of entities': SHAPING_ERRORS_IN_ERRORS,
  'nullability/subgraph errors under lists of lists map to nested list paths': SHAPING_ERRORS_IN_ERRORS,
  'nullability/subgraph non-null violation in an entity field maps the _entities path': SHAPING_ERRORS_IN_ERRORS,
  'scalars/enum value unknown to the API schema from a subgraph': SHAPING_ERRORS_IN_ERRORS,
  'malformedSubgraph/errors with a string path, a numeric message and an empty message': junkErrors(
    'malformed subgraph errors are read defensively (no character-split path, default message for a non-string one)',
    'stock',
    ['string path', JUNK_DEFAULT_MESSAGE, JUNK_DEFAULT_MESSAGE],
  ),
  'malformedSubgraph/an error whose extensions is a string': junkErrors('a malformed error does not lose the data of its fetch', { badExtensions: 'partial' }, ['extensions is a string']),
  'malformedSubgraph/a null entry in errors': junkErrors('a null error entry does not lose the data of its fetch', { nullError: 'partial' }, [JUNK_DEFAULT_MESSAGE]),
  'malformedSubgraph/HTTP 401 from a subgraph': SUBGRAPH_REFUSED_GATEWAY,
  'malformedSubgraph/an unknown __typename for an object': SHAPING_ERRORS_IN_ERRORS,
  'responseShape/leaf values that break their type are nulled with errors': SHAPING_ERRORS_IN_ERRORS,
  'scalars/invalid enum value in a variable': VARIABLES_COERCED_FIRST,
  'subgraphErrors/HTTP 500 from a root fetch': subgraphUnavailable('fragile'),
  'subgraphErrors/HTTP 500 from an entity fetch': subgraphUnavailable('fragile'),
  'subgraphErrors/entity errors under a union list with partial representations': entityErrorPaths({
    '["feed",1,"price"]': ['feed', 2, 'price'],
    '["feed",4,"price"]': ['feed', 6, 'price'],
  }),
};

/** The intended difference recorded for one operation, if any. */
export function intendedDifference(scenario: string, operation: string): IntendedDifference | undefined {
  return INTENDED_DIFFERENCES[`${scenario}/${operation}`];
}
