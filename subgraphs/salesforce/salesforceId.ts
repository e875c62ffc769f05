/**
 * Salesforce record ids as they arrive from clients: 15 case-sensitive characters or the
 * 18-character form the API returns (the last three characters encode the case of the first 15).
 * Every id is checked here before it can reach SOQL or a REST path.
 */
import { badUserInput } from '../kit/subgraphErrors';

/** Key prefixes of the objects this subgraph reads. */
export const KEY_PREFIX = { Account: '001', Contact: '003' } as const;
export type KeyPrefix = (typeof KEY_PREFIX)[keyof typeof KEY_PREFIX];

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const ID_SHAPE = /^(?:[a-zA-Z0-9]{15}|[a-zA-Z0-9]{18})$/;

function suffixOf(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0;
    for (let i = 0; i < 5; i += 1) {
      const ch = id15.charAt(chunk * 5 + i);
      if (ch >= 'A' && ch <= 'Z') bits |= 1 << i;
    }
    out += SUFFIX_ALPHABET.charAt(bits);
  }
  return out;
}

/** Restores the case of an 18-character id from its suffix; null when the suffix cannot match. */
function restoreCase(id18: string): string | null {
  const suffix = id18.slice(15).toUpperCase();
  let out = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    const bits = SUFFIX_ALPHABET.indexOf(suffix.charAt(chunk));
    if (bits < 0) return null;
    for (let i = 0; i < 5; i += 1) {
      const ch = id18.charAt(chunk * 5 + i);
      const upper = (bits & (1 << i)) !== 0;
      if (upper && !/[a-zA-Z]/.test(ch)) return null;
      out += upper ? ch.toUpperCase() : ch.toLowerCase();
    }
  }
  return out + suffix;
}

/**
 * The canonical 18-character form of a 15- or 18-character id, or null when `raw` is not an id.
 * An 18-character id is case-insensitive, as in Salesforce.
 */
export function normalizeSalesforceId(raw: string): string | null {
  if (!ID_SHAPE.test(raw)) return null;
  if (raw.length === 15) return raw + suffixOf(raw);
  const restored = restoreCase(raw);
  return restored !== null && suffixOf(restored.slice(0, 15)) === restored.slice(15) ? restored : null;
}

/** True when `id` is a well-formed id of the object with this key prefix. */
export function isIdOf(prefix: KeyPrefix, id: string): boolean {
  const norm = normalizeSalesforceId(id);
  return norm !== null && norm.startsWith(prefix);
}

/**
 * The canonical id of an argument, or BAD_USER_INPUT naming `field` when it is malformed or an id
 * of another object (a Contact id must start with 003, an Account id with 001).
 */
export function requireId(prefix: KeyPrefix, field: string, raw: string): string {
  const norm = normalizeSalesforceId(raw);
  if (norm === null) throw badUserInput('salesforce', field, `${field} is not a Salesforce record id (15 or 18 letters and digits)`);
  if (!norm.startsWith(prefix)) {
    const what = prefix === KEY_PREFIX.Contact ? 'a Contact id (003...)' : 'an Account id (001...)';
    throw badUserInput('salesforce', field, `${field} must be ${what}`);
  }
  return norm;
}
