/**
 * Shared helpers for the Graph sandbox tests: start a sandbox quietly, get a token from its token
 * endpoint and call it with plain fetch (TLS trust comes from NODE_EXTRA_CA_CERTS, see README).
 */
import pino from 'pino';
import { startGraphSandbox, type GraphSandbox, type GraphSandboxOptions } from '../../../subgraphs/teams/sandbox/graphSandbox';

export const silentLogger = pino({ level: 'silent' });

/** A small tenant for tests that do not need the full seed. */
export const SMALL = { accounts: 20, people: 200, teams: 3, channels: 6, messages: 300 };

export function startSandbox(options: GraphSandboxOptions = {}): Promise<GraphSandbox> {
  return startGraphSandbox({ logger: silentLogger, ...options });
}

export async function tokenResponse(sb: GraphSandbox, form: Record<string, string>, tenant: string = sb.tenantId): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sb.url}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A Graph access token for the sandbox's default app. */
export async function accessToken(sb: GraphSandbox): Promise<string> {
  const { status, body } = await tokenResponse(sb, {
    grant_type: 'client_credentials', client_id: sb.clientId, client_secret: sb.clientSecret ?? '',
    scope: 'https://graph.microsoft.com/.default',
  });
  if (status !== 200 || typeof body.access_token !== 'string') throw new Error(`token request failed: ${status}`);
  return body.access_token;
}

export interface GraphResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Call the sandbox with fetch; `path` is relative to the origin (e.g. `/v1.0/teams`). */
export async function graphFetch(sb: GraphSandbox, path: string, init: { method?: string; token?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}): Promise<GraphResponse> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined = init.rawBody;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${sb.url}${path}`, { method: init.method ?? 'GET', headers, body });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export async function admin(sb: GraphSandbox, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${sb.url}/__admin/${path}`, {
    method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

export function counter(sb: GraphSandbox, name: string): number {
  return sb.counters.snapshot().byEndpoint[name] ?? 0;
}

/** The Graph error shape every failure must have. */
export function expectGraphError(res: GraphResponse, status: number, code: string): void {
  expect(res.status).toBe(status);
  const error = res.body.error as Record<string, unknown> | undefined;
  expect(error).toBeDefined();
  expect(error?.code).toBe(code);
  expect(typeof error?.message).toBe('string');
  const inner = error?.innerError as Record<string, unknown> | undefined;
  expect(typeof inner?.date).toBe('string');
  expect(typeof inner?.['request-id']).toBe('string');
  expect(typeof inner?.['client-request-id']).toBe('string');
}
