/**
 * The sObject types the sandbox serves (Account, Contact, User) and their standard fields, with the
 * metadata describe returns and that SOQL and DML validation use. Field names resolve
 * case-insensitively, as in Salesforce; responses always use the canonical API name.
 */
import { KEY_PREFIX } from './salesforceIds';

export type FieldType =
  | 'id' | 'string' | 'email' | 'phone' | 'url' | 'reference' | 'datetime' | 'date' | 'boolean'
  | 'int' | 'currency' | 'picklist' | 'textarea';

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  /** Maximum length of text values (0 for non-text). */
  length: number;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  /** Set by the system on insert even when the caller sends nothing. */
  defaultedOnCreate: boolean;
  /** Derived from other fields (Contact.Name). */
  calculated: boolean;
  referenceTo: string[];
  relationshipName: string | null;
  picklistValues: string[];
  unique: boolean;
}

export interface ChildRelationship {
  relationshipName: string;
  childSObject: string;
  field: string;
}

export interface SObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
  queryable: boolean;
  fields: FieldDef[];
  childRelationships: ChildRelationship[];
  /** Lower-cased field name → field. */
  fieldByLower: Map<string, FieldDef>;
  /** Lower-cased relationship name (e.g. `account`, `owner`) → reference field. */
  relationshipByLower: Map<string, FieldDef>;
  /** Lower-cased child relationship name (e.g. `contacts`) → child relationship. */
  childByLower: Map<string, ChildRelationship>;
}

interface FieldSpec {
  type: FieldType;
  label: string;
  length?: number;
  /** r = read-only system field, c = create-only, w = writable (default), x = calculated. */
  access?: 'r' | 'c' | 'w' | 'x';
  required?: boolean;
  ref?: string;
  rel?: string;
  picklist?: string[];
  unique?: boolean;
}

const TEXT_LENGTH: Partial<Record<FieldType, number>> = { id: 18, reference: 18, email: 80, phone: 40, url: 255, picklist: 255, textarea: 32000 };

const INDUSTRIES = ['Agriculture', 'Apparel', 'Banking', 'Chemicals', 'Communications', 'Consulting', 'Consumer Goods',
  'Education', 'Electronics', 'Energy', 'Engineering', 'Entertainment', 'Environmental', 'Finance', 'Food & Beverage',
  'Government', 'Healthcare', 'Hospitality', 'Insurance', 'Machinery', 'Manufacturing', 'Media', 'Not For Profit',
  'Recreation', 'Retail', 'Shipping', 'Technology', 'Telecommunications', 'Transportation', 'Utilities', 'Other'];
const CURRENCIES = ['AUD', 'BRL', 'CAD', 'CHF', 'EUR', 'GBP', 'JPY', 'PLN', 'SEK', 'SGD', 'USD'];

const AUDIT: Record<string, FieldSpec> = {
  OwnerId: { type: 'reference', label: 'Owner ID', ref: 'User', rel: 'Owner' },
  CreatedDate: { type: 'datetime', label: 'Created Date', access: 'r' },
  CreatedById: { type: 'reference', label: 'Created By ID', access: 'r', ref: 'User', rel: 'CreatedBy' },
  LastModifiedDate: { type: 'datetime', label: 'Last Modified Date', access: 'r' },
  LastModifiedById: { type: 'reference', label: 'Last Modified By ID', access: 'r', ref: 'User', rel: 'LastModifiedBy' },
  SystemModstamp: { type: 'datetime', label: 'System Modstamp', access: 'r' },
};

const SPECS: Record<string, { label: string; plural: string; dml: boolean; fields: Record<string, FieldSpec>; children?: ChildRelationship[] }> = {
  Account: {
    label: 'Account', plural: 'Accounts', dml: true,
    fields: {
      Id: { type: 'id', label: 'Account ID', access: 'r' },
      IsDeleted: { type: 'boolean', label: 'Deleted', access: 'r' },
      Name: { type: 'string', label: 'Account Name', length: 255, required: true },
      Type: { type: 'picklist', label: 'Account Type', picklist: ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Partner', 'Other'] },
      Industry: { type: 'picklist', label: 'Industry', picklist: INDUSTRIES },
      Phone: { type: 'phone', label: 'Account Phone' },
      Website: { type: 'url', label: 'Website' },
      BillingCity: { type: 'string', label: 'Billing City', length: 40 },
      BillingCountry: { type: 'string', label: 'Billing Country', length: 80 },
      CurrencyIsoCode: { type: 'picklist', label: 'Account Currency', picklist: CURRENCIES },
      NumberOfEmployees: { type: 'int', label: 'Employees' },
      AnnualRevenue: { type: 'currency', label: 'Annual Revenue' },
      Description: { type: 'textarea', label: 'Account Description' },
      ...AUDIT,
    },
    children: [{ relationshipName: 'Contacts', childSObject: 'Contact', field: 'AccountId' }],
  },
  Contact: {
    label: 'Contact', plural: 'Contacts', dml: true,
    fields: {
      Id: { type: 'id', label: 'Contact ID', access: 'r' },
      IsDeleted: { type: 'boolean', label: 'Deleted', access: 'r' },
      AccountId: { type: 'reference', label: 'Account ID', ref: 'Account', rel: 'Account' },
      LastName: { type: 'string', label: 'Last Name', length: 80, required: true },
      FirstName: { type: 'string', label: 'First Name', length: 40 },
      Salutation: { type: 'picklist', label: 'Salutation', picklist: ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.'] },
      Name: { type: 'string', label: 'Full Name', length: 121, access: 'x' },
      MailingCity: { type: 'string', label: 'Mailing City', length: 40 },
      MailingCountry: { type: 'string', label: 'Mailing Country', length: 80 },
      Phone: { type: 'phone', label: 'Business Phone' },
      MobilePhone: { type: 'phone', label: 'Mobile Phone' },
      Email: { type: 'email', label: 'Email' },
      Title: { type: 'string', label: 'Title', length: 128 },
      Department: { type: 'string', label: 'Department', length: 80 },
      Description: { type: 'textarea', label: 'Contact Description' },
      ...AUDIT,
    },
  },
  User: {
    label: 'User', plural: 'Users', dml: false,
    fields: {
      Id: { type: 'id', label: 'User ID', access: 'r' },
      Username: { type: 'string', label: 'Username', length: 80, unique: true, required: true },
      LastName: { type: 'string', label: 'Last Name', length: 80, required: true },
      FirstName: { type: 'string', label: 'First Name', length: 40 },
      Name: { type: 'string', label: 'Full Name', length: 121, access: 'x' },
      Email: { type: 'email', label: 'Email', required: true },
      Title: { type: 'string', label: 'Title', length: 80 },
      IsActive: { type: 'boolean', label: 'Active' },
      CreatedDate: { type: 'datetime', label: 'Created Date', access: 'r' },
      LastModifiedDate: { type: 'datetime', label: 'Last Modified Date', access: 'r' },
      SystemModstamp: { type: 'datetime', label: 'System Modstamp', access: 'r' },
    },
  },
};

const SYSTEM_DEFAULTED = new Set(['Id', 'IsDeleted', 'OwnerId', 'CreatedDate', 'CreatedById', 'LastModifiedDate', 'LastModifiedById', 'SystemModstamp', 'Name', 'IsActive']);

function buildField(name: string, spec: FieldSpec): FieldDef {
  const access = spec.access ?? 'w';
  const length = spec.length ?? TEXT_LENGTH[spec.type] ?? 0;
  return {
    name,
    label: spec.label,
    type: spec.type,
    length,
    nillable: !spec.required && spec.type !== 'boolean' && name !== 'Id' && !SYSTEM_DEFAULTED.has(name),
    createable: access === 'w' || access === 'c',
    updateable: access === 'w',
    defaultedOnCreate: SYSTEM_DEFAULTED.has(name) || spec.type === 'boolean',
    calculated: access === 'x',
    referenceTo: spec.ref ? [spec.ref] : [],
    relationshipName: spec.rel ?? null,
    picklistValues: spec.picklist ?? [],
    unique: spec.unique ?? false,
  };
}

function buildSObject(name: string): SObjectDef {
  const spec = SPECS[name];
  if (!spec) throw new Error(`no schema for ${name}`);
  const fields = Object.entries(spec.fields).map(([n, s]) => buildField(n, s));
  const children = spec.children ?? [];
  return {
    name,
    label: spec.label,
    labelPlural: spec.plural,
    keyPrefix: KEY_PREFIX[name as keyof typeof KEY_PREFIX],
    createable: spec.dml,
    updateable: spec.dml,
    deletable: spec.dml,
    queryable: true,
    fields,
    childRelationships: children,
    fieldByLower: new Map(fields.map((f) => [f.name.toLowerCase(), f])),
    relationshipByLower: new Map(fields.filter((f) => f.relationshipName).map((f) => [(f.relationshipName as string).toLowerCase(), f])),
    childByLower: new Map(children.map((c) => [c.relationshipName.toLowerCase(), c])),
  };
}

/** All sObject types, in describeGlobal order. */
export const SOBJECTS: readonly SObjectDef[] = Object.keys(SPECS).map(buildSObject);

const BY_LOWER = new Map(SOBJECTS.map((s) => [s.name.toLowerCase(), s]));
const BY_PREFIX = new Map(SOBJECTS.map((s) => [s.keyPrefix, s]));

/** Look an sObject type up case-insensitively. */
export function findSObject(name: string): SObjectDef | undefined {
  return BY_LOWER.get(name.toLowerCase());
}

/** The sObject type whose ids start with this key prefix. */
export function sobjectForPrefix(prefix: string): SObjectDef | undefined {
  return BY_PREFIX.get(prefix);
}

export function isTextType(type: FieldType): boolean {
  return type === 'string' || type === 'email' || type === 'phone' || type === 'url' || type === 'picklist' || type === 'textarea' || type === 'id' || type === 'reference';
}
