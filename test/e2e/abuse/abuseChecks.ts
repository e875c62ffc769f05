/**
 * What every abuse scenario checks, shared by the files of `test/e2e/abuse/`: an abusive request
 * gets its documented refusal (status, `extensions.code`, `reason`), reaches no system (the
 * sandboxes' counters stay at zero while it runs), and leaves the gateway serving (a normal query
 * afterwards answers 200 with data).
 */
import type { Stack } from '../federatedGraph/startStack';

export interface Reply {
  status: number;
  headers: Headers;
  /** The body as sent. */
  text: string;
  /** The body parsed as a GraphQL response, or null when it is not JSON. */
  body: { data?: Record<string, unknown> | null; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] } | null;
}

/** One HTTP request with fetch, its answer read whole. */
export async function send(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: Reply['body'] = null;
  try {
    body = JSON.parse(text) as Reply['body'];
  } catch {
    body = null;
  }
  return { status: res.status, headers: res.headers, text, body };
}

/** A JSON POST to `url` with these headers (a bearer token among them, when the test wants one). */
export function postJson(url: string, payload: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return send(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(payload) });
}

/** Upstream requests every sandbox counted since the last reset, summed. */
export function upstreamTotal(stack: Stack): number {
  const all = stack.counts();
  return Object.values(all).reduce((n, byEndpoint) => n + Object.values(byEndpoint).reduce((m, v) => m + v, 0), 0);
}

/** The cheapest query that needs a system: one contact id from Salesforce. */
export const PROBE_QUERY = '{ contacts(first: 1) { nodes { id } } }';

/** The gateway still answers a normal query with 200 and data. */
export async function expectStillServing(stack: Stack): Promise<void> {
  const res = await stack.query<{ contacts: { nodes: { id: string }[] } }>(PROBE_QUERY);
  expect(res.status).toBe(200);
  expect(res.errors).toBeUndefined();
  expect(res.data?.contacts.nodes).toHaveLength(1);
}

/**
 * Runs one abusive request with the counters reset, asserts that no upstream request reached any
 * sandbox while it ran and that the gateway still serves afterwards, and returns its answer.
 */
export async function withoutUpstream<T>(stack: Stack, act: () => Promise<T>): Promise<T> {
  stack.resetCounters();
  const out = await act();
  expect(stack.counts()).toEqual({ salesforce: {}, sap: {}, teams: {} });
  await expectStillServing(stack);
  return out;
}

export interface Refusal {
  status: number;
  code: string;
  reason?: string;
}

/** The answer is the documented refusal: status, first error's code and (when given) reason, and no data. */
export function expectRefusal(reply: Pick<Reply, 'status' | 'body'>, want: Refusal): void {
  const first = reply.body?.errors?.[0];
  expect({ status: reply.status, code: first?.extensions?.code, ...(want.reason !== undefined ? { reason: first?.extensions?.reason } : {}) }).toEqual(want);
  expect(reply.body?.data ?? null).toBeNull();
}
