/**
 * The one Salesforce client of the subgraph: a jsforce 3 `Connection` shared by every request of the
 * process, with three seams (STYLE.md rule 6):
 * - prepare request: `SalesforceTransport` (X-Request-Id, timeout, retry policy, status capture);
 * - map response: records come back as plain `SalesforceRecord`s for `mapping.ts`; writes as ids;
 * - map error: `mapSalesforceError` turns every failure into one subgraph error.
 * The session is obtained lazily before the first call and renewed by jsforce on 401 through
 * `refreshFn` (see salesforceSession.ts).
 */
import { isSubgraphError } from '../kit/subgraphErrors';
import { Connection } from 'jsforce';
import type { Logger } from 'pino';
import type { SalesforceConfig } from './config';
import type { SalesforceRecord } from './mapping';
import { mapSalesforceError } from './salesforceErrorMap';
import { createSalesforceSession, type SalesforceSession } from './salesforceSession';
import { runInCall, SalesforceTransport, type CallState } from './salesforceTransport';

/** Who is calling: the GraphQL request's id (sent upstream) and its logger. */
export interface CallContext {
  requestId: string;
  log: Logger;
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
   * The process's logged-in jsforce connection, for the Streaming API (`conn.streaming`); with
   * `renew` a new session is obtained first (after CometD refused the old one: jsforce's streaming
   * client does not refresh sessions itself).
   */
  streamingConnection(renew?: boolean): Promise<Connection>;
  readonly config: SalesforceConfig;
}

export interface SalesforceClientOptions {
  config: SalesforceConfig;
  logger: Logger;
}

/** The jsforce connection with our transport (for REST and token requests) and refresh function. */
function createConnection(config: SalesforceConfig, refreshFn: SalesforceSession['refreshFn']): Connection {
  const oauth2 = config.authFlow === 'jwt'
    ? { clientId: config.clientId, loginUrl: config.loginUrl }
    : { clientId: config.clientId, clientSecret: config.clientSecret, loginUrl: config.loginUrl };
  const conn = new Connection({ loginUrl: config.loginUrl, version: config.apiVersion, oauth2, refreshFn });
  const transport = new SalesforceTransport({ timeoutMs: config.timeoutMs, maxRetries: config.maxRetries, retryDelayMs: config.retryDelayMs });
  conn._transport = transport;
  conn.oauth2._transport = transport;
  return conn;
}

export function createSalesforceClient(opts: SalesforceClientOptions): SalesforceClient {
  const { config } = opts;
  const log = opts.logger.child({ upstream: 'salesforce' });
  const session = createSalesforceSession(config, log);
  const conn = createConnection(config, session.refreshFn);

  /** Runs one jsforce call inside its call state and maps whatever it throws. */
  async function run<T>(call: CallContext, what: string, fn: () => Promise<T>, fieldNames?: Record<string, string>): Promise<T> {
    const state: CallState = { requestId: call.requestId, refreshes: 0 };
    return runInCall(state, async () => {
      try {
        await session.ensure(conn);
        return await fn();
      } catch (err) {
        const mapped = isSubgraphError(err) ? err : state.refreshFailure ?? mapSalesforceError(err, { status: state.status, fields: fieldNames });
        call.log.debug({ op: what, code: mapped.extensions.code, status: state.status }, 'salesforce call failed');
        throw mapped;
      }
    });
  }

  return {
    config,
    query(soql, call, maxRecords = 2000) {
      return run(call, 'query', async () => {
        const res = await conn.query<SalesforceRecord>(soql, { autoFetch: true, maxFetch: maxRecords });
        return { records: res.records, totalSize: res.totalSize };
      });
    },
    create(type, fields, call, writeOpts) {
      return run(call, `create ${type}`, async () => {
        const res = await conn.create(type, fields);
        if (!res.success) throw Object.assign(new Error('create failed'), { data: res.errors[0] });
        return res.id;
      }, writeOpts?.fieldNames);
    },
    update(type, id, fields, call, writeOpts) {
      return run(call, `update ${type}`, async () => {
        const res = await conn.update(type, { Id: id, ...fields });
        if (!res.success) throw Object.assign(new Error('update failed'), { data: res.errors[0] });
      }, writeOpts?.fieldNames);
    },
    async streamingConnection(renew = false) {
      await (renew ? session.renew(conn) : session.ensure(conn));
      return conn;
    },
    destroy(type, id, call) {
      return run(call, `delete ${type}`, async () => {
        const res = await conn.destroy(type, id);
        if (!res.success) throw Object.assign(new Error('delete failed'), { data: res.errors[0] });
      });
    },
  };
}
