/** Shared set-up for the Salesforce sandbox tests: start a sandbox, log jsforce in, call admin endpoints. */
import { Connection } from 'jsforce';
import { createLogger } from '../../../subgraphs/kit/logger';
import {
  DEFAULT_CREDENTIALS, startSalesforceSandbox, type SalesforceSandbox, type SalesforceSandboxOptions,
} from '../../../subgraphs/salesforce/sandbox/salesforceSandbox';

export const CREDS = DEFAULT_CREDENTIALS;
export const SMALL = { accounts: 40, people: 700 };

export function startSandbox(opts: SalesforceSandboxOptions = {}): Promise<SalesforceSandbox> {
  return startSalesforceSandbox({ logger: createLogger('salesforce-sandbox-test'), size: SMALL, ...opts });
}

export function newConnection(sb: SalesforceSandbox, version = '59.0'): Connection {
  return new Connection({ oauth2: { clientId: CREDS.clientId, clientSecret: CREDS.clientSecret, loginUrl: sb.url }, version });
}

export async function loggedIn(sb: SalesforceSandbox, version = '59.0'): Promise<Connection> {
  const conn = newConnection(sb, version);
  await conn.login(CREDS.username, CREDS.password);
  return conn;
}

export async function admin(sb: SalesforceSandbox, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sb.url}/__admin/${path}`, {
    method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  return res.json();
}

/** Get a bearer token by the password grant, for raw HTTP tests. */
export async function bearer(sb: SalesforceSandbox): Promise<string> {
  const res = await fetch(`${sb.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: CREDS.clientId, client_secret: CREDS.clientSecret, username: CREDS.username, password: CREDS.password }).toString(),
  });
  const json = (await res.json()) as { access_token: string };
  return json.access_token;
}

export interface RawReply {
  status: number;
  headers: Headers;
  json: unknown;
}

/** A raw REST call with a bearer token; the body is sent verbatim when a string. */
export async function rest(sb: SalesforceSandbox, token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<RawReply> {
  const res = await fetch(`${sb.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown = text;
  try { json = text ? JSON.parse(text) : null; } catch { /* keep text */ }
  return { status: res.status, headers: res.headers, json };
}

export function counter(sb: SalesforceSandbox, name: string): number {
  return sb.counters.snapshot().byEndpoint[name] ?? 0;
}
