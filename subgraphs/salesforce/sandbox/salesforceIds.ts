/**
 * Salesforce record ids: 15 case-sensitive characters (3-char key prefix + pod + serial), and the
 * 18-character case-insensitive form the API returns, whose last three characters encode which of
 * the first fifteen are upper-case letters (one character per 5-character chunk).
 */

/** Key prefixes of the object types the sandbox knows. */
export const KEY_PREFIX = {
  Account: '001',
  Contact: '003',
  User: '005',
  Organization: '00D',
  QueryLocator: '01g',
} as const;

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID15 = /^[a-zA-Z0-9]{15}$/;
const ID18 = /^[a-zA-Z0-9]{18}$/;

function isUpper(ch: string): boolean {
  return ch >= 'A' && ch <= 'Z';
}

/** The 3-character checksum suffix of a 15-character id. */
export function idSuffix(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      if (isUpper(id15.charAt(chunk * 5 + i))) bits |= 1 << i;
    }
    out += SUFFIX_ALPHABET.charAt(bits);
  }
  return out;
}

/** `001A0000006Vm9r` → `001A0000006Vm9rIAC`. Throws on anything that is not a 15-character id. */
export function to18(id15: string): string {
  if (!ID15.test(id15)) throw new Error(`not a 15-character Salesforce id: ${id15}`);
  return id15 + idSuffix(id15);
}

/**
 * Normalise a caller-supplied id to its canonical 18-character form, or null when it is malformed.
 * An 18-character id is case-insensitive: its suffix restores the case of the first 15 characters,
 * as Salesforce does, and a suffix that cannot match is rejected.
 */
export function normalizeId(raw: string): string | null {
  if (ID15.test(raw)) return to18(raw);
  if (!ID18.test(raw)) return null;
  const suffix = raw.slice(15).toUpperCase();
  let restored = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    const bits = SUFFIX_ALPHABET.indexOf(suffix.charAt(chunk));
    if (bits < 0) return null;
    for (let i = 0; i < 5; i++) {
      const ch = raw.charAt(chunk * 5 + i);
      const upper = (bits & (1 << i)) !== 0;
      if (upper && !/[a-zA-Z]/.test(ch)) return null;
      restored += upper ? ch.toUpperCase() : ch.toLowerCase();
    }
  }
  return restored + suffix;
}

/** The key prefix (first three characters) of an id. */
export function keyPrefixOf(id: string): string {
  return id.slice(0, 3);
}

/** Encode a serial number as `width` base-62 characters. */
function base62(n: number, width: number): string {
  let s = '';
  let v = Math.max(0, Math.floor(n));
  while (v > 0) {
    s = BASE62.charAt(v % 62) + s;
    v = Math.floor(v / 62);
  }
  return s.padStart(width, '0').slice(-width);
}

/** The pod characters our ids carry after the prefix (real orgs have e.g. `5g`, `8d`). */
export const POD = '8d';

/** Build the 18-character id of serial `n` for a key prefix, e.g. `makeId('003', 1)`. */
export function makeId(prefix: string, n: number): string {
  return to18(prefix + POD + base62(n, 10));
}
