/**
 * The entity data model the sandbox serves: entity sets, their properties with EDM types and
 * lengths, keys and navigation properties. Everything else (metadata, JSON/Atom serialisation,
 * `$filter` typing, write validation) is driven by these definitions, so a property exists in one
 * place only. Property names and types follow PROTOCOLS.md 3.2 (the real EDMX of the two APIs).
 */

export type EdmType =
  | 'Edm.String' | 'Edm.DateTime' | 'Edm.DateTimeOffset' | 'Edm.Time' | 'Edm.Decimal'
  | 'Edm.Boolean' | 'Edm.Guid' | 'Edm.Int32';

/**
 * A stored value: strings for Edm.String/Edm.Guid/Edm.Decimal (decimals keep their canonical text),
 * epoch milliseconds for Edm.DateTime/Edm.DateTimeOffset, milliseconds since midnight for Edm.Time.
 */
export type Value = string | number | boolean | null;
export type Rec = Record<string, Value>;

export interface PropDef {
  name: string;
  type: EdmType;
  maxLength?: number;
  precision?: number;
  scale?: number;
  /** @default true (keys are never nullable) */
  nullable?: boolean;
  /** Computed by the system; a client sending it on create/update gets a 400. */
  readOnly?: boolean;
  /** Numeric document number with SAP's ALPHA conversion: "9" sorts before "10". */
  alpha?: boolean;
  label?: string;
}

export interface NavDef {
  name: string;
  /** Target entity set name. */
  target: string;
  many: boolean;
  /** Join condition: pairs of [source property, target property]. */
  join: Array<[string, string]>;
  /** Constant conditions on the target (e.g. only mobile numbers). */
  where?: Rec;
  /** Association name used in `$metadata`. */
  association: string;
}

export interface EntitySetDef {
  set: string;
  type: string;
  keys: string[];
  props: PropDef[];
  navs: NavDef[];
  byName: Map<string, PropDef>;
  navByName: Map<string, NavDef>;
}

export interface ServiceDef {
  /** Technical service name, e.g. `API_SALES_ORDER_SRV`. */
  name: string;
  /** Path of the service root without trailing slash. */
  root: string;
  /** Schema namespace (same as the service name for SAP's published APIs). */
  namespace: string;
  /** SAP application component, shown in error bodies. */
  componentId: string;
  sets: Map<string, EntitySetDef>;
}

export const SERVICE_PATH_PREFIX = '/sap/opu/odata/sap/';

export function defineEntitySet(def: Omit<EntitySetDef, 'byName' | 'navByName'>): EntitySetDef {
  const byName = new Map(def.props.map((p) => [p.name, p] as const));
  for (const k of def.keys) {
    const p = byName.get(k);
    if (!p) throw new Error(`entity set ${def.set}: key ${k} is not a property`);
    p.nullable = false;
  }
  return { ...def, byName, navByName: new Map(def.navs.map((n) => [n.name, n] as const)) };
}

export function defineService(name: string, componentId: string, sets: EntitySetDef[]): ServiceDef {
  return { name, root: `${SERVICE_PATH_PREFIX}${name}`, namespace: name, componentId, sets: new Map(sets.map((s) => [s.set, s] as const)) };
}

/** Short helpers to keep the property tables readable. */
export const str = (name: string, maxLength: number, extra: Partial<PropDef> = {}): PropDef => ({ name, type: 'Edm.String', maxLength, ...extra });
export const date = (name: string, extra: Partial<PropDef> = {}): PropDef => ({ name, type: 'Edm.DateTime', precision: 0, ...extra });
export const dto = (name: string, extra: Partial<PropDef> = {}): PropDef => ({ name, type: 'Edm.DateTimeOffset', precision: 7, ...extra });
export const time = (name: string, extra: Partial<PropDef> = {}): PropDef => ({ name, type: 'Edm.Time', precision: 0, ...extra });
export const dec = (name: string, precision: number, scale: number, extra: Partial<PropDef> = {}): PropDef => ({ name, type: 'Edm.Decimal', precision, scale, ...extra });
export const bool = (name: string, extra: Partial<PropDef> = {}): PropDef => ({ name, type: 'Edm.Boolean', ...extra });
export const guid = (name: string, extra: Partial<PropDef> = {}): PropDef => ({ name, type: 'Edm.Guid', ...extra });

/** Internal key string of a record (composite keys joined with a separator that cannot be typed in a URL). */
export function keyOf(def: EntitySetDef, rec: Rec): string {
  const keys = def.keys;
  if (keys.length === 1) return String(rec[keys[0] as string] ?? '');
  let out = String(rec[keys[0] as string] ?? '');
  for (let i = 1; i < keys.length; i++) out += `\u0000${String(rec[keys[i] as string] ?? '')}`;
  return out;
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function stripZeros(s: string): string {
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 48) i++;
  return i === 0 ? s : s.slice(i);
}

/** Compare two strings the way ABAP sorts ALPHA-converted numbers ("9" < "10"), else by code unit. */
export function compareStrings(a: string, b: string, alpha: boolean): number {
  if (alpha && isDigits(a) && isDigits(b)) {
    const x = stripZeros(a);
    const y = stripZeros(b);
    if (x.length !== y.length) return x.length < y.length ? -1 : 1;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Order two records by their keys (ALPHA-aware). */
export function compareKeys(def: EntitySetDef, a: Rec, b: Rec): number {
  for (const k of def.keys) {
    const p = def.byName.get(k);
    const c = compareStrings(String(a[k] ?? ''), String(b[k] ?? ''), p?.alpha === true);
    if (c !== 0) return c;
  }
  return 0;
}
