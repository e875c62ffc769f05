import { Writable } from 'node:stream';
import pino from 'pino';
import { REDACTED, REDACT_PATHS, createLogger, isSecretKey, redactSecrets } from '../../subgraphs/kit/logger';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[]; text: () => string } {
  let text = '';
  const stream = new Writable({ write(chunk: Buffer, _enc, cb) { text += chunk.toString(); cb(); } });
  return { stream, text: () => text, lines: () => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const SECRETS = ['S-authz', 'S-ctx', 'S-state', 'S-refresh', 'S-key', 'S-pass', 'S-deep', 'S-cookie', 'S-child', 'S-err', 'S-bearer'];

describe('logger redaction', () => {
  it('blanks secrets at any depth, in any key spelling, and keeps everything else', () => {
    const out = capture();
    const log = createLogger('test', { system: 'sap' }, out.stream);
    log.level = 'info';
    log.info({
      tenant: 'acme',
      req: { method: 'POST', headers: { Authorization: 'Bearer S-authz', 'X-Lumina-Context': 'S-ctx', host: 'gw' } },
      subscription: { clientState: 'S-state', resource: 'chats' },
      upstream: { response: { body: { refresh_token: 'S-refresh', expires_in: 3599 } } },
      config: { teams: { certificate: { privateKey: 'S-key' } }, sap: { SAP_PASSWORD: 'S-pass' } },
      a: { b: { c: { d: { e: { f: { password: 'S-deep' } } } } } },
      cookies: [{ cookie: 'S-cookie' }],
    }, 'request');
    const line = out.text();
    for (const s of SECRETS.slice(0, 8)) expect(line).not.toContain(s);
    const [entry] = out.lines();
    expect(entry).toMatchObject({
      system: 'sap', tenant: 'acme', msg: 'request',
      req: { method: 'POST', headers: { Authorization: REDACTED, 'X-Lumina-Context': REDACTED, host: 'gw' } },
      subscription: { clientState: REDACTED, resource: 'chats' },
      upstream: { response: { body: { refresh_token: REDACTED, expires_in: 3599 } } },
    });
  });

  it('redacts child bindings, error properties and credential-looking values', () => {
    const out = capture();
    const log = createLogger('test', {}, out.stream);
    log.level = 'info';
    const err = Object.assign(new TypeError('upstream refused'), { config: { headers: { authorization: 'Bearer S-err' } } });
    log.child({ accessToken: 'S-child', requestId: 'r1' }).error({ err, note: 'Bearer S-bearer' }, 'failed');
    log.error(err, 'failed again');
    expect(out.text()).not.toMatch(/S-child|S-err|S-bearer/);
    const [first, second] = out.lines();
    expect(first).toMatchObject({ accessToken: REDACTED, requestId: 'r1', note: REDACTED, err: { type: 'TypeError', message: 'upstream refused' } });
    expect(second).toMatchObject({ err: { type: 'TypeError', config: { headers: { authorization: REDACTED } } } });
  });

  it('never changes the logged object and shares untouched branches', () => {
    const headers = { authorization: 'Bearer x', accept: 'json' };
    const untouched = { id: 1 };
    const input = { headers, untouched, again: headers };
    const redacted = redactSecrets(input);
    expect(input.headers.authorization).toBe('Bearer x');
    expect(redacted.headers.authorization).toBe(REDACTED);
    expect(redacted.again.authorization).toBe(REDACTED);
    expect(redacted.untouched).toBe(untouched);
    const clean = { a: { b: 1 } };
    expect(redactSecrets(clean)).toBe(clean);
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { secret: 's' };
    a.self = a;
    const out = capture();
    const log = createLogger('test', {}, out.stream);
    log.level = 'info';
    log.info({ a });
    expect(out.text()).not.toContain('"s"');
  });

  it('knows secret keys regardless of case and separators', () => {
    for (const k of ['Authorization', 'x-lumina-context', 'client_secret', 'CLIENT-SECRET', 'clientState', 'refreshToken', 'gatewayToken', 'apiKey', 'jwtPrivateKey', 'set-cookie']) expect(isSecretKey(k)).toBe(true);
    for (const k of ['tenant', 'requestId', 'tokenUrl', 'system', 'statusCode']) expect(isSecretKey(k)).toBe(false);
  });

  it('offers pino paths that redact headers and secrets up to two levels down in any pino instance', () => {
    const out = capture();
    const log = pino({ redact: { paths: [...REDACT_PATHS], censor: REDACTED } }, out.stream);
    log.info({ clientState: 'S1', req: { headers: { authorization: 'S2', 'x-lumina-context': 'S3' } }, up: { res: { refreshToken: 'S4' } }, x: { y: { headers: { Authorization: 'S5' } } } });
    expect(out.text()).not.toMatch(/S[1-5]/);
  });
});
