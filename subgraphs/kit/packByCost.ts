/**
 * Greedy packing of keys into upstream requests under a size budget (SOQL `IN (...)` lists, OData
 * `or` chains): a group costs `base + Σ cost(item) + separator × (items - 1)` and stays within
 * `budget`. Order is kept; every group holds at least one item, even one that alone exceeds the
 * budget (callers that must refuse that check it themselves).
 */
export interface PackOptions<T> {
  /** Cost of the request without any item. @default 0 */
  base?: number;
  cost: (item: T) => number;
  /** Cost between two items (e.g. an encoded comma). @default 0 */
  separator?: number;
  budget: number;
}

export function packByCost<T>(items: readonly T[], opts: PackOptions<T>): T[][] {
  const base = opts.base ?? 0;
  const separator = opts.separator ?? 0;
  const groups: T[][] = [];
  let current: T[] = [];
  let size = base;
  for (const item of items) {
    const own = opts.cost(item);
    if (current.length && size + separator + own > opts.budget) {
      groups.push(current);
      current = [];
      size = base;
    }
    size += (current.length ? separator : 0) + own;
    current.push(item);
  }
  if (current.length) groups.push(current);
  return groups;
}
