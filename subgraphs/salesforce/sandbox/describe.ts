/**
 * Metadata resources: `GET /services/data` (versions), `GET /services/data/vNN.0` (resources),
 * `GET /limits`, describeGlobal `GET /sobjects`, basic info `GET /sobjects/{Type}` and
 * `GET /sobjects/{Type}/describe`, in the shapes of Salesforce's REST API.
 */
import type { Route } from '../../kit/sandboxServer';
import { SalesforceApiError, invalidTypeMessage } from './salesforceErrors';
import type { RestResource } from './restSupport';
import { SOBJECTS, findSObject, type FieldDef, type SObjectDef } from './sobjectSchema';

/** The newest API version the sandbox advertises (any vNN.0 from 20.0 up is served). */
export const LATEST_VERSION = 65;

/** Release name of an API version: 59.0 → "Winter '24", 60.0 → "Spring '24". */
export function releaseLabel(major: number): string {
  const n = major - 60;
  const year = 24 + Math.floor(n / 3);
  const r = n - Math.floor(n / 3) * 3;
  return r === 0 ? `Spring '${year}` : r === 1 ? `Summer '${year}` : `Winter '${year + 1}`;
}

function sobjectUrls(def: SObjectDef, version: string): Record<string, string> {
  const base = `/services/data/v${version}/sobjects/${def.name}`;
  return { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` };
}

function globalEntry(def: SObjectDef, version: string): Record<string, unknown> {
  return {
    activateable: false, createable: def.createable, custom: false, customSetting: false, deepCloneable: false,
    deletable: def.deletable, deprecatedAndHidden: false, feedEnabled: false, hasSubtypes: false, isInterface: false,
    isSubtype: false, keyPrefix: def.keyPrefix, label: def.label, labelPlural: def.labelPlural, layoutable: true,
    mergeable: def.deletable, mruEnabled: true, name: def.name, queryable: def.queryable, replicateable: true,
    retrieveable: true, searchable: true, triggerable: true, undeletable: def.deletable, updateable: def.updateable,
    urls: sobjectUrls(def, version),
  };
}

const SOAP_TYPE: Record<string, string> = {
  id: 'tns:ID', reference: 'tns:ID', datetime: 'xsd:dateTime', date: 'xsd:date', boolean: 'xsd:boolean', int: 'xsd:int', currency: 'xsd:double',
};

function describeField(f: FieldDef): Record<string, unknown> {
  const text = f.length > 0;
  return {
    aggregatable: f.type !== 'textarea', autoNumber: false, byteLength: text ? f.length * 3 : 0, calculated: f.calculated,
    cascadeDelete: false, caseSensitive: false, createable: f.createable, custom: false,
    defaultValue: null, defaultedOnCreate: f.defaultedOnCreate, dependentPicklist: false, deprecatedAndHidden: false,
    digits: f.type === 'int' ? 9 : 0, externalId: false, filterable: f.type !== 'textarea', groupable: f.type !== 'textarea' && f.type !== 'currency',
    htmlFormatted: false, idLookup: f.type === 'id' || f.name === 'Email' || f.name === 'Username', label: f.label, length: f.length,
    name: f.name, nameField: f.name === 'Name', namePointing: false, nillable: f.nillable, permissionable: f.nillable,
    picklistValues: f.picklistValues.map((v) => ({ active: true, defaultValue: false, label: v, validFor: null, value: v })),
    polymorphicForeignKey: false, precision: f.type === 'currency' ? 18 : 0, referenceTo: f.referenceTo,
    relationshipName: f.relationshipName, restrictedPicklist: f.name === 'CurrencyIsoCode', scale: f.type === 'currency' ? 2 : 0,
    soapType: SOAP_TYPE[f.type] ?? 'xsd:string', sortable: f.type !== 'textarea', type: f.type, unique: f.unique, updateable: f.updateable,
  };
}

function describe(def: SObjectDef, version: string): Record<string, unknown> {
  const children = SOBJECTS.flatMap((child) => child.fields
    .filter((f) => f.referenceTo.includes(def.name))
    .map((f) => ({
      cascadeDelete: def.name === 'Account' && child.name === 'Contact', childSObject: child.name, deprecatedAndHidden: false, field: f.name,
      junctionIdListNames: [], junctionReferenceTo: [],
      relationshipName: def.childRelationships.find((c) => c.childSObject === child.name && c.field === f.name)?.relationshipName ?? null,
      restrictedDelete: false,
    })));
  return {
    ...globalEntry(def, version),
    childRelationships: children,
    fields: def.fields.map(describeField),
    recordTypeInfos: [{ active: true, available: true, defaultRecordTypeMapping: true, developerName: 'Master', master: true, name: 'Master', recordTypeId: '012000000000000AAA', urls: {} }],
    supportedScopes: [{ label: 'All ' + def.labelPlural.toLowerCase(), name: 'everything' }, { label: 'My ' + def.labelPlural.toLowerCase(), name: 'mine' }],
    networkScopeFieldName: null, listviewable: null, lookupLayoutable: null, searchLayoutable: true, compactLayoutable: true,
  };
}

function sobjectOr404(name: string | undefined): SObjectDef {
  const def = findSObject(name ?? '');
  if (!def) throw new SalesforceApiError(404, 'NOT_FOUND', invalidTypeMessage(name ?? ''));
  return def;
}

/** `GET /services/data`: unauthenticated list of versions. */
export function versionsRoute(): Route {
  return {
    method: 'GET', path: '/services/data', name: 'GET /services/data',
    handler: () => ({
      status: 200,
      body: Array.from({ length: LATEST_VERSION - 19 }, (_, i) => i + 20).map((v) => ({ label: releaseLabel(v), url: `/services/data/v${v}.0`, version: `${v}.0` })),
    }),
  };
}

export function describeResources(): RestResource[] {
  return [
    {
      method: 'GET', pattern: '',
      handler: ({ version }) => {
        const base = `/services/data/v${version}`;
        const names = ['tooling', 'metadata', 'eclair', 'folders', 'prechatForms', 'jobs', 'analytics', 'search', 'quickActions', 'queryAll',
          'commerce', 'wave', 'iot', 'limits', 'sobjects', 'actions', 'support', 'composite', 'query', 'recent', 'licensing', 'ui-api'];
        return { status: 200, body: Object.fromEntries(names.map((n) => [n, `${base}/${n}`])) };
      },
    },
    {
      method: 'GET', pattern: '/limits',
      handler: ({ deps }) => ({
        status: 200,
        body: { DailyApiRequests: { Max: deps.usage.limit(), Remaining: Math.max(0, deps.usage.limit() - deps.usage.used()) } },
      }),
    },
    {
      method: 'GET', pattern: '/sobjects',
      handler: ({ version }) => ({ status: 200, body: { encoding: 'UTF-8', maxBatchSize: 200, sobjects: SOBJECTS.map((d) => globalEntry(d, version)) } }),
    },
    {
      method: 'GET', pattern: '/sobjects/:type',
      handler: ({ version, params, deps }) => {
        const def = sobjectOr404(params.type);
        const recent = deps.store.all(def.name).slice(-3).reverse().map((r) => ({
          attributes: { type: def.name, url: `/services/data/v${version}/sobjects/${def.name}/${r.id}` }, Id: r.id, Name: r.values.Name ?? null,
        }));
        return { status: 200, body: { objectDescribe: globalEntry(def, version), recentItems: recent } };
      },
    },
    {
      method: 'GET', pattern: '/sobjects/:type/describe',
      handler: ({ version, params }) => ({ status: 200, body: describe(sobjectOr404(params.type), version) }),
    },
  ];
}
