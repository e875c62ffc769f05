/**
 * `ContactFilter` → SOQL conditions (combined with AND), validated before anything goes upstream:
 * a bad account id or an over-long value is BAD_USER_INPUT naming `filter.<field>`. Text matches
 * are case-insensitive, as SOQL's `=` and `LIKE` are. Datetime bounds have second precision (SOQL
 * datetime literals have no fractional seconds).
 */
import type { ContactFilter } from '../../schema/generated/salesforce';
import { badUserInput } from '../kit/subgraphErrors';
import { normalizeEmail } from './mapping';
import { KEY_PREFIX, requireId } from './salesforceId';
import { soqlDateTime, soqlLikePrefix, soqlString } from './soql';

/** Longest email / last name Salesforce stores; a longer filter value cannot match. */
const MAX_EMAIL = 80;
const MAX_LAST_NAME = 80;

function bounded(field: string, value: string, max: number): string {
  if (value.length > max) throw badUserInput('salesforce', `filter.${field}`, `filter.${field} must be at most ${max} characters`);
  return value;
}

/** The filter's SOQL conditions (empty when there is no filter). */
export function contactFilterConditions(filter: ContactFilter | null | undefined): string[] {
  if (!filter) return [];
  const out: string[] = [];
  if (filter.accountId != null) out.push(`AccountId = ${soqlString(requireId(KEY_PREFIX.Account, 'filter.accountId', filter.accountId))}`);
  if (filter.email != null) {
    const email = normalizeEmail(filter.email);
    if (email === null) throw badUserInput('salesforce', 'filter.email', 'filter.email must not be blank');
    out.push(`Email = ${soqlString(bounded('email', email, MAX_EMAIL))}`);
  }
  if (filter.lastNameStartsWith != null && filter.lastNameStartsWith !== '') {
    out.push(`LastName LIKE ${soqlLikePrefix(bounded('lastNameStartsWith', filter.lastNameStartsWith, MAX_LAST_NAME))}`);
  }
  if (filter.createdAfter != null) out.push(`CreatedDate > ${soqlDateTime(filter.createdAfter)}`);
  if (filter.createdBefore != null) out.push(`CreatedDate < ${soqlDateTime(filter.createdBefore)}`);
  return out;
}
