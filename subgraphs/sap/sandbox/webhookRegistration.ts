/**
 * Validation of a webhook registration (`POST /__admin/webhooks`), an untrusted JSON body:
 * `{ url, auth: { type: 'basic', username, password } | { type: 'bearer', token }, contentMode? }`.
 * The URL must be absolute http(s) without credentials; secrets are visible ASCII (they travel in
 * an `Authorization` header); unknown keys are refused so a typo does not silently change behaviour.
 */
import type { ContentMode, WebhookAuth, WebhookTarget } from './webhookDelivery';

export type ParsedRegistration = { ok: true; target: WebhookTarget } | { ok: false; reason: string };

const VISIBLE = /^[\x21-\x7e]+$/;
const MAX_URL = 2048;
const MAX_SECRET = 4096;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function extraKey(obj: Record<string, unknown>, allowed: readonly string[]): string | undefined {
  return Object.keys(obj).find((k) => !allowed.includes(k));
}

function checkUrl(v: unknown): string | { reason: string } {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_URL) return { reason: `url must be a string of 1..${MAX_URL} characters` };
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return { reason: 'url must be an absolute http(s) URL' };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { reason: 'url must be an absolute http(s) URL' };
  if (u.username || u.password) return { reason: 'url must not carry credentials; use auth' };
  if (u.hash) return { reason: 'url must not have a fragment' };
  return u.toString();
}

function secret(v: unknown, name: string): string | { reason: string } {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_SECRET || !VISIBLE.test(v)) {
    return { reason: `${name} must be 1..${MAX_SECRET} visible ASCII characters` };
  }
  return v;
}

function checkAuth(v: unknown): WebhookAuth | { reason: string } {
  if (!isObject(v)) return { reason: "auth must be { type: 'basic', username, password } or { type: 'bearer', token }" };
  if (v.type === 'basic') {
    const extra = extraKey(v, ['type', 'username', 'password']);
    if (extra !== undefined) return { reason: `auth has an unknown key '${extra.slice(0, 64)}'` };
    const username = secret(v.username, 'auth.username');
    if (typeof username !== 'string') return username;
    if (username.includes(':')) return { reason: 'auth.username must not contain a colon' };
    const password = secret(v.password, 'auth.password');
    return typeof password === 'string' ? { type: 'basic', username, password } : password;
  }
  if (v.type === 'bearer') {
    const extra = extraKey(v, ['type', 'token']);
    if (extra !== undefined) return { reason: `auth has an unknown key '${extra.slice(0, 64)}'` };
    const token = secret(v.token, 'auth.token');
    return typeof token === 'string' ? { type: 'bearer', token } : token;
  }
  return { reason: "auth.type must be 'basic' or 'bearer'" };
}

export function parseWebhookRegistration(raw: unknown): ParsedRegistration {
  if (!isObject(raw)) return { ok: false, reason: 'the registration must be a JSON object { url, auth, contentMode? }' };
  const extra = extraKey(raw, ['url', 'auth', 'contentMode']);
  if (extra !== undefined) return { ok: false, reason: `unknown key '${extra.slice(0, 64)}'` };
  const url = checkUrl(raw.url);
  if (typeof url !== 'string') return { ok: false, reason: url.reason };
  const auth = checkAuth(raw.auth);
  if ('reason' in auth) return { ok: false, reason: auth.reason };
  const mode = raw.contentMode ?? 'structured';
  if (mode !== 'structured' && mode !== 'binary') return { ok: false, reason: "contentMode must be 'structured' or 'binary'" };
  return { ok: true, target: { url, auth, contentMode: mode as ContentMode } };
}
