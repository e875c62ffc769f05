/**
 * The OData V2 JSON format as SAP Gateway writes it: `{"d": {...}}` for an entity,
 * `{"d": {"results": [...], "__count": "n", "__next": "<absolute url>"}}` for a feed, `__metadata`
 * with `id`, `uri`, `type` and `etag`, `/Date(ms)/` for Edm.DateTime, `/Date(ms+0000)/` for
 * Edm.DateTimeOffset, `PT10H00M00S` for Edm.Time, decimals as strings, `__deferred` for
 * navigations that were not expanded. Also the reverse: payload values into stored values.
 */
import type { EntitySetDef, PropDef, Rec, ServiceDef, Value } from './edmModel';
import type { ExpandTree, SelectTree } from './odataQueryOptions';
import { selectAll } from './odataQueryOptions';
import { ODataError, SapCode } from './sapErrors';
import type { SapStore } from './sapStore';

export interface SerializeContext {
  /** Absolute service root without trailing slash, e.g. `http://127.0.0.1:4004/sap/opu/odata/sap/API_SALES_ORDER_SRV`. */
  serviceUrl: string;
  service: ServiceDef;
  store: SapStore;
  etagOf(def: EntitySetDef, rec: Rec): string | undefined;
}

export function formatTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `PT${p(Math.floor(s / 3600))}H${p(Math.floor(s / 60) % 60)}M${p(s % 60)}S`;
}

/** A stored value in V2 JSON. */
export function jsonValue(p: PropDef, v: Value | undefined): Value {
  if (v === null || v === undefined) return null;
  switch (p.type) {
    case 'Edm.DateTime': return `/Date(${Number(v)})/`;
    case 'Edm.DateTimeOffset': return `/Date(${Number(v)}+0000)/`;
    case 'Edm.Time': return formatTime(Number(v));
    case 'Edm.Decimal': return String(v);
    default: return v;
  }
}

/** A weak ETag from a timestamp, in the form Gateway uses: `W/"datetimeoffset'2024-01-15T10%3A00%3A00.0000000Z'"`. */
export function etagFromTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
  return `W/"datetimeoffset'${iso.replace(/:/g, '%3A')}'"`;
}

export function keyPredicate(def: EntitySetDef, rec: Rec): string {
  const lit = (v: Value | undefined): string => `'${encodeURIComponent(String(v ?? '').replace(/'/g, "''"))}'`;
  if (def.keys.length === 1) return `(${lit(rec[def.keys[0] as string])})`;
  return `(${def.keys.map((k) => `${k}=${lit(rec[k])}`).join(',')})`;
}

export const entityPath = (def: EntitySetDef, rec: Rec): string => `${def.set}${keyPredicate(def, rec)}`;

export function entityJson(ctx: SerializeContext, def: EntitySetDef, rec: Rec, select: SelectTree, expand: ExpandTree): Record<string, unknown> {
  const uri = `${ctx.serviceUrl}/${entityPath(def, rec)}`;
  const etag = ctx.etagOf(def, rec);
  const out: Record<string, unknown> = {
    __metadata: { id: uri, uri, type: `${ctx.service.namespace}.${def.type}`, ...(etag ? { etag } : {}) },
  };
  for (const p of def.props) {
    if (select.all || select.props.has(p.name)) out[p.name] = jsonValue(p, rec[p.name]);
  }
  for (const nav of def.navs) {
    const sub = select.all ? undefined : select.navs.get(nav.name);
    if (!select.all && !sub) continue;
    const exp = expand.get(nav.name);
    const target = ctx.service.sets.get(nav.target);
    if (!exp || !target) {
      out[nav.name] = { __deferred: { uri: `${uri}/${nav.name}` } };
      continue;
    }
    const subSelect = sub ?? selectAll();
    const related = ctx.store.navigate(nav, rec);
    if (Array.isArray(related)) out[nav.name] = { results: related.map((r) => entityJson(ctx, target, r, subSelect, exp)) };
    else out[nav.name] = related ? entityJson(ctx, target, related, subSelect, exp) : null;
  }
  return out;
}

const DATE_RE = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/;
const ISO_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const TIME_RE = /^PT(?:(\d{1,2})H)?(?:(\d{1,2})M)?(?:(\d{1,2})(?:\.\d+)?S)?$/;
const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function invalid(p: PropDef, raw: unknown): ODataError {
  const shown = typeof raw === 'string' ? raw.slice(0, 60) : JSON.stringify(raw)?.slice(0, 60) ?? String(raw);
  return new ODataError(400, SapCode.payload, `Invalid value '${shown}' for property '${p.name}' of type '${p.type}'`, [
    { code: SapCode.payload, message: `Invalid value for property '${p.name}'`, propertyref: p.name, target: p.name },
  ]);
}

/** Convert a JSON payload value into the stored representation, validating type, length and precision. */
export function storedValue(p: PropDef, raw: unknown): Value {
  if (raw === null) {
    if (p.nullable === false) throw invalid(p, raw);
    return null;
  }
  switch (p.type) {
    case 'Edm.String': {
      if (typeof raw !== 'string') throw invalid(p, raw);
      if (p.maxLength !== undefined && raw.length > p.maxLength) {
        throw new ODataError(400, SapCode.payload, `Value for property '${p.name}' is longer than ${p.maxLength} characters`, [
          { code: SapCode.payload, message: `Value too long for '${p.name}'`, propertyref: p.name, target: p.name },
        ]);
      }
      return raw;
    }
    case 'Edm.Boolean':
      if (typeof raw !== 'boolean') throw invalid(p, raw);
      return raw;
    case 'Edm.Guid':
      if (typeof raw !== 'string' || !GUID_RE.test(raw)) throw invalid(p, raw);
      return raw.toLowerCase();
    case 'Edm.Int32':
      if (!Number.isInteger(raw)) throw invalid(p, raw);
      return raw as number;
    case 'Edm.Decimal': {
      const text = typeof raw === 'number' ? String(raw) : raw;
      if (typeof text !== 'string' || !/^-?\d+(\.\d+)?$/.test(text)) throw invalid(p, raw);
      const [int = '', frac = ''] = text.replace('-', '').split('.');
      const scale = p.scale ?? 0;
      if (frac.length > scale || int.replace(/^0+/, '').length > (p.precision ?? 16) - scale) throw invalid(p, raw);
      return text;
    }
    case 'Edm.DateTime':
    case 'Edm.DateTimeOffset': {
      if (typeof raw !== 'string') throw invalid(p, raw);
      const m = DATE_RE.exec(raw);
      // The ticks are UTC milliseconds; a `+0000` suffix only states the offset for display.
      if (m) return Number(m[1]);
      if (!ISO_RE.test(raw)) throw invalid(p, raw);
      const ms = Date.parse(/[zZ]|[+-]\d{2}:\d{2}$/.test(raw) || raw.length === 10 ? raw : `${raw}Z`);
      if (Number.isNaN(ms)) throw invalid(p, raw);
      return ms;
    }
    case 'Edm.Time': {
      const m = typeof raw === 'string' ? TIME_RE.exec(raw) : null;
      if (!m || raw === 'PT') throw invalid(p, raw);
      return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
    }
  }
}
