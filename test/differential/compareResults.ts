/**
 * The differential comparator: what a client sees from the stock executor vs from ours.
 * - `data`: `JSON.stringify` must be identical, key order included (clients see it); on a mismatch
 *   the detail names the first differing paths (value, missing/extra key, key order, list length).
 * - `errors`: the same multiset of normalised errors (message, path, `extensions.code`,
 *   `extensions.serviceName`); stock may put plain `Error`s there (fetch failures), which have no
 *   extensions, so their code normalises to null. The message of an error WITHOUT a code is not
 *   compared by default: no client ever sees it, because the gateway's error mask
 *   (`formatGatewayError` in gateway/gatewayErrors.ts, in front of either executor) replaces every
 *   uncoded error with "Unexpected error" / INTERNAL_SERVER_ERROR; its path and count still are.
 * - `valueCompletion`: stock reports post-processing errors (invalid leaf values, nulls in non-null
 *   positions) in `extensions.valueCompletion` when no fetch failed; compared like `errors`.
 * - `requests`: ours may make fewer subgraph calls than stock (dedupe), never more.
 */

/** The parts of a GraphQL response the comparator reads. */
export interface ResultLike {
  data?: unknown;
  errors?: readonly unknown[];
  extensions?: Record<string, unknown>;
}

/** The message an uncoded error normalises to (see the header). */
export const UNCODED_MESSAGE = '(uncoded error: masked as "Unexpected error" at the gateway edge)';

export interface NormalisedError {
  message: string;
  path: readonly (string | number)[] | null;
  code: string | null;
  serviceName: string | null;
}

export type Aspect = 'data' | 'errors' | 'valueCompletion' | 'requests';

export interface Difference {
  aspect: Aspect;
  /** Compact, human-readable lines: expected (stock) vs actual (ours). */
  detail: string[];
}

export interface CompareInput {
  stock: ResultLike;
  ours: ResultLike;
  requests: { stock: number; ours: number };
}

const MAX_DATA_DETAILS = 8;

function field(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null ? (obj as Record<string, unknown>)[key] : undefined;
}

/** One error as the comparator sees it; anything without a string message keeps its JSON. */
export function normaliseError(error: unknown): NormalisedError {
  const message = field(error, 'message');
  const path = field(error, 'path');
  const extensions = field(error, 'extensions');
  const code = field(extensions, 'code');
  const serviceName = field(extensions, 'serviceName');
  return {
    message: typeof message === 'string' ? message : JSON.stringify(error),
    path: Array.isArray(path) ? (path as (string | number)[]) : null,
    code: typeof code === 'string' ? code : null,
    serviceName: typeof serviceName === 'string' ? serviceName : null,
  };
}

/** Sorted, serialised normalised errors: equal arrays mean equal multisets. */
export function errorMultiset(errors: readonly unknown[] | undefined, options: CompareOptions = {}): string[] {
  return (errors ?? [])
    .map(normaliseError)
    .map((e) => ({
      ...e,
      message: e.code === null && !options.compareUncodedMessages ? UNCODED_MESSAGE : e.message,
      serviceName: options.ignoreServiceName ? null : e.serviceName,
    }))
    .map((e) => JSON.stringify(e))
    .sort();
}

function diffMultisets(aspect: Aspect, stock: string[], ours: string[]): Difference | undefined {
  const remaining = [...ours];
  const onlyStock: string[] = [];
  for (const e of stock) {
    const i = remaining.indexOf(e);
    if (i >= 0) remaining.splice(i, 1);
    else onlyStock.push(e);
  }
  if (onlyStock.length === 0 && remaining.length === 0) return undefined;
  return { aspect, detail: [...onlyStock.map((e) => `- expected: ${e}`), ...remaining.map((e) => `+ ours:     ${e}`)] };
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function diffObjects(path: string, expected: Record<string, unknown>, actual: Record<string, unknown>, out: string[]): void {
  const ek = Object.keys(expected);
  const ak = Object.keys(actual);
  // own keys only: a response key may be named `__proto__` or `constructor`
  const missing = ek.filter((k) => !Object.hasOwn(actual, k));
  const extra = ak.filter((k) => !Object.hasOwn(expected, k));
  if (missing.length) out.push(`${path}: missing keys ${show(missing)}`);
  if (extra.length) out.push(`${path}: extra keys ${show(extra)}`);
  const common = ek.filter((k) => Object.hasOwn(actual, k));
  if (!missing.length && !extra.length && common.join('\u0000') !== ak.join('\u0000')) {
    out.push(`${path}: key order expected ${show(ek)}, got ${show(ak)}`);
  }
  for (const k of common) diffValues(`${path}.${k}`, expected[k], actual[k], out);
}

/** Appends "path: expected X, got Y" lines (at most MAX_DATA_DETAILS) to `out`. */
export function diffValues(path: string, expected: unknown, actual: unknown, out: string[]): void {
  if (out.length >= MAX_DATA_DETAILS || JSON.stringify(expected) === JSON.stringify(actual)) return;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) out.push(`${path}: list length expected ${expected.length}, got ${actual.length}`);
    const n = Math.min(expected.length, actual.length);
    for (let i = 0; i < n; i++) diffValues(`${path}[${i}]`, expected[i], actual[i], out);
    return;
  }
  if (isObject(expected) && isObject(actual)) {
    diffObjects(path, expected, actual, out);
    return;
  }
  out.push(`${path}: expected ${show(expected)}, got ${show(actual)}`);
}

function valueCompletion(result: ResultLike): readonly unknown[] | undefined {
  const vc = result.extensions?.valueCompletion;
  return Array.isArray(vc) ? vc : undefined;
}

export interface CompareOptions {
  /**
   * Drop `extensions.serviceName` before comparing errors.
   * @default false
   */
  ignoreServiceName?: boolean;
  /**
   * Compare the messages of errors without `extensions.code` too (clients never see them).
   * @default false
   */
  compareUncodedMessages?: boolean;
}

/** Every client-visible difference between the stock result and ours (empty when equivalent). */
export function compareResults(input: CompareInput, options: CompareOptions = {}): Difference[] {
  const differences: Difference[] = [];
  if (JSON.stringify(input.stock.data) !== JSON.stringify(input.ours.data)) {
    const detail: string[] = [];
    diffValues('data', input.stock.data, input.ours.data, detail);
    differences.push({ aspect: 'data', detail });
  }
  const errors = diffMultisets('errors', errorMultiset(input.stock.errors, options), errorMultiset(input.ours.errors, options));
  if (errors) differences.push(errors);
  const vc = diffMultisets('valueCompletion', errorMultiset(valueCompletion(input.stock), options), errorMultiset(valueCompletion(input.ours), options));
  if (vc) differences.push(vc);
  if (input.requests.ours > input.requests.stock) {
    differences.push({ aspect: 'requests', detail: [`ours made ${input.requests.ours} subgraph requests, stock ${input.requests.stock}`] });
  }
  return differences;
}
