/**
 * Cache tags (the shared cache protocol): strings `Type:id` naming the entities a response or a
 * cache entry holds, e.g. `SalesOrder:5000001`, `Contact:003xx000004TmiQAAS`, `Message:<canonical id>`.
 * A contact known by email only is `Contact:email:<lower-cased email>`. Subgraphs report the tags
 * of a response in `extensions.cacheTags` and, for mutations, what they changed in
 * `extensions.invalidatedTags`; `POST /internal/invalidate` and `invalidate()` evict by tag.
 *
 * Each request gets a collector: the server's plugin adds the tags of every entity object whose
 * fields the response resolves, resolvers may add more (e.g. the business partners behind a list),
 * and mutations record what they invalidated.
 */

/** Longest tag accepted by the invalidation API. */
export const MAX_TAG_LENGTH = 512;

/** `Type:id`, e.g. `entityTag('SalesOrder', '5000001')`. */
export function entityTag(type: string, id: string): string {
  return `${type}:${id}`;
}

/** `Contact:email:<email>`, trimmed and lower-cased (the cross-system identity). */
export function contactEmailTag(email: string): string {
  return `Contact:email:${email.trim().toLowerCase()}`;
}

export interface CacheTagCollector {
  /** Adds tags of entities the response contains (empty and missing values are skipped). */
  add(...tags: ReadonlyArray<string | null | undefined>): void;
  /** Records tags a mutation changed (reported in `extensions.invalidatedTags`). */
  addInvalidated(tags: Iterable<string>): void;
  /** Tags of everything the response contains, deduplicated, in first-seen order. */
  tags(): string[];
  /** Tags invalidated by this request, deduplicated. */
  invalidatedTags(): string[];
}

export function createCacheTagCollector(): CacheTagCollector {
  const contained = new Set<string>();
  const invalidated = new Set<string>();
  return {
    add(...tags) {
      for (const t of tags) if (t) contained.add(t);
    },
    addInvalidated(tags) {
      for (const t of tags) if (t) invalidated.add(t);
    },
    tags: () => [...contained],
    invalidatedTags: () => [...invalidated],
  };
}
