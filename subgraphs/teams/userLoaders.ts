/**
 * Per-request DataLoaders over the user directory: every email (or user id) asked for in one tick of
 * a request becomes one directory lookup, which costs at most one `$batch` call per 20 filters of 15.
 */
import DataLoader from 'dataloader';
import type { UserDirectory } from './userDirectory';

export interface UserLoaders {
  /** Email → Graph user id (null when no user has that mail). */
  userIdByEmail: DataLoader<string, string | null>;
  /** Graph user id → mail (null when unknown or without mail). */
  mailByUserId: DataLoader<string, string | null>;
}

export function createUserLoaders(directory: UserDirectory, requestId: string): UserLoaders {
  return {
    userIdByEmail: new DataLoader((emails) => directory.userIdsByEmail(emails, requestId), { cacheKeyFn: (k) => k.trim().toLowerCase() }),
    mailByUserId: new DataLoader((ids) => directory.mailsByUserId(ids, requestId), { cacheKeyFn: (k) => k.toLowerCase() }),
  };
}
