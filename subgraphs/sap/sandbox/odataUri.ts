/**
 * OData V2 resource paths below a service root: `A_SalesOrder`, `A_SalesOrder('1')`,
 * `A_SalesOrderItem(SalesOrder='1',SalesOrderItem='10')`, `A_SalesOrder('1')/to_Item`,
 * `.../$count`, `A_SalesOrder('1')/SoldToParty[/$value]`, plus `$metadata` and `$batch`.
 * Works on the raw (percent-encoded) path so that an encoded `/` inside a key stays in the key.
 */
import type { EntitySetDef, NavDef, Rec, ServiceDef } from './edmModel';
import { ODataError, SapCode } from './sapErrors';

export interface NavStep {
  nav: NavDef;
  target: EntitySetDef;
  key: Rec | undefined;
}

export type ResourcePath =
  | { kind: 'serviceDocument' }
  | { kind: 'metadata' }
  | { kind: 'batch' }
  | {
    kind: 'resource';
    set: EntitySetDef;
    key: Rec | undefined;
    navs: NavStep[];
    count: boolean;
    /** A single primitive property of the addressed entity. */
    property: string | undefined;
    /** `/$value` after a property: the raw value as text/plain. */
    value: boolean;
  };

const MAX_KEY_TEXT = 2048;

const uriError = (message: string): ODataError => new ODataError(400, SapCode.uriSyntax, message);
const notFound = (segment: string): ODataError => new ODataError(404, SapCode.resourceNotFound, `Resource not found for segment '${segment}'`);

/** Parse `'1'` or `SalesOrder='1',SalesOrderItem='10'` against the set's key properties. */
export function parseKeyPredicate(text: string, def: EntitySetDef): Rec {
  if (text.length > MAX_KEY_TEXT) throw uriError('Key predicate is too long');
  const values = new Map<string | null, string>();
  let i = 0;
  const readString = (): string => {
    if (text[i] !== "'") throw uriError(`Invalid key predicate '${text}': expected a quoted string at position ${i}`);
    let out = '';
    i++;
    for (;;) {
      const q = text.indexOf("'", i);
      if (q === -1) throw uriError(`Invalid key predicate '${text}': unterminated string`);
      out += text.slice(i, q);
      if (text[q + 1] === "'") { out += "'"; i = q + 2; continue; }
      i = q + 1;
      return out;
    }
  };
  while (i < text.length) {
    const name = /^[A-Za-z_][A-Za-z0-9_]*(?==)/.exec(text.slice(i, i + 128))?.[0] ?? null;
    if (name !== null) i += name.length + 1;
    if (values.has(name)) throw uriError(`Invalid key predicate '${text}': duplicate key`);
    values.set(name, readString());
    if (i < text.length) {
      if (text[i] !== ',' || name === null) throw uriError(`Invalid key predicate '${text}': unexpected character at position ${i}`);
      i++;
    }
  }
  const key: Rec = {};
  if (values.size === 1 && values.has(null)) {
    if (def.keys.length !== 1) throw uriError(`Entity set '${def.set}' has a composite key; name every key property`);
    key[def.keys[0] as string] = values.get(null) as string;
    return key;
  }
  for (const k of def.keys) {
    const v = values.get(k);
    if (v === undefined) throw uriError(`Key property '${k}' is missing in key predicate '${text}'`);
    key[k] = v;
  }
  if (values.size !== def.keys.length) throw uriError(`Invalid key predicate '${text}' for entity set '${def.set}'`);
  return key;
}

function decode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    throw uriError('The request URI is not valid percent-encoding');
  }
}

/** Split `Name(...)` into name and key text. */
function splitSegment(seg: string): { name: string; keyText: string | undefined } {
  const open = seg.indexOf('(');
  if (open === -1) return { name: seg, keyText: undefined };
  if (!seg.endsWith(')')) throw uriError(`Invalid segment '${seg}'`);
  return { name: seg.slice(0, open), keyText: seg.slice(open + 1, -1) };
}

/** Parse the raw path below the service root (e.g. `/A_SalesOrder('1')/to_Item`). */
export function parseResourcePath(rawRest: string, service: ServiceDef): ResourcePath {
  const segs = rawRest.split('/').map(decode);
  while (segs.length && segs[segs.length - 1] === '') segs.pop();
  while (segs.length && segs[0] === '') segs.shift();
  const first = segs[0];
  if (first === undefined) return { kind: 'serviceDocument' };
  if (first === '$metadata' && segs.length === 1) return { kind: 'metadata' };
  if (first === '$batch' && segs.length === 1) return { kind: 'batch' };
  const head = splitSegment(first);
  const set = service.sets.get(head.name);
  if (!set) throw notFound(head.name);
  const key = head.keyText === undefined ? undefined : parseKeyPredicate(head.keyText, set);
  const out: Extract<ResourcePath, { kind: 'resource' }> = { kind: 'resource', set, key, navs: [], count: false, property: undefined, value: false };
  let current = set;
  let single = key !== undefined;
  for (let i = 1; i < segs.length; i++) {
    const seg = segs[i] as string;
    const last = i === segs.length - 1;
    if (seg === '$count') {
      if (!last || single) throw uriError(`$count is only allowed as the last segment of a collection`);
      out.count = true;
      continue;
    }
    if (!single) throw uriError(`Segment '${seg}' must follow a single entity; add a key predicate`);
    const { name, keyText } = splitSegment(seg);
    const nav = current.navByName.get(name);
    if (nav) {
      const target = service.sets.get(nav.target);
      if (!target) throw notFound(name);
      if (keyText !== undefined && !nav.many) throw uriError(`Navigation property '${name}' is single-valued; remove the key predicate`);
      out.navs.push({ nav, target, key: keyText === undefined ? undefined : parseKeyPredicate(keyText, target) });
      current = target;
      single = !nav.many || keyText !== undefined;
      continue;
    }
    if (current.byName.has(name) && keyText === undefined) {
      const rest = segs.slice(i + 1);
      if (rest.length > 1 || (rest.length === 1 && rest[0] !== '$value')) throw uriError(`Invalid segment after property '${name}'`);
      out.property = name;
      out.value = rest.length === 1;
      return out;
    }
    throw notFound(name);
  }
  return out;
}
