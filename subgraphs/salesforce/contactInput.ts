/**
 * Validation of the contact mutation inputs, before anything goes upstream, and their translation to
 * Salesforce fields. A bad value is BAD_USER_INPUT with `extensions.field` = `input.<field>`. The
 * limits are Salesforce's own field lengths, so a valid input is not rejected by the org for length.
 */
import type { CreateContactInput, UpdateContactInput } from '../../schema/generated/salesforce';
import { badUserInput } from '../kit/subgraphErrors';
import { KEY_PREFIX, requireId } from './salesforceId';

type InputField = keyof UpdateContactInput & keyof CreateContactInput;

/** Our input field → Salesforce field. */
const SF_FIELD: Record<InputField, string> = {
  firstName: 'FirstName', lastName: 'LastName', email: 'Email', title: 'Title', phone: 'Phone', department: 'Department', accountId: 'AccountId',
};

/** Salesforce field → the client-safe path of our input field (for upstream rejections). */
export const INPUT_PATH_OF: Record<string, string> = Object.fromEntries(Object.entries(SF_FIELD).map(([ours, sf]) => [sf, `input.${ours}`]));

const MAX_LENGTH: Record<Exclude<InputField, 'accountId'>, number> = {
  firstName: 40, lastName: 80, email: 80, title: 128, phone: 40, department: 80,
};

/** Deliberately simple: one `@`, no spaces or quotes, a dotted domain of letters, digits and hyphens. */
const EMAIL = /^[^\s@"(),:;<>[\\\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

export type SalesforceFields = Record<string, string | null>;

const bad = (field: string, message: string): Error => badUserInput('salesforce', `input.${field}`, message);

function checkText(field: Exclude<InputField, 'accountId'>, value: string): string {
  const max = MAX_LENGTH[field];
  if (value.length > max) throw bad(field, `input.${field} must be at most ${max} characters`);
  return value;
}

function checkEmail(value: string): string {
  const email = value.trim().toLowerCase();
  if (email.length > MAX_LENGTH.email) throw bad('email', `input.email must be at most ${MAX_LENGTH.email} characters`);
  if (!EMAIL.test(email)) throw bad('email', 'input.email is not a valid email address');
  return email;
}

function checkLastName(value: string): string {
  if (value.trim() === '') throw bad('lastName', 'input.lastName must not be blank');
  return checkText('lastName', value);
}

/** One field's Salesforce value (null clears it), validated. */
function fieldValue(field: InputField, value: string | null): string | null {
  if (value === null) {
    if (field === 'lastName' || field === 'email') throw bad(field, `input.${field} cannot be cleared`);
    return null;
  }
  switch (field) {
    case 'email': return checkEmail(value);
    case 'lastName': return checkLastName(value);
    case 'accountId': return requireId(KEY_PREFIX.Account, 'input.accountId', value);
    default: return checkText(field, value);
  }
}

function toFields(input: Partial<Record<InputField, string | null | undefined>>): SalesforceFields {
  const out: SalesforceFields = {};
  for (const field of Object.keys(SF_FIELD) as InputField[]) {
    const value = input[field];
    if (value !== undefined) out[SF_FIELD[field]] = fieldValue(field, value);
  }
  return out;
}

/** The Salesforce fields of a new contact; lastName and email are required. */
export function createContactFields(input: CreateContactInput): SalesforceFields {
  if (input.lastName == null) throw bad('lastName', 'input.lastName is required');
  if (input.email == null) throw bad('email', 'input.email is required');
  return toFields(input);
}

/** The Salesforce fields to change; at least one field must be given. */
export function updateContactFields(input: UpdateContactInput): SalesforceFields {
  const fields = toFields(input);
  if (Object.keys(fields).length === 0) throw badUserInput('salesforce', 'input', 'input must set at least one field');
  return fields;
}
