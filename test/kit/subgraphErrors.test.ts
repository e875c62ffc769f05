import { GraphQLError } from 'graphql';
import pino from 'pino';
import { badUserInput, isSubgraphError, maskSubgraphError, subgraphError } from '../../subgraphs/kit/subgraphErrors';

function captureLog(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => { lines.push(JSON.parse(s) as Record<string, unknown>); } });
  return { log, lines };
}

describe('subgraph errors', () => {
  it('carry code, system and a retryable flag derived from the code', () => {
    const limited = subgraphError({ code: 'UPSTREAM_RATE_LIMITED', system: 'sap', message: 'SAP is throttling requests' });
    expect(limited.extensions).toEqual({ code: 'UPSTREAM_RATE_LIMITED', system: 'sap', retryable: true });
    const conflict = subgraphError({ code: 'CONFLICT', system: 'sap', message: 'stale' });
    expect(conflict.extensions.retryable).toBe(false);
    expect(badUserInput('teams', 'content', 'content must not be blank').extensions).toEqual({ field: 'content', code: 'BAD_USER_INPUT', system: 'teams', retryable: false });
  });

  it('keep their own message but log, never return, the upstream cause', () => {
    const { log, lines } = captureLog();
    const err = subgraphError({ code: 'UPSTREAM_UNAVAILABLE', system: 'salesforce', message: 'Salesforce is unavailable', cause: new Error('ECONNRESET sf-internal.host:443 token=abc') });
    const wrapped = new GraphQLError(err.message, { originalError: err, path: ['contact'] });
    const out = maskSubgraphError({ message: err.message, path: ['contact'] }, wrapped, log, 'salesforce');
    expect(out).toEqual({ message: 'Salesforce is unavailable', path: ['contact'], locations: undefined, extensions: { code: 'UPSTREAM_UNAVAILABLE', system: 'salesforce', retryable: true } });
    expect(JSON.stringify(out)).not.toContain('sf-internal');
    expect(JSON.stringify(lines)).toContain('sf-internal.host');
  });

  it('mask anything else as "Unexpected error" and log it in full', () => {
    const { log, lines } = captureLog();
    const accident = new GraphQLError('Cannot read properties of undefined (reading x) at /srv/app.js', { originalError: new TypeError('secret detail') });
    const out = maskSubgraphError({ message: accident.message }, accident, log, 'teams');
    expect(out).toEqual({ message: 'Unexpected error', path: undefined, extensions: { code: 'INTERNAL_SERVER_ERROR', system: 'teams', retryable: false } });
    expect(JSON.stringify(lines)).toContain('secret detail');
  });

  it("pass Apollo's own client errors (validation, variables) through with only their code", () => {
    const { log } = captureLog();
    const out = maskSubgraphError({ message: 'Cannot query field "nope" on type "Query".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED', stacktrace: ['x'] } }, new GraphQLError('x'), log, 'sap');
    expect(out).toEqual({ message: 'Cannot query field "nope" on type "Query".', locations: undefined, path: undefined, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  });

  it('tells its own errors from look-alikes', () => {
    expect(isSubgraphError(subgraphError({ code: 'NOT_FOUND', system: 'sap', message: 'x' }))).toBe(true);
    expect(isSubgraphError(new GraphQLError('x', { extensions: { code: 'NOT_FOUND' } }))).toBe(false);
  });
});
