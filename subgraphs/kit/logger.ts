/**
 * The one way product code logs: pino, JSON lines, with secrets redacted. Child loggers carry
 * bindings (system, tenant, request id). Level from `LOG_LEVEL` (default `info`; tests run `silent`).
 *
 * Redaction is by key name, at any depth up to {@link REDACT_MAX_DEPTH}, ignoring case, `-` and `_`
 * (`Authorization`, `x-lumina-context`, `client_secret`, `refreshToken`, `clientState`, ...), plus
 * string values that are HTTP credentials (`Bearer ...`, `Basic ...`). It runs as pino's
 * `formatters.log` (one walk that copies only the branches it changes) because pino's path-based
 * `redact` only reaches a key at the depths listed and costs ~25 µs a line with wildcards. Secrets
 * inside message strings are not caught: log objects, never interpolated credentials.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

/** The text every redacted value becomes. */
export const REDACTED = '[redacted]';

/** Object levels the redaction walks into; deeper values are logged as they are. */
export const REDACT_MAX_DEPTH = 10;

/** Keys (lower case, without `-` and `_`) whose value is a credential or a signed context. */
const SECRET_KEYS = new Set([
  'authorization', 'proxyauthorization', 'cookie', 'setcookie', 'xcsrftoken', 'csrftoken', 'xapikey',
  'xluminacontext', 'xluminacontextsignature', 'luminacontext', 'xinternaltoken',
  'password', 'passwd', 'secret', 'token', 'clientsecret', 'accesstoken', 'refreshtoken', 'idtoken',
  'assertion', 'clientassertion', 'clientstate', 'privatekey', 'apikey', 'sharedsecret', 'signingkey',
  'webhooksecret', 'internalapitoken', 'sessionid', 'vaultkey', 'vaultkeys', 'luminavaultkeys',
]);

/** Key endings that always mean a secret (`gatewayToken`, `SAP_PASSWORD`, `jwtPrivateKey`). */
const SECRET_SUFFIXES = ['token', 'secret', 'password', 'privatekey', 'apikey'];

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

/** Whether a log field of this name holds a secret (case, `-` and `_` ignored). */
export function isSecretKey(key: string): boolean {
  const k = normalizeKey(key);
  return SECRET_KEYS.has(k) || SECRET_SUFFIXES.some((s) => k.endsWith(s));
}

const CREDENTIAL_VALUE = /^(bearer|basic)\s+\S/i;

function redactObject(value: Record<string, unknown>, depth: number, ancestors: WeakSet<object>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const before = value[key];
    const after = isSecretKey(key) && before != null ? REDACTED : redactAt(before, depth + 1, ancestors);
    if (after !== before) {
      copy ??= { ...value };
      copy[key] = after;
    }
  }
  return copy ?? value;
}

function redactAt(value: unknown, depth: number, ancestors: WeakSet<object>): unknown {
  if (typeof value === 'string') return CREDENTIAL_VALUE.test(value) ? REDACTED : value;
  if (value === null || typeof value !== 'object' || depth > REDACT_MAX_DEPTH) return value;
  // A copy must not point back into the unredacted original; pino prints cycles this way anyway.
  if (ancestors.has(value)) return '[Circular]';
  if (ArrayBuffer.isView(value) || value instanceof Date || value instanceof Map || value instanceof Set) return value;
  ancestors.add(value);
  try {
    return redactContainer(value, depth, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

/** An error with a secret property becomes a copy of it (same prototype, so pino's `type` holds). */
function redactError(err: Error, depth: number, ancestors: WeakSet<object>): Error {
  let copy: Error | undefined;
  for (const key of Object.getOwnPropertyNames(err)) {
    if (key === 'message' || key === 'stack') continue;
    const descriptor = Object.getOwnPropertyDescriptor(err, key);
    if (!descriptor || !('value' in descriptor)) continue;
    const before: unknown = descriptor.value;
    const after = isSecretKey(key) && before != null ? REDACTED : redactAt(before, depth + 1, ancestors);
    if (after === before) continue;
    copy ??= Object.defineProperties(Object.create(Object.getPrototypeOf(err) as object) as Error, Object.getOwnPropertyDescriptors(err));
    Object.defineProperty(copy, key, { ...descriptor, value: after });
  }
  return copy ?? err;
}

function redactContainer(value: object, depth: number, ancestors: WeakSet<object>): unknown {
  if (value instanceof Error) return redactError(value, depth, ancestors);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item: unknown, i) => {
      const after = redactAt(item, depth + 1, ancestors);
      if (after !== item) (copy ??= [...value])[i] = after;
    });
    return copy ?? value;
  }
  return redactObject(value as Record<string, unknown>, depth, ancestors);
}

/**
 * A copy of a log object with every secret value replaced by {@link REDACTED}; unchanged branches
 * are shared, not copied, and the input is never modified.
 */
export function redactSecrets<T extends Record<string, unknown>>(obj: T): T {
  return redactAt(obj, 0, new WeakSet()) as T;
}

/**
 * pino `redact` paths for pino instances not built by {@link createLogger} (which redacts by key at
 * any depth and does not need them): the main secret keys at depths 0 to 2 and credential headers
 * under `headers` at depths 0 to 2. Case-sensitive, as pino's paths are.
 */
export const REDACT_PATHS: readonly string[] = [
  'authorization', 'password', 'secret', 'token', 'client_secret', 'clientSecret', 'access_token', 'accessToken',
  'refresh_token', 'refreshToken', 'assertion', 'client_assertion', 'clientState', 'privateKey', 'apiKey',
  ...['authorization', 'Authorization', 'cookie', 'x-csrf-token', 'x-api-key', 'x-lumina-context'].map((h) => `headers[${JSON.stringify(h)}]`),
].flatMap((p) => [p, `*.${p}`, `*.*.${p}`]);

/** Top-level spellings of the secret keys, for child bindings (which pino never passes to `formatters`). */
const TOP_LEVEL_SECRET_PATHS = [
  'authorization', 'Authorization', 'password', 'secret', 'token', 'client_secret', 'clientSecret', 'access_token',
  'accessToken', 'refresh_token', 'refreshToken', 'id_token', 'idToken', 'assertion', 'client_assertion',
  'clientAssertion', 'clientState', 'privateKey', 'private_key', 'apiKey', 'api_key', 'cookie',
];

/** pino `formatters` that redact log objects like {@link createLogger} (not child bindings; see `TOP_LEVEL_SECRET_PATHS`). */
export const redactingFormatters = {
  log: (obj: Record<string, unknown>): Record<string, unknown> => redactSecrets(obj),
  bindings: (bindings: Record<string, unknown>): Record<string, unknown> => redactSecrets(bindings),
};

/**
 * @param name the logger's `name` field, e.g. `sap-subgraph`
 * @param bindings fields on every line, e.g. `{ system: 'sap' }`
 * @param destination where lines go
 * @default bindings `{}`
 * @default destination stdout
 */
export function createLogger(name: string, bindings: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const options = {
    name,
    level: process.env.LOG_LEVEL ?? 'info',
    formatters: redactingFormatters,
    // Child bindings skip `formatters`; pino's redact (top-level keys only, cheap) covers them.
    redact: { paths: TOP_LEVEL_SECRET_PATHS, censor: REDACTED },
    base: { pid: process.pid, ...bindings },
  };
  return destination ? pino(options, destination) : pino(options);
}
