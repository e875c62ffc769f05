/**
 * The one way product code logs: pino, JSON lines, with secrets redacted. Child loggers carry
 * bindings (system, tenant, request id). Level from `LOG_LEVEL` (default `info`; tests run `silent`).
 */
import pino, { type Logger } from 'pino';

/** Paths pino blanks out wherever they appear in a log object. */
export const REDACT_PATHS = [
  'authorization', 'headers.authorization', 'req.headers.authorization', '*.headers.authorization',
  'headers.cookie', 'req.headers.cookie', '*.headers.cookie', 'headers["x-csrf-token"]',
  'password', '*.password', 'client_secret', '*.client_secret', 'clientSecret', '*.clientSecret',
  'access_token', '*.access_token', 'refresh_token', '*.refresh_token', 'accessToken', '*.accessToken',
  'refreshToken', '*.refreshToken', 'assertion', '*.assertion', 'client_assertion', '*.client_assertion',
  'clientState', '*.clientState', 'privateKey', '*.privateKey', 'secret', '*.secret',
];

export function createLogger(name: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    name,
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid, ...bindings },
  });
}
