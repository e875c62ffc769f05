/**
 * Apollo Server plugin that reports cache tags (the cache protocol, `cacheTags.ts`):
 * - while executing, every object of an entity type whose fields the response resolves is tagged
 *   with `entityTags[<type>](object)` (once per object): if the response shows any field of an
 *   entity, the entity is in the response. Connection fields are covered too: the parent entity's
 *   fields resolve (so its tag is there) and so do the nodes'.
 * - `willSendResponse` adds `extensions.cacheTags` (everything contained) and, when the request
 *   invalidated anything, `extensions.invalidatedTags`. Both are left out when empty.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { CacheTagCollector } from './cacheTags';

/** Tags of one object of an entity type (the subgraph's model for that GraphQL type). */
export type EntityTagger = (source: never) => ReadonlyArray<string | null | undefined>;

/** Taggers by GraphQL type name, e.g. `{ SalesOrder: (o: SalesOrderModel) => [entityTag('SalesOrder', o.id)] }`. */
export type EntityTaggers = Readonly<Record<string, EntityTagger>>;

export interface CacheTagsPluginOptions<TContext> {
  entityTags: EntityTaggers;
  /** The request's collector (kept by the server beside the context). */
  collectorOf: (context: TContext) => CacheTagCollector | undefined;
}

export function createCacheTagsPlugin<TContext extends BaseContext>(opts: CacheTagsPluginOptions<TContext>): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart({ contextValue }) {
      const collector = opts.collectorOf(contextValue);
      if (!collector) return undefined;
      const seen = new WeakSet<object>();
      return {
        async executionDidStart() {
          return {
            willResolveField({ source, info }) {
              const tagger = opts.entityTags[info.parentType.name];
              if (!tagger || typeof source !== 'object' || source === null || seen.has(source as object)) return;
              seen.add(source as object);
              collector.add(...(tagger as (s: unknown) => ReadonlyArray<string | null | undefined>)(source));
            },
          };
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const tags = collector.tags();
          const invalidated = collector.invalidatedTags();
          if (tags.length === 0 && invalidated.length === 0) return;
          const result = response.body.singleResult;
          result.extensions = {
            ...result.extensions,
            ...(tags.length ? { cacheTags: tags } : {}),
            ...(invalidated.length ? { invalidatedTags: invalidated } : {}),
          };
        },
      };
    },
  };
}
