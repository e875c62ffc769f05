/**
 * Email ↔ Graph user id, for the `Contact` join (a contact's email is a Teams user's `mail`).
 * Keys are looked up with `$batch` items `GET /users?$filter=mail in ('a','b',...)&$select=id,mail`
 * (or `id in (...)`), at most 15 values per filter (the directory's clause limit), so 50 emails
 * cost one `$batch` HTTP call of 4 items. Keys are compared lower-cased; a key that cannot be a
 * mail (or user id) is null without a call. Nothing is cached here: the user loaders put the
 * tenant's entity cache in front (`userLoaders.ts`).
 */
import type { GraphClient } from './graphClient';

/** The directory refuses filters with more than 15 clauses (each `in` value counts). */
export const MAX_FILTER_VALUES = 15;

export interface UserDirectoryOptions {
  graph: GraphClient;
}

export interface UserDirectory {
  /** The user id per email (null when no user has that mail), or an Error per key that failed. */
  userIdsByEmail(emails: readonly string[], requestId?: string): Promise<Array<string | null | Error>>;
  /** The mail per user id (null for unknown users and users without mail), or an Error per key. */
  mailsByUserId(userIds: readonly string[], requestId?: string): Promise<Array<string | null | Error>>;
}

const EMAIL = /^[^\s@"\\]{1,200}@[^\s@'"\\]{1,200}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The directory key (lower-cased) of a mail or user id, or null when it cannot be one (no lookup). */
export function userKey(property: 'mail' | 'id', raw: string): string | null {
  const k = raw.trim().toLowerCase();
  return (property === 'mail' ? EMAIL : GUID).test(k) ? k : null;
}

interface DirectoryUser {
  id: string;
  mail: string | null;
}

function usersOf(body: unknown): DirectoryUser[] {
  const value = (body as { value?: unknown } | null)?.value;
  if (!Array.isArray(value)) return [];
  return value.flatMap((u: unknown) => {
    const r = u as { id?: unknown; mail?: unknown } | null;
    if (!r || typeof r.id !== 'string') return [];
    return [{ id: r.id.toLowerCase(), mail: typeof r.mail === 'string' ? r.mail.toLowerCase() : null }];
  });
}

export function userFilterUrl(property: 'mail' | 'id', values: readonly string[]): string {
  const list = values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',');
  return `/users?$filter=${encodeURIComponent(`${property} in (${list})`)}&$select=id,mail&$top=999`;
}

export function createUserDirectory(opts: UserDirectoryOptions): UserDirectory {
  /** Look up every key; returns the answers (or Errors) of the keys it asked for. */
  async function fetchMissing(property: 'mail' | 'id', keys: string[], requestId?: string): Promise<Map<string, string | null | Error>> {
    const found = new Map<string, string | null | Error>();
    if (keys.length === 0) return found;
    const chunks: string[][] = [];
    for (let i = 0; i < keys.length; i += MAX_FILTER_VALUES) chunks.push(keys.slice(i, i + MAX_FILTER_VALUES));
    const results = await opts.graph.batch(chunks.map((c) => ({ method: 'GET' as const, url: userFilterUrl(property, c) })), { requestId });
    results.forEach((res, i) => {
      const chunk = chunks[i] ?? [];
      if (!res.ok) {
        for (const k of chunk) found.set(k, res.error);
        return;
      }
      const users = usersOf(res.body);
      for (const k of chunk) {
        const hit = users.find((u) => (property === 'mail' ? u.mail === k : u.id === k));
        found.set(k, hit ? (property === 'mail' ? hit.id : hit.mail) : null);
      }
    });
    return found;
  }

  async function resolve(property: 'mail' | 'id', raw: readonly string[], requestId?: string): Promise<Array<string | null | Error>> {
    const keys = raw.map((k) => userKey(property, k));
    const fetched = await fetchMissing(property, [...new Set(keys)].filter((k): k is string => k !== null), requestId);
    return keys.map((k) => (k === null ? null : fetched.get(k) ?? null));
  }

  return {
    userIdsByEmail: (emails, requestId) => resolve('mail', emails, requestId),
    mailsByUserId: (ids, requestId) => resolve('id', ids, requestId),
  };
}
