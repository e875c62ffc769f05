/**
 * The OData V2 Atom format (V2's default when a client does not ask for JSON): feeds, entries with
 * `m:properties`, inline expansions, `m:count`, the `next` link, and the AtomPub service document.
 * Read-only: the sandbox accepts JSON payloads only.
 */
import type { EntitySetDef, PropDef, Rec, Value } from './edmModel';
import { entityPath, formatTime, type SerializeContext } from './odataJson';
import type { ExpandTree, SelectTree } from './odataQueryOptions';
import { selectAll } from './odataQueryOptions';

const NS = 'xmlns="http://www.w3.org/2005/Atom" xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices"';
const REL = 'http://schemas.microsoft.com/ado/2007/08/dataservices/related/';

/** Drop the control characters XML 1.0 cannot carry at all (everything below U+0020 but tab, LF, CR). */
function dropControlChars(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c >= 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) out += ch;
  }
  return out;
}

export const xmlEscape = (s: string): string =>
  dropControlChars(s).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] as string);

function xmlValue(p: PropDef, v: Value): string {
  switch (p.type) {
    case 'Edm.DateTime': return new Date(Number(v)).toISOString().slice(0, 19);
    case 'Edm.DateTimeOffset': return new Date(Number(v)).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
    case 'Edm.Time': return formatTime(Number(v));
    default: return xmlEscape(String(v));
  }
}

function properties(def: EntitySetDef, rec: Rec, select: SelectTree): string {
  let out = '';
  for (const p of def.props) {
    if (!select.all && !select.props.has(p.name)) continue;
    const v = rec[p.name];
    const type = p.type === 'Edm.String' ? '' : ` m:type="${p.type}"`;
    out += v === null || v === undefined ? `<d:${p.name}${type} m:null="true"/>` : `<d:${p.name}${type}>${xmlValue(p, v)}</d:${p.name}>`;
  }
  return out;
}

function entry(ctx: SerializeContext, def: EntitySetDef, rec: Rec, select: SelectTree, expand: ExpandTree, root: boolean): string {
  const path = entityPath(def, rec);
  const etag = ctx.etagOf(def, rec);
  let links = `<link href="${xmlEscape(path)}" rel="self" title="${def.type}"/>`;
  for (const nav of def.navs) {
    const sub = select.all ? undefined : select.navs.get(nav.name);
    if (!select.all && !sub) continue;
    const type = nav.many ? 'feed' : 'entry';
    const head = `<link href="${xmlEscape(`${path}/${nav.name}`)}" rel="${REL}${nav.name}" type="application/atom+xml;type=${type}" title="${nav.name}"`;
    const exp = expand.get(nav.name);
    const target = ctx.service.sets.get(nav.target);
    if (!exp || !target) { links += `${head}/>`; continue; }
    const related = ctx.store.navigate(nav, rec);
    const subSelect = sub ?? selectAll();
    const inline = Array.isArray(related)
      ? `<feed><id>${xmlEscape(`${ctx.serviceUrl}/${path}/${nav.name}`)}</id><title type="text">${target.set}</title><updated>${new Date().toISOString()}</updated>${related.map((r) => entry(ctx, target, r, subSelect, exp, false)).join('')}</feed>`
      : related ? entry(ctx, target, related, subSelect, exp, false) : '';
    links += `${head}><m:inline>${inline}</m:inline></link>`;
  }
  const attrs = `${root ? ` xml:base="${xmlEscape(ctx.serviceUrl)}/" ${NS}` : ''}${etag ? ` m:etag="${xmlEscape(etag)}"` : ''}`;
  return `<entry${attrs}><id>${xmlEscape(`${ctx.serviceUrl}/${path}`)}</id><title type="text">${xmlEscape(path)}</title>`
    + `<updated>${new Date().toISOString()}</updated><category term="${ctx.service.namespace}.${def.type}" scheme="http://schemas.microsoft.com/ado/2007/08/dataservices/scheme"/>`
    + `${links}<content type="application/xml"><m:properties>${properties(def, rec, select)}</m:properties></content></entry>`;
}

const PROLOG = '<?xml version="1.0" encoding="utf-8"?>';

export function atomEntry(ctx: SerializeContext, def: EntitySetDef, rec: Rec, select: SelectTree, expand: ExpandTree): string {
  return PROLOG + entry(ctx, def, rec, select, expand, true);
}

export function atomFeed(
  ctx: SerializeContext, def: EntitySetDef, title: string, rows: readonly Rec[], select: SelectTree, expand: ExpandTree,
  extras: { count?: number; next?: string },
): string {
  return `${PROLOG}<feed xml:base="${xmlEscape(ctx.serviceUrl)}/" ${NS}><id>${xmlEscape(`${ctx.serviceUrl}/${title}`)}</id>`
    + `<title type="text">${xmlEscape(title)}</title><updated>${new Date().toISOString()}</updated><author><name/></author>`
    + `<link href="${xmlEscape(title)}" rel="self" title="${def.set}"/>`
    + (extras.count !== undefined ? `<m:count>${extras.count}</m:count>` : '')
    + rows.map((r) => entry(ctx, def, r, select, expand, false)).join('')
    + (extras.next ? `<link href="${xmlEscape(extras.next)}" rel="next"/>` : '')
    + '</feed>';
}

export function atomServiceDocument(serviceUrl: string, sets: string[]): string {
  return `${PROLOG}<app:service xml:base="${xmlEscape(serviceUrl)}/" xmlns:app="http://www.w3.org/2007/app" xmlns:atom="http://www.w3.org/2005/Atom">`
    + `<app:workspace><atom:title type="text">Data</atom:title>`
    + sets.map((s) => `<app:collection href="${s}"><atom:title type="text">${s}</atom:title></app:collection>`).join('')
    + '</app:workspace></app:service>';
}

/** A single property in XML (`A_SalesOrder('1')/SoldToParty`). */
export function atomProperty(p: PropDef, v: Value | undefined): string {
  const type = p.type === 'Edm.String' ? '' : ` m:type="${p.type}"`;
  const ns = 'xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"';
  return v === null || v === undefined ? `${PROLOG}<d:${p.name} ${ns}${type} m:null="true"/>` : `${PROLOG}<d:${p.name} ${ns}${type}>${xmlValue(p, v)}</d:${p.name}>`;
}
