/**
 * Cache tags of the Teams subgraph (the cache protocol, `kit/cacheTags.ts`): `Message:<canonical
 * id>`, `Team:<id>`, `Channel:<19:...@thread.tacv2>`, `Contact:email:<email>` for the contacts Teams
 * knows by email, and `User:<Graph user id>` on the user-directory cache entries.
 * Entity-cache TTL defaults per type match the `@cacheControl` hints of `schema/teams.graphql`
 * (`User` comes from `TEAMS_USER_CACHE_TTL_MS`).
 */
import { contactEmailTag, entityTag } from '../kit/cacheTags';
import type { EntityTaggers } from '../kit/cacheTagsPlugin';
import type { ChannelModel, ContactRefModel, MessageModel, TeamModel } from './model';

export const messageTag = (id: string): string => entityTag('Message', id);
export const channelTag = (id: string): string => entityTag('Channel', id);
export const userTag = (id: string): string => entityTag('User', id);

/** What `startSubgraphServer` tags responses with, by GraphQL type. */
export const teamsEntityTags: EntityTaggers = {
  Message: (m: MessageModel) => [messageTag(m.id)],
  Team: (t: TeamModel) => [entityTag('Team', t.id)],
  Channel: (c: ChannelModel) => [channelTag(c.id)],
  Contact: (c: ContactRefModel) => [contactEmailTag(c.email)],
};

/** Entity-cache TTLs (ms) by type; `ENTITY_CACHE_TTL_<TYPE>_MS` overrides. */
export function teamsCacheTtls(userCacheTtlMs: number): Record<string, number> {
  return { Message: 15_000, User: userCacheTtlMs };
}

/** How long "no Teams user has this mail / id" is cached (or the User TTL when shorter). */
export const USER_NEGATIVE_TTL_MS = 60_000;
