/**
 * The audit log: one structured JSON line per mutation and per credential or configuration change
 * (who, tenant, operation, target entity, outcome, request id), written by its own pino instance to
 * its own destination (`AUDIT_LOG_PATH`, default `var/audit.log`), apart from the operational log.
 * Inputs are recorded only through {@link redactAuditInputs}: secrets become `[redacted]`, personal
 * fields `[personal]`, and size is bounded.
 *
 * Line: `{"audit":true,"time":"<ISO>","pid":..,"hostname":..,"actor":..,"tenant":..,"action":..,
 * "operation":..,"target":{"type":..,"id":..},"outcome":..,"requestId":..,"errorCodes":[..],"inputs":..}`.
 */
import { hostname } from 'node:os';
import { once } from 'node:events';
import pino, { type Logger } from 'pino';
import type { Env } from './envConfig';
import { createLogger, isSecretKey, redactingFormatters } from './logger';

export interface AuditRecord {
  /** Who: the authenticated subject, or the operator for CLI changes; null when anonymous. */
  actor: string | null;
  tenant: string | null;
  /** `mutation`, `credential.set`, `credential.delete`, `credential.rotate`, `config.supergraph`, `config.tenants`, ... */
  action: string;
  /** The GraphQL operation name or mutation field, the CLI command, ... */
  operation?: string | null;
  target?: { type: string; id: string | null } | null;
  outcome: 'success' | 'failure' | 'denied';
  requestId?: string | null;
  /** Stable `extensions.code`s of the failure. */
  errorCodes?: string[];
  /** The operation's inputs; always passed through {@link redactAuditInputs} before writing. */
  inputs?: unknown;
}

export interface AuditLog {
  /** Queues one line; never throws (a write failure is logged on the operational logger). */
  record(r: AuditRecord): void;
  /** Resolves when every line recorded so far is written to the destination (and a file fsynced). */
  flush(): Promise<void>;
  /** Flushes and closes the destination (stdout is flushed, not closed). */
  close(): Promise<void>;
}

export interface AuditLogOptions {
  /** File path of the audit log, `-` for stdout. @default env.AUDIT_LOG_PATH ?? 'var/audit.log' */
  destination?: string;
  /** Where `AUDIT_LOG_PATH` is read. @default process.env */
  env?: Env;
  /** Where write failures of the audit log are reported. @default createLogger('audit-log') */
  logger?: Logger;
}

export const REDACTED_SECRET = '[redacted]';
export const REDACTED_PERSONAL = '[personal]';
const MAX_DEPTH = 6;
const MAX_KEYS = 50;
const MAX_ITEMS = 50;
const MAX_STRING = 500;

/** Personal fields by normalized key (lower case, no `-`/`_`), and name endings of address/contact fields. */
const PERSONAL_KEYS = new Set([
  'name', 'firstname', 'lastname', 'middlename', 'fullname', 'displayname', 'givenname', 'surname', 'nickname',
  'birthdate', 'dateofbirth', 'dob', 'birthday', 'gender', 'ssn', 'nationalid', 'taxid', 'iban',
  'content', 'body', 'bodypreview', 'text', 'subject', 'mail', 'upn', 'userprincipalname', 'address',
]);
const PERSONAL_SUFFIXES = ['email', 'emailaddress', 'phone', 'phonenumber', 'fax', 'street', 'city', 'postalcode', 'zip', 'zipcode', 'address', 'addressline1', 'addressline2'];
const ADDRESS_PREFIXES = ['mailing', 'billing', 'shipping', 'other', 'home', 'business'];

function isPersonalKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[-_]/g, '');
  if (PERSONAL_KEYS.has(k) || PERSONAL_SUFFIXES.some((s) => k.endsWith(s))) return true;
  return ADDRESS_PREFIXES.some((p) => k.startsWith(p) && /(state|country|statecode|countrycode|latitude|longitude)$/.test(k.slice(p.length)));
}

const EMAIL = /[^\s@]+@[^\s@]+\.[^\s@]+/;
const CREDENTIAL = /^(bearer|basic)\s+\S|^eyJ[\w-]+\.[\w-]+\./i;

function redactString(s: string): string {
  if (CREDENTIAL.test(s)) return REDACTED_SECRET;
  if (EMAIL.test(s)) return REDACTED_PERSONAL;
  return s.length > MAX_STRING ? `${s.slice(0, MAX_STRING)}…[truncated]` : s;
}

function redactAt(value: unknown, depth: number, ancestors: Set<object>): unknown {
  if (typeof value === 'string') return redactString(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return '[binary]';
  if (ancestors.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[truncated]';
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const items = value.slice(0, MAX_ITEMS).map((v: unknown) => redactAt(v, depth + 1, ancestors));
      return value.length > MAX_ITEMS ? [...items, `[+${value.length - MAX_ITEMS} more]`] : items;
    }
    const out: Record<string, unknown> = {};
    const keys = Object.keys(value);
    for (const key of keys.slice(0, MAX_KEYS)) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined) continue;
      out[key] = isSecretKey(key) ? REDACTED_SECRET : isPersonalKey(key) ? (v === null ? null : REDACTED_PERSONAL) : redactAt(v, depth + 1, ancestors);
    }
    if (keys.length > MAX_KEYS) out['[truncated]'] = `${keys.length - MAX_KEYS} more keys`;
    return out;
  } finally {
    ancestors.delete(value);
  }
}

/**
 * A deep copy fit for the audit log: secret-like keys (password, secret, token, clientSecret,
 * apiKey, authorization, privateKey, refreshToken, clientState, ... any case, `-`/`_` ignored) and
 * credential-looking strings -> `[redacted]`; personal fields (email, phone, names, birth date,
 * address fields, message content/body/subject) and strings containing an e-mail address ->
 * `[personal]`; at most 6 levels, 50 keys or items per level, 500 characters per string.
 */
export function redactAuditInputs(value: unknown): unknown {
  return redactAt(value, 0, new Set());
}

type SonicBoom = ReturnType<typeof pino.destination>;

/** Writes through a sonic-boom and counts bytes, so `flush` can wait for what was queued. */
function countingDestination(dest: SonicBoom) {
  let queued = 0;
  let written = 0;
  dest.on('write', (n: number) => { written += n; });
  return {
    stream: { write: (s: string) => { queued += Buffer.byteLength(s); return dest.write(s); } },
    written: () => written,
    async drained(): Promise<void> {
      while (written < queued) await once(dest, 'write');
    },
  };
}

/** Opens the audit log (the file's folder is created; lines are appended). */
export function createAuditLog(opts: AuditLogOptions = {}): AuditLog {
  const env = opts.env ?? process.env;
  const destination = opts.destination ?? env.AUDIT_LOG_PATH ?? 'var/audit.log';
  const toStdout = destination === '-';
  const dest = pino.destination({ dest: toStdout ? 1 : destination, sync: false, mkdir: !toStdout, append: true });
  const counting = countingDestination(dest);
  const opsLog = opts.logger ?? createLogger('audit-log');
  dest.on('error', (err: Error) => { opsLog.error({ err, destination }, 'audit log write failed'); });
  const logger = pino({
    base: { pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    // The level is meaningless here; its slot (first on the line) carries the audit marker.
    formatters: { level: () => ({ audit: true }), log: redactingFormatters.log },
  }, counting.stream);
  let closed = false;
  const flush = async (): Promise<void> => {
    await counting.drained();
    if (!toStdout && counting.written() > 0) dest.flushSync(); // nothing left to write: this is the fsync
  };
  return {
    record(r) {
      if (closed) {
        opsLog.error({ action: r.action }, 'audit record after close dropped');
        return;
      }
      try {
        logger.info({
          actor: r.actor ?? null, tenant: r.tenant ?? null, action: r.action, operation: r.operation ?? null,
          target: r.target ?? null, outcome: r.outcome, requestId: r.requestId ?? null,
          ...(r.errorCodes?.length ? { errorCodes: r.errorCodes } : {}),
          ...(r.inputs === undefined ? {} : { inputs: redactAuditInputs(r.inputs) }),
        });
      } catch (err) {
        opsLog.error({ err, action: r.action }, 'audit record failed');
      }
    },
    flush,
    async close() {
      if (closed) return;
      closed = true;
      await flush();
      if (toStdout) return;
      const done = once(dest, 'close');
      dest.end();
      await done;
    },
  };
}
