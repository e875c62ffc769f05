/**
 * Salesforce records → the subgraph's models (`model.ts`), and the SOQL field lists that fetch
 * exactly what the mapping reads. Emails are lower-cased (the cross-system identity); Salesforce
 * datetimes (`2024-01-15T10:00:00.000+0000`) become ISO-8601 UTC (`2024-01-15T10:00:00.000Z`).
 */
import type { AccountModel, ContactModel } from './model';

/** The Contact fields every read selects. */
export const CONTACT_FIELDS = ['Id', 'FirstName', 'LastName', 'Name', 'Email', 'Title', 'Phone', 'Department', 'AccountId', 'CreatedDate', 'LastModifiedDate'] as const;

/** The Account fields every read selects. */
export const ACCOUNT_FIELDS = ['Id', 'Name', 'Industry', 'Website', 'Phone', 'BillingCity', 'BillingCountry'] as const;

/** A record as the REST API returns it (plus `attributes`, which the mapping ignores). */
export type SalesforceRecord = Record<string, unknown>;

function text(rec: SalesforceRecord, field: string): string | null {
  const v = rec[field];
  return typeof v === 'string' && v !== '' ? v : null;
}

function required(rec: SalesforceRecord, field: string): string {
  const v = text(rec, field);
  if (v === null) throw new Error(`Salesforce record ${String(rec.Id)} has no ${field}`);
  return v;
}

/** `2024-01-15T10:00:00.000+0000` (or any ISO-8601 form) → `2024-01-15T10:00:00.000Z`. */
export function toIsoUtc(value: string): string {
  const d = new Date(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(d.getTime())) throw new Error(`not a Salesforce datetime: ${value}`);
  return d.toISOString();
}

/** The lower-cased email, or null when the record has none. */
export function normalizeEmail(email: string | null | undefined): string | null {
  const v = email?.trim().toLowerCase();
  return v ? v : null;
}

export function toContactModel(rec: SalesforceRecord): ContactModel {
  const firstName = text(rec, 'FirstName');
  const lastName = required(rec, 'LastName');
  return {
    id: required(rec, 'Id'),
    email: normalizeEmail(text(rec, 'Email')),
    firstName,
    lastName,
    name: text(rec, 'Name') ?? [firstName, lastName].filter(Boolean).join(' '),
    title: text(rec, 'Title'),
    phone: text(rec, 'Phone'),
    department: text(rec, 'Department'),
    accountId: text(rec, 'AccountId'),
    createdAt: toIsoUtc(required(rec, 'CreatedDate')),
    updatedAt: toIsoUtc(required(rec, 'LastModifiedDate')),
  };
}

export function toAccountModel(rec: SalesforceRecord): AccountModel {
  return {
    id: required(rec, 'Id'),
    name: required(rec, 'Name'),
    industry: text(rec, 'Industry'),
    website: text(rec, 'Website'),
    phone: text(rec, 'Phone'),
    billingCity: text(rec, 'BillingCity'),
    billingCountry: text(rec, 'BillingCountry'),
  };
}
