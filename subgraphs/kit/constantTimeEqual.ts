/**
 * Compare two secrets (passwords, client secrets, CSRF tokens, later webhook `clientState`) in time
 * that does not depend on where they first differ. Strings of different byte length are unequal.
 */
import { timingSafeEqual } from 'node:crypto';

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
