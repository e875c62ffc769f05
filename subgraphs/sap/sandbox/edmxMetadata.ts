/**
 * `$metadata`: the EDMX (CSDL 2.0, `DataServiceVersion 2.0`) document of a service, generated from
 * the entity model with SAP's `sap:` annotations for labels, display formats and what is
 * creatable/updatable. The ETag property carries `ConcurrencyMode="Fixed"`.
 */
import type { EntitySetDef, NavDef, PropDef, ServiceDef } from './edmModel';
import { xmlEscape } from './odataAtom';

export interface MetadataOptions {
  /** Entity sets that accept create/update/delete. */
  writable: ReadonlySet<string>;
  /** Property holding the ETag basis, per entity set. */
  etagProperty: ReadonlyMap<string, string>;
}

function property(p: PropDef, etag: boolean, writable: boolean): string {
  const attrs = [`Name="${p.name}"`, `Type="${p.type}"`];
  if (p.nullable === false) attrs.push('Nullable="false"');
  if (p.maxLength !== undefined) attrs.push(`MaxLength="${p.maxLength}"`);
  if (p.precision !== undefined) attrs.push(`Precision="${p.precision}"`);
  if (p.scale !== undefined) attrs.push(`Scale="${p.scale}"`);
  if (etag) attrs.push('ConcurrencyMode="Fixed"');
  if (p.type === 'Edm.String') attrs.push('sap:display-format="UpperCase"');
  if (p.type === 'Edm.DateTime') attrs.push('sap:display-format="Date"');
  if (p.label) attrs.push(`sap:label="${xmlEscape(p.label)}"`);
  if (p.readOnly || !writable) attrs.push('sap:creatable="false"', 'sap:updatable="false"');
  else if (p.nullable === false) attrs.push('sap:updatable="false"');
  return `<Property ${attrs.join(' ')}/>`;
}

const fromRole = (n: NavDef): string => `FromRole_${n.association}`;
const toRole = (n: NavDef): string => `ToRole_${n.association}`;

function entityType(def: EntitySetDef, ns: string, opts: MetadataOptions): string {
  const writable = opts.writable.has(def.set);
  const etag = opts.etagProperty.get(def.set);
  return `<EntityType Name="${def.type}" sap:content-version="1"><Key>${def.keys.map((k) => `<PropertyRef Name="${k}"/>`).join('')}</Key>`
    + def.props.map((p) => property(p, p.name === etag, writable)).join('')
    + def.navs.map((n) => `<NavigationProperty Name="${n.name}" Relationship="${ns}.${n.association}" FromRole="${fromRole(n)}" ToRole="${toRole(n)}"/>`).join('')
    + '</EntityType>';
}

export function buildEdmx(service: ServiceDef, opts: MetadataOptions): string {
  const ns = service.namespace;
  const sets = [...service.sets.values()];
  const navs = sets.flatMap((def) => def.navs.map((nav) => ({ def, nav, target: service.sets.get(nav.target) as EntitySetDef })));
  const associations = navs.map(({ def, nav, target }) =>
    `<Association Name="${nav.association}" sap:content-version="1"><End Type="${ns}.${def.type}" Multiplicity="${nav.many ? '1' : '*'}" Role="${fromRole(nav)}"/>`
    + `<End Type="${ns}.${target.type}" Multiplicity="${nav.many ? '*' : '1'}" Role="${toRole(nav)}"/></Association>`).join('');
  const entitySets = sets.map((def) => {
    const w = opts.writable.has(def.set) ? '' : ' sap:creatable="false" sap:updatable="false" sap:deletable="false"';
    return `<EntitySet Name="${def.set}" EntityType="${ns}.${def.type}"${w} sap:content-version="1"/>`;
  }).join('');
  const associationSets = navs.map(({ def, nav, target }) =>
    `<AssociationSet Name="${nav.association}" Association="${ns}.${nav.association}" sap:creatable="false" sap:updatable="false" sap:deletable="false" sap:content-version="1">`
    + `<End EntitySet="${def.set}" Role="${fromRole(nav)}"/><End EntitySet="${target.set}" Role="${toRole(nav)}"/></AssociationSet>`).join('');
  return '<?xml version="1.0" encoding="utf-8"?>'
    + '<edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx" xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" xmlns:sap="http://www.sap.com/Protocols/SAPData">'
    + '<edmx:DataServices m:DataServiceVersion="2.0">'
    + `<Schema Namespace="${ns}" xml:lang="en" sap:schema-version="1" xmlns="http://schemas.microsoft.com/ado/2008/09/edm">`
    + sets.map((def) => entityType(def, ns, opts)).join('')
    + associations
    + `<EntityContainer Name="${ns}_Entities" m:IsDefaultEntityContainer="true" sap:supported-formats="atom json xlsx">${entitySets}${associationSets}</EntityContainer>`
    + '</Schema></edmx:DataServices></edmx:Edmx>';
}
