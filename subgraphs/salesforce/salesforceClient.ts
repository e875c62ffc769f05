/**
 * The Salesforce client of one tenant: a jsforce 3 `Connection` shared by every request of that
 * tenant, with three seams (STYLE.md rule 6):
 * - prepare request: `SalesforceTransport` (X-Request-Id, traceparent, per-attempt timeout, status,
 *   `Retry-After` and `Sforce-Limit-Info` capture);
 * - map response: records come back as plain `SalesforceRecord`s for `mapping.ts`; writes as ids;
 * - map error: `mapSalesforceError` turns every failure into one subgraph error.
 * Every call runs under the kit's upstream policy (bulkhead, circuit breaker, deadline
 * `config.timeoutMs`, retries of reads only: `query` on 408/429/5xx and network errors, with
 * full-jitter backoff honouring `Retry-After`). The session is obtained lazily before the first
 * call (single flight) and renewed by jsforce on 401 through `refreshFn` (one refresh for all
 * waiting requests, then each is replayed once; see salesforceSession.ts).
 */
import { isSubgraphError } from '../kit/subgraphErrors';
import { Connection } from 'jsforce';
import type { Logger } from 'pino';
import { isSystemFailureStatus } from '../kit/upstreamHttp';
import { noopUpstreamObserver, type BreakerState, type UpstreamObserver } from '../kit/upstreamObserver';
import { createUpstreamPolicy, type Outcome, type UpstreamPolicyTuning, type Verdict } from '../kit/upstreamPolicy';
import type { SalesforceConfig } from './config';
import type { SalesforceRecord } from './mapping';
import { mapSalesforceError } from './salesforceErrorMap';
import { createSalesforceSession, type SalesforceSession } from './salesforceSession';
import { runInCall, SalesforceTransport, type CallState } from './salesforceTransport';

/** Who is calling: the GraphQL request's id (sent upstream), its logger and trace. */
export interface CallContext {
  requestId: string;
  log: Logger;
  /** W3C `traceparent` to send upstream (kit `traceContext.ts`). @default none sent */
  traceparent?: string;
}

export type SObjectType = 'Contact' | 'Account';

export interface QueryResult {
  records: SalesforceRecord[];
  /** Salesforce's `totalSize` (the count for `SELECT COUNT() ...`). */
  totalSize: number;
}

export interface WriteOptions {
  /** Client-safe names of Salesforce fields, for `extensions.field` on a rejected write. */
  fieldNames?: Record<string, string>;
}

export interface SalesforceClient {
  /** Runs one SOQL query, following `nextRecordsUrl` until `maxRecords` records. @default maxRecords 2000 */
  query(soql: string, call: CallContext, maxRecords?: number): Promise<QueryResult>;
  /** Creates a record and returns its id. */
  create(type: SObjectType, fields: Record<string, unknown>, call: CallContext, opts?: WriteOptions): Promise<string>;
  /** Updates the given fields of a record (`null` clears a field). */
  update(type: SObjectType, id: string, fields: Record<string, unknown>, call: CallContext, opts?: WriteOptions): Promise<void>;
  /** Deletes a record. */
  destroy(type: SObjectType, id: string, call: CallContext): Promise<void>;
  /**
   * Runs `fn` with the tenant's logged-in jsforce connection under the same policy, session and
   * error mapping as the other calls: for the calls jsforce has no typed wrapper we use (sObject
   * Collections and Bulk API 2.0, see bulkJobs.ts). Only GET is retried.
   */
  raw<T>(call: CallContext, spec: RawCallSpec, fn: (conn: Connection) => Promise<T>): Promise<T>;
  /**
   * The process's logged-in jsforce connection, for the Streaming API (`conn.streaming`); with
   * `renew` a new session is obtained first (after CometD refused the old one: jsforce's streaming
   * client does not refresh sessions itself).
   */
  streamingConnection(renew?: boolean): Promise<Connection>;
  /** This tenant's circuit-breaker state for Salesforce. */
  breakerState(): BreakerState;
  /** Stops the breaker's timers. */
  close(): void;
  readonly config: SalesforceConfig;
}

export interface SalesforceClientOptions {
  config: SalesforceConfig;
  logger: Logger;
  /** The tenant this client serves (breaker, bulkhead and metrics are per tenant). @default 'default' */
  tenant?: string;
  /** @default noopUpstreamObserver */
  observer?: UpstreamObserver;
  /** Deadline, breaker and bulkhead settings, e.g. `loadUpstreamPolicyEnv(env, 'SALESFORCE')`. @default {} */
  tuning?: UpstreamPolicyTuning;
}

/** What one client call is, for the policy and the observer. */
export interface RawCallSpec {
  /** For logs, e.g. `bulk ingest create`. */
  what: string;
  /** Metrics endpoint label, e.g. `jobs.ingest`. */
  endpoint: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Client-safe names of Salesforce fields, for `extensions.field` on a rejected write. @default none */
  fieldNames?: Record<string, string>;
}

type CallSpec = RawCallSpec;

/** `retry` for failures of the system (408/429/5xx, no answer at all), `fail` for refusals. */
function classify(o: Outcome<unknown>, status: number | undefined): Verdict {
  if (o.ok) return 'ok';
  if (status !== undefined) return isSystemFailureStatus(status) ? 'retry' : 'fail';
  const code = (o.error as { extensions?: { code?: unknown } }).extensions?.code;
  return code === 'UPSTREAM_TIMEOUT' || code === 'UPSTREAM_UNAVAILABLE' ? 'retry' : 'fail';
}

/** The jsforce connection with our transport (for REST and token requests) and refresh function. */
function createConnection(config: SalesforceConfig, refreshFn: SalesforceSession['refreshFn'], transport: SalesforceTransport): Connection {
  const oauth2 = config.authFlow === 'jwt'
    ? { clientId: config.clientId, loginUrl: config.loginUrl }
    : { clientId: config.clientId, clientSecret: config.clientSecret, loginUrl: config.loginUrl };
  const conn = new Connection({ loginUrl: config.loginUrl, version: config.apiVersion, oauth2, refreshFn });
  conn._transport = transport;
  conn.oauth2._transport = transport;
  return conn;
}

export function createSalesforceClient(opts: SalesforceClientOptions): SalesforceClient {
  const { config } = opts;
  const tenant = opts.tenant ?? 'default';
  const observer = opts.observer ?? noopUpstreamObserver;
  const log = opts.logger.child({ upstream: 'salesforce', tenant });
  const session = createSalesforceSession(config, log);
  const conn = createConnection(config, session.refreshFn, new SalesforceTransport({ timeoutMs: config.timeoutMs, tenant, observer }));
  const policy = createUpstreamPolicy({
    system: 'salesforce', tenant, observer, logger: log,
    timeoutMs: config.timeoutMs, deadlineMs: config.timeoutMs, retries: config.maxRetries, baseDelayMs: config.retryDelayMs,
    ...opts.tuning,
  });

  /** Runs one jsforce call under the policy, each attempt inside its call state; maps whatever it throws. */
  function run<T>(call: CallContext, spec: CallSpec, fn: () => Promise<T>): Promise<T> {
    const state: CallState = { requestId: call.requestId, traceparent: call.traceparent, refreshes: 0 };
    return policy.run((attempt) => {
      state.attemptTimeoutMs = attempt.timeoutMs;
      state.status = undefined;
      state.refreshFailure = undefined;
      return runInCall(state, async () => {
        try {
          await session.ensure(conn);
          return await fn();
        } catch (err) {
          const mapped = isSubgraphError(err) ? err : state.refreshFailure ?? mapSalesforceError(err, { status: state.status, fields: spec.fieldNames, retryAfterMs: state.retryAfterMs });
          call.log.debug({ op: spec.what, code: mapped.extensions.code, status: state.status, attempt: attempt.number }, 'salesforce call failed');
          throw mapped;
        }
      });
    }, {
      endpoint: spec.endpoint, method: spec.method, idempotent: spec.method === 'GET',
      classify: (o) => classify(o, state.status),
      status: () => state.status ?? 0,
      retryAfterMs: () => state.retryAfterMs ?? null,
    });
  }

  return {
    config,
    query(soql, call, maxRecords = 2000) {
      return run(call, { what: 'query', endpoint: 'query', method: 'GET' }, async () => {
        const res = await conn.query<SalesforceRecord>(soql, { autoFetch: true, maxFetch: maxRecords });
        return { records: res.records, totalSize: res.totalSize };
      });
    },
    create(type, fields, call, writeOpts) {
      return run(call, { what: `create ${type}`, endpoint: `sobjects.${type}`, method: 'POST', fieldNames: writeOpts?.fieldNames }, async () => {
        const res = await conn.create(type, fields);
        if (!res.success) throw Object.assign(new Error('create failed'), { data: res.errors[0] });
        return res.id;
      });
    },
    update(type, id, fields, call, writeOpts) {
      return run(call, { what: `update ${type}`, endpoint: `sobjects.${type}`, method: 'PATCH', fieldNames: writeOpts?.fieldNames }, async () => {
        const res = await conn.update(type, { Id: id, ...fields });
        if (!res.success) throw Object.assign(new Error('update failed'), { data: res.errors[0] });
      });
    },
    raw: (call, spec, fn) => run(call, spec, () => fn(conn)),
    async streamingConnection(renew = false) {
      await (renew ? session.renew(conn) : session.ensure(conn));
      return conn;
    },
    breakerState: () => policy.state(),
    close: () => policy.shutdown(),
    destroy(type, id, call) {
      return run(call, { what: `delete ${type}`, endpoint: `sobjects.${type}`, method: 'DELETE' }, async () => {
        const res = await conn.destroy(type, id);
        if (!res.success) throw Object.assign(new Error('delete failed'), { data: res.errors[0] });
      });
    },
  };
}
