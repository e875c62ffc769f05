/**
 * The sandbox's in-memory database: one table per entity set (rows by key, kept in key order),
 * a parent index per child table (items by sales order, addresses by business partner, emails and
 * phones by address), lazily built value indexes for `eq`/`or` chains, and a journal so that a
 * `$batch` changeset can be rolled back atomically. Committed writes are also remembered per row
 * (`takeChanges`), which is what the business-event emitter (`eventMesh.ts`) turns into CloudEvents.
 */
import { compareKeys, keyOf, type EntitySetDef, type NavDef, type Rec } from './edmModel';
import { businessPartnerService } from './businessPartnerModel';
import { salesOrderService } from './salesOrderModel';
import { buildSapSeed, type SapSeedOptions } from './sapSeed';

interface Table {
  def: EntitySetDef;
  rows: Map<string, Rec>;
  /** The first key property, by which child rows are grouped under their parent. */
  groupField: string | undefined;
  groups: Map<string, Map<string, Rec>>;
  valueIndexes: Map<string, Map<string, Rec[]>>;
  sortedCache: Rec[] | null;
  /** Set when a row was inserted out of key order; the next read re-sorts. */
  unsorted: boolean;
  last: Rec | undefined;
}

interface JournalEntry { set: string; key: string; prev: Rec | undefined }

/** A row written since the last `takeChanges`: its state before the first write and now (undefined = absent). */
export interface StoreChange {
  set: string;
  key: string;
  before: Rec | undefined;
  after: Rec | undefined;
}

export interface SapStore {
  readonly sets: ReadonlyMap<string, EntitySetDef>;
  /** A row by its internal key string (see `keyOf`). */
  get(set: string, key: string): Rec | undefined;
  /** All rows of a set in key order (do not mutate the array). */
  all(set: string): readonly Rec[];
  /** Rows whose `prop` equals one of `values`, in key order (uses a lazily built index). */
  byValues(set: string, prop: string, values: readonly string[]): Rec[];
  /** Rows reached from `rec` over a navigation property. */
  navigate(nav: NavDef, rec: Rec): Rec[] | Rec | null;
  count(set: string): number;
  /** Insert or replace a row (rows are immutable: replace, never mutate in place). */
  put(set: string, rec: Rec): void;
  remove(set: string, key: string): void;
  /** The billing currency of a seeded customer. */
  customerCurrency(bp: string): string | undefined;
  /** Next free sales order number. */
  nextSalesOrder(): string;
  /** Start journaling writes; `rollback` undoes everything since, `commit` keeps it. */
  begin(): void;
  commit(): void;
  rollback(): void;
  /**
   * Rows changed by committed writes since the last call (one entry per row, in first-write order),
   * then forgets them. Writes a rolled-back changeset made are not reported. For the event emitter.
   */
  takeChanges(): StoreChange[];
  /** Restore the seed data (and forget pending changes: a reset is no business event). */
  reset(): void;
}

export function createSapStore(seedOptions: SapSeedOptions = {}): SapStore {
  const sets = new Map<string, EntitySetDef>([...salesOrderService.sets, ...businessPartnerService.sets]);
  let tables = new Map<string, Table>();
  let nextOrder = 1;
  let currencies = new Map<string, string>();
  let journal: JournalEntry[] | null = null;
  let journalNextOrder = 0;
  /** Rows written since the last `takeChanges`, with their state before the first write. */
  let changes = new Map<string, { set: string; key: string; before: Rec | undefined }>();
  let journalChanges: typeof changes | null = null;

  function table(set: string): Table {
    const t = tables.get(set);
    if (!t) throw new Error(`unknown entity set ${set}`);
    return t;
  }

  function rawPut(t: Table, rec: Rec): void {
    const key = keyOf(t.def, rec);
    const existed = t.rows.has(key);
    if (!existed && t.last && compareKeys(t.def, rec, t.last) < 0) t.unsorted = true;
    t.rows.set(key, rec);
    if (!existed && (!t.last || compareKeys(t.def, rec, t.last) > 0)) t.last = rec;
    if (t.groupField !== undefined) {
      const g = String(rec[t.groupField] ?? '');
      let m = t.groups.get(g);
      if (!m) t.groups.set(g, (m = new Map()));
      m.set(key, rec);
    }
    t.sortedCache = null;
    t.valueIndexes.clear();
  }

  /** Fast path for the seed: no journal, indexes built once. */
  function bulkLoad(t: Table, rows: readonly Rec[]): void {
    let prev: Rec | undefined;
    for (const r of rows) {
      const key = keyOf(t.def, r);
      t.rows.set(key, r);
      if (t.groupField !== undefined) {
        const g = String(r[t.groupField] ?? '');
        let m = t.groups.get(g);
        if (!m) t.groups.set(g, (m = new Map()));
        m.set(key, r);
      }
      if (prev && compareKeys(t.def, r, prev) < 0) t.unsorted = true;
      else prev = r;
    }
    t.last = prev;
  }

  function rawRemove(t: Table, key: string): void {
    const rec = t.rows.get(key);
    if (!rec) return;
    t.rows.delete(key);
    if (t.groupField !== undefined) t.groups.get(String(rec[t.groupField] ?? ''))?.delete(key);
    t.sortedCache = null;
    t.valueIndexes.clear();
  }

  function sorted(t: Table): Rec[] {
    if (t.sortedCache) return t.sortedCache;
    let list = [...t.rows.values()];
    if (t.unsorted) {
      list.sort((a, b) => compareKeys(t.def, a, b));
      t.rows = new Map(list.map((r) => [keyOf(t.def, r), r] as const));
      t.unsorted = false;
      list = [...t.rows.values()];
    }
    t.sortedCache = list;
    return list;
  }

  function load(): void {
    const seed = buildSapSeed(seedOptions);
    tables = new Map();
    for (const def of sets.values()) {
      tables.set(def.set, {
        def, rows: new Map(), groupField: def.keys.length > 1 ? def.keys[0] : undefined, groups: new Map(),
        valueIndexes: new Map(), sortedCache: null, unsorted: false, last: undefined,
      });
    }
    for (const [set, rows] of Object.entries(seed.rows)) bulkLoad(table(set), rows);
    nextOrder = seed.nextSalesOrder;
    currencies = seed.customerCurrency;
    journal = null;
    changes = new Map();
    journalChanges = null;
  }

  function record(set: string, key: string): void {
    const prev = table(set).rows.get(key);
    if (journal) journal.push({ set, key, prev });
    const id = `${set}\u0000${key}`;
    if (!changes.has(id)) changes.set(id, { set, key, before: prev });
  }

  load();

  return {
    sets,
    get: (set, key) => table(set).rows.get(key),
    all: (set) => sorted(table(set)),
    count: (set) => table(set).rows.size,
    byValues(set, prop, values) {
      const t = table(set);
      let idx = t.valueIndexes.get(prop);
      if (!idx) {
        idx = new Map();
        for (const r of sorted(t)) {
          const v = String(r[prop] ?? '');
          const list = idx.get(v);
          if (list) list.push(r);
          else idx.set(v, [r]);
        }
        t.valueIndexes.set(prop, idx);
      }
      const out: Rec[] = [];
      for (const v of new Set(values)) out.push(...(idx.get(v) ?? []));
      if (values.length > 1) out.sort((a, b) => compareKeys(t.def, a, b));
      return out;
    },
    navigate(nav, rec) {
      const t = table(nav.target);
      const matches = (r: Rec): boolean =>
        nav.join.every(([from, to]) => r[to] === rec[from]) && Object.entries(nav.where ?? {}).every(([k, v]) => r[k] === v);
      const first = nav.join[0];
      let candidates: Iterable<Rec>;
      if (nav.join.length === 1 && first && first[1] === t.groupField) {
        candidates = [...(t.groups.get(String(rec[first[0]] ?? ''))?.values() ?? [])].sort((a, b) => compareKeys(t.def, a, b));
      } else if (nav.join.length === t.def.keys.length && nav.join.every(([, to]) => t.def.keys.includes(to))) {
        const target: Rec = {};
        for (const [from, to] of nav.join) target[to] = rec[from] ?? null;
        const hit = t.rows.get(keyOf(t.def, target));
        candidates = hit ? [hit] : [];
      } else {
        candidates = sorted(t);
      }
      const found = [...candidates].filter(matches);
      return nav.many ? found : found[0] ?? null;
    },
    put(set, rec) {
      const t = table(set);
      record(set, keyOf(t.def, rec));
      rawPut(t, rec);
    },
    remove(set, key) {
      record(set, key);
      rawRemove(table(set), key);
    },
    customerCurrency: (bp) => currencies.get(bp),
    nextSalesOrder: () => String(nextOrder++),
    begin() {
      journal = [];
      journalNextOrder = nextOrder;
      journalChanges = new Map(changes);
    },
    commit() {
      journal = null;
      journalChanges = null;
    },
    rollback() {
      if (!journal) return;
      for (const e of journal.reverse()) {
        const t = table(e.set);
        if (e.prev) rawPut(t, e.prev);
        else rawRemove(t, e.key);
      }
      nextOrder = journalNextOrder;
      journal = null;
      if (journalChanges) changes = journalChanges;
      journalChanges = null;
    },
    takeChanges() {
      if (journal) return [];
      const out = [...changes.values()].map((c) => ({ ...c, after: table(c.set).rows.get(c.key) }));
      changes = new Map();
      return out;
    },
    reset: load,
  };
}
