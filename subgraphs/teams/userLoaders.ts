/**
 * Per-request DataLoaders over the user directory: every email (or user id) asked for in one tick of
 * a request becomes one directory lookup, which costs at most one `$batch` call per 20 filters of 15.
 *
 * The tenant's entity cache sits in front (type `User`, TTL `TEAMS_USER_CACHE_TTL_MS`):
 * `email:<mail>` → user id and `<user id>` → mail, tagged `Contact:email:<mail>` and `User:<id>`; an
 * answer in one direction also fills the other. "No user has this mail" is cached too, for at most
 * `USER_NEGATIVE_TTL_MS`: most CRM contacts are customers without a Teams account, and without it
 * every `Contact.messages` of theirs would cost a directory call. Failures are not cached.
 */
import DataLoader from 'dataloader';
import { cachedBatch, type TenantCache } from '../kit/cachedBatch';
import { contactEmailTag } from '../kit/cacheTags';
import { USER_NEGATIVE_TTL_MS, userTag } from './teamsCacheTags';
import { userKey, type UserDirectory } from './userDirectory';

export interface UserLoaders {
  /** Email → Graph user id (null when no user has that mail). */
  userIdByEmail: DataLoader<string, string | null>;
  /** Graph user id → mail (null when unknown or without mail). */
  mailByUserId: DataLoader<string, string | null>;
}

const emailKey = (raw: string): string | null => {
  const k = userKey('mail', raw);
  return k === null ? null : `email:${k}`;
};
const pairTags = (mail: string | null, id: string | null): string[] =>
  [...(mail ? [contactEmailTag(mail)] : []), ...(id ? [userTag(id)] : [])];

export function createUserLoaders(directory: UserDirectory, requestId: string, cache: TenantCache): UserLoaders {
  const { entityCache, tenant } = cache;
  const common = { cache: entityCache, tenant, type: 'User', negativeTtlMs: Math.min(USER_NEGATIVE_TTL_MS, entityCache.ttlFor('User')) };
  /** Stores the other direction of a found pair, so a later lookup either way is a hit. */
  const remember = (mail: string, id: string): void => {
    entityCache.set(tenant, 'User', id, mail, { tags: pairTags(mail, id) });
    entityCache.set(tenant, 'User', `email:${mail}`, id, { tags: pairTags(mail, id) });
  };
  return {
    userIdByEmail: new DataLoader(cachedBatch<string, string | null>({
      ...common, keyOf: emailKey, tagsOf: (id, key) => pairTags(key.slice('email:'.length), id),
    }, async (emails) => {
      const ids = await directory.userIdsByEmail(emails, requestId);
      ids.forEach((id, i) => { if (typeof id === 'string') remember(userKey('mail', emails[i] as string) as string, id); });
      return ids;
    }), { cacheKeyFn: (k) => k.trim().toLowerCase() }),
    mailByUserId: new DataLoader(cachedBatch<string, string | null>({
      ...common, keyOf: (raw) => userKey('id', raw), tagsOf: (mail, id) => pairTags(mail, id),
    }, async (ids) => {
      const mails = await directory.mailsByUserId(ids, requestId);
      mails.forEach((mail, i) => { if (typeof mail === 'string') remember(mail, userKey('id', ids[i] as string) as string); });
      return mails;
    }), { cacheKeyFn: (k) => k.toLowerCase() }),
  };
}
