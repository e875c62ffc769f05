/**
 * The OData V2 client of the SAP subgraph (one per tenant), on the kit's upstream HTTP policy
 * (undici keep-alive, bulkhead, circuit breaker, per-attempt timeout and deadline, retries of
 * idempotent requests: GET, HEAD, a `$batch` of GETs). It speaks to
 * SAP Gateway as the SAP Cloud SDK does: Basic auth, JSON (`$format=json` and
 * `Accept: application/json`), `sap-client` when configured, the request id as `X-CorrelationID`,
 * the caller's `traceparent`, a CSRF token plus session cookies on every modifying request and
 * `$batch` (fetched once for all concurrent callers; refetched and the request sent once more on
 * 403 `x-csrf-token: Required`), `If-Match` on updates, and `$batch` of reads. Failures become
 * subgraph errors through `odataErrors.ts`. Authentication is Basic (no token to refresh): a 401
 * means the credentials were refused and is not replayed.
 */
import type { Logger } from 'pino';
import { TRACEPARENT_HEADER } from '../kit/traceContext';
import { createUpstreamHttp, type UpstreamHttp, type UpstreamRequest, type UpstreamResponse } from '../kit/upstreamHttp';
import type { UpstreamObserver } from '../kit/upstreamObserver';
import type { BreakerState } from '../kit/upstreamObserver';
import type { UpstreamPolicyTuning } from '../kit/upstreamPolicy';
import { serviceRoot, type SapConfig } from './config';
import { createCsrfSession, type CsrfFetchResult, type CsrfSession } from './csrfSession';
import { BatchResponseError, buildChangesetBatch, buildReadBatch, parseBatchResponse, type BatchPartResponse, type BatchResponseItem, type ChangesetOperation } from './odataBatch';
import { parseCollection, parseEntity, metadataEtag, type ODataCollection, type ODataRecord } from './odataEnvelope';
import { sapHttpError, sapMalformedResponse } from './odataErrors';
import { queryString, type ODataQuery } from './odataUrl';

export type SapService = 'API_SALES_ORDER_SRV' | 'API_BUSINESS_PARTNER';

/** Who is asking: the GraphQL request's id (sent as `X-CorrelationID`), logger and trace. */
export interface RequestMeta {
  requestId: string;
  log: Logger;
  /** W3C `traceparent` to send upstream (kit `traceContext.ts`). @default none sent */
  traceparent?: string;
}

export interface ODataClient {
  /** GET a collection (`path` relative to the service root); follows `__next` on the same service. */
  readCollection(service: SapService, path: string, query: ODataQuery, meta: RequestMeta): Promise<ODataCollection>;
  /** GET one entity; its ETag from `__metadata.etag` or the `ETag` header. */
  readEntity(service: SapService, path: string, query: ODataQuery, meta: RequestMeta): Promise<{ record: ODataRecord; etag: string | undefined }>;
  /** Partial update (PATCH or MERGE, per config) with `If-Match`; returns the new ETag when SAP sent one. */
  update(service: SapService, path: string, changes: ODataRecord, ifMatch: string, meta: RequestMeta): Promise<{ etag: string | undefined }>;
  /** One `$batch` with a GET per URL (relative, query included); one collection or Error per URL. */
  batchRead(service: SapService, urls: readonly string[], meta: RequestMeta): Promise<Array<ODataCollection | Error>>;
  /**
   * GET one page of a collection without following `__next` (server-driven paging left to the
   * caller, so nothing accumulates); `next` is SAP's link as sent.
   */
  readPage(service: SapService, path: string, query: ODataQuery, meta: RequestMeta): Promise<ODataCollection>;
  /**
   * One `$batch` of changesets (each atomic on the server), with CSRF token and cookies; never
   * retried. One item per changeset: its responses, or the single error response of a rolled-back one.
   */
  batchChangesets(service: SapService, changesets: ReadonlyArray<readonly ChangesetOperation[]>, meta: RequestMeta): Promise<BatchResponseItem[]>;
  /** The configured partial-update method (`SAP_UPDATE_METHOD`). */
  readonly updateMethod: 'PATCH' | 'MERGE';
  /** Characters left for a `$filter` value within the configured URL length. */
  readonly filterBudget: number;
  /** This tenant's circuit-breaker state for SAP. */
  breakerState(): BreakerState;
  close(): Promise<void>;
}

export interface ODataClientOptions {
  config: SapConfig;
  logger: Logger;
  /** Most `__next` pages followed for one read. @default 20 */
  maxPages?: number;
  /** The tenant this client serves (breaker, bulkhead and metrics are per tenant). @default 'default' */
  tenant?: string;
  /** @default noopUpstreamObserver */
  observer?: UpstreamObserver;
  /** Deadline, breaker and bulkhead settings, e.g. `loadUpstreamPolicyEnv(env, 'SAP')`. @default {} */
  tuning?: UpstreamPolicyTuning;
}

/** Room kept in a URL for the service root and the other query options. */
const URL_OVERHEAD = 1200;

/**
 * A `__next` link re-based onto our configured service root (`root`, with trailing slash): only
 * its path below the service and its query are kept, so credentials never go to a host that SAP
 * (or a proxy) names in a response. Null when the link does not address the same service.
 */
export function rebaseNextLink(root: string, next: string): string | null {
  let url: URL;
  try {
    url = new URL(next, root);
  } catch {
    return null;
  }
  const servicePathname = new URL(root).pathname;
  if (!url.pathname.startsWith(servicePathname)) return null;
  return `${root}${url.pathname.slice(servicePathname.length)}${url.search}`;
}

/**
 * Low-cardinality endpoint name of a request URL below `servicesPath` (e.g. `/sap/opu/odata/sap/`):
 * `<service>/<entity set>` with keys and deeper segments dropped, `<service>/$batch`, or
 * `<service>/` (service document, CSRF fetch).
 */
export function endpointOf(url: string, servicesPath: string): string {
  const path = new URL(url).pathname;
  if (!path.startsWith(servicesPath)) return 'other';
  const m = /^([A-Za-z0-9_]+)\/(\$batch|\$metadata|[A-Za-z_][A-Za-z0-9_]*)?/.exec(path.slice(servicesPath.length));
  return m ? `${m[1]}/${m[2] ?? ''}` : 'other';
}

const header = (res: UpstreamResponse, name: string): string | undefined => {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export function createODataClient(opts: ODataClientOptions): ODataClient {
  const { config } = opts;
  const http: UpstreamHttp = createUpstreamHttp({
    system: 'sap', logger: opts.logger, timeoutMs: config.timeoutMs, retries: config.retries,
    tenant: opts.tenant, observer: opts.observer, tuning: opts.tuning,
  });
  const auth = `Basic ${Buffer.from(`${config.username}:${config.password}`, 'utf8').toString('base64')}`;
  const clientParam: ODataQuery = config.client ? { 'sap-client': config.client } : {};
  const sessions = new Map<SapService, CsrfSession>();
  const maxPages = opts.maxPages ?? 20;
  const servicesPath = new URL(`${config.baseUrl}${config.servicePath}`).pathname;

  const sessionFor = (service: SapService): CsrfSession => {
    let s = sessions.get(service);
    if (!s) sessions.set(service, (s = createCsrfSession()));
    return s;
  };

  async function send(req: UpstreamRequest, meta: RequestMeta, operation: string): Promise<UpstreamResponse> {
    const trace: Record<string, string> = meta.traceparent ? { [TRACEPARENT_HEADER]: meta.traceparent } : {};
    const headers = { authorization: auth, accept: 'application/json', 'x-correlationid': meta.requestId, ...trace, ...req.headers };
    const res = await http.request({ ...req, endpoint: req.endpoint ?? endpointOf(req.url, servicesPath), headers });
    meta.log.debug({ operation, status: res.status }, 'sap request');
    return res;
  }

  const fail = (res: UpstreamResponse, operation: string): Error =>
    sapHttpError({ status: res.status, text: res.text, retryAfter: res.headers['retry-after'], operation });

  async function get(url: string, meta: RequestMeta, operation: string): Promise<UpstreamResponse> {
    const res = await send({ method: 'GET', url }, meta, operation);
    if (res.status >= 400) throw fail(res, operation);
    return res;
  }

  /** Follow server-driven paging (at most `maxPages` pages). */
  async function followNext(service: SapService, first: ODataCollection, meta: RequestMeta, operation: string): Promise<ODataCollection> {
    let next = first.next;
    const results = [...first.results];
    for (let page = 1; next !== undefined; page += 1) {
      const url = rebaseNextLink(serviceRoot(config, service), next);
      if (url === null || page > maxPages) throw sapMalformedResponse(operation, `unfollowable __next (page ${page})`);
      const res = await get(url, meta, operation);
      const more = parseCollection(res.text, operation);
      results.push(...more.results);
      next = more.next;
    }
    return { results, count: first.count, next: undefined };
  }

  function fetchToken(service: SapService, meta: RequestMeta): () => Promise<CsrfFetchResult> {
    return async () => {
      const url = `${serviceRoot(config, service)}${queryString(clientParam)}`;
      const operation = `HEAD ${service}/ (CSRF token)`;
      let res = await send({ method: 'HEAD', url, headers: { 'x-csrf-token': 'Fetch' } }, meta, operation);
      // Some systems refuse HEAD; the Cloud SDK falls back to GET.
      if (!header(res, 'x-csrf-token') && res.status >= 400) res = await send({ method: 'GET', url, headers: { 'x-csrf-token': 'Fetch' } }, meta, operation);
      const token = header(res, 'x-csrf-token');
      if (!token && res.status >= 400) throw fail(res, operation);
      return { token: token && token.toLowerCase() !== 'required' ? token : undefined, setCookie: res.headers['set-cookie'] };
    };
  }

  /** A modifying request with CSRF token and cookies; on 403 "Required" the token is refetched and the request sent once more. */
  async function modifying(service: SapService, req: UpstreamRequest, meta: RequestMeta, operation: string): Promise<UpstreamResponse> {
    const session = sessionFor(service);
    for (let attempt = 1; ; attempt += 1) {
      const creds = await session.credentials(fetchToken(service, meta));
      const csrf: Record<string, string> = { ...(creds.token ? { 'x-csrf-token': creds.token } : {}), ...(creds.cookie ? { cookie: creds.cookie } : {}) };
      const res = await send({ ...req, headers: { ...req.headers, ...csrf } }, meta, operation);
      session.storeCookies(res.headers['set-cookie']);
      if (res.status === 403 && header(res, 'x-csrf-token')?.toLowerCase() === 'required' && attempt === 1) {
        meta.log.debug({ operation }, 'sap CSRF token rejected; fetching a new one');
        session.invalidate(creds.token);
        continue;
      }
      return res;
    }
  }

  async function partResult(service: SapService, part: BatchPartResponse, meta: RequestMeta, operation: string): Promise<ODataCollection | Error> {
    if (part.status >= 400) return sapHttpError({ status: part.status, text: part.body, retryAfter: part.headers['retry-after'], operation });
    try {
      return await followNext(service, parseCollection(part.body, operation), meta, operation);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  function parseItems(res: UpstreamResponse, operation: string): BatchResponseItem[] {
    try {
      return parseBatchResponse(header(res, 'content-type'), res.text);
    } catch (err) {
      if (err instanceof BatchResponseError) throw sapMalformedResponse(operation, err.message);
      throw err;
    }
  }

  return {
    filterBudget: Math.max(500, config.maxUrlLength - URL_OVERHEAD),
    updateMethod: config.updateMethod,

    async readPage(service, path, query, meta) {
      const operation = `GET ${service}/${path}`;
      const res = await get(`${serviceRoot(config, service)}${path}${queryString({ ...query, $format: 'json', ...clientParam })}`, meta, operation);
      return parseCollection(res.text, operation);
    },

    async batchChangesets(service, changesets, meta) {
      const operation = `POST ${service}/$batch (changesets)`;
      const batch = buildChangesetBatch(changesets);
      const res = await modifying(service, {
        method: 'POST', url: `${serviceRoot(config, service)}$batch${queryString(clientParam)}`,
        headers: { 'content-type': batch.contentType, accept: 'multipart/mixed' }, body: batch.body, idempotent: false,
      }, meta, operation);
      if (res.status >= 400) throw fail(res, operation);
      const items = parseItems(res, operation);
      if (items.length !== changesets.length) throw sapMalformedResponse(operation, `${items.length} parts for ${changesets.length} changesets`);
      return items;
    },

    async readCollection(service, path, query, meta) {
      const operation = `GET ${service}/${path}`;
      const res = await get(`${serviceRoot(config, service)}${path}${queryString({ ...query, $format: 'json', ...clientParam })}`, meta, operation);
      return followNext(service, parseCollection(res.text, operation), meta, operation);
    },

    async readEntity(service, path, query, meta) {
      const operation = `GET ${service}/${path}`;
      const res = await get(`${serviceRoot(config, service)}${path}${queryString({ ...query, $format: 'json', ...clientParam })}`, meta, operation);
      const record = parseEntity(res.text, operation);
      return { record, etag: metadataEtag(record) ?? header(res, 'etag') };
    },

    async update(service, path, changes, ifMatch, meta) {
      const operation = `${config.updateMethod} ${service}/${path}`;
      const res = await modifying(service, {
        method: config.updateMethod, url: `${serviceRoot(config, service)}${path}${queryString(clientParam)}`,
        headers: { 'content-type': 'application/json', 'if-match': ifMatch }, body: JSON.stringify(changes),
      }, meta, operation);
      if (res.status >= 400) throw fail(res, operation);
      return { etag: header(res, 'etag') };
    },

    async batchRead(service, urls, meta) {
      const operation = `POST ${service}/$batch`;
      const batch = buildReadBatch(urls.map((u) => `${u}${u.includes('?') ? '&' : '?'}$format=json`));
      const res = await modifying(service, {
        method: 'POST', url: `${serviceRoot(config, service)}$batch${queryString(clientParam)}`,
        headers: { 'content-type': batch.contentType, accept: 'multipart/mixed' }, body: batch.body, idempotent: true,
      }, meta, operation);
      if (res.status >= 400) throw fail(res, operation);
      const items = parseItems(res, operation);
      if (items.length !== urls.length) throw sapMalformedResponse(operation, `${items.length} parts for ${urls.length} requests`);
      return Promise.all(items.map((item, i) => item.kind === 'response'
        ? partResult(service, item.response, meta, `GET ${service}/${urls[i]?.split('?')[0] ?? ''} (in $batch)`)
        : sapMalformedResponse(operation, 'a changeset answered a read part')));
    },

    breakerState: () => http.policy.state(),
    close: () => http.close(),
  };
}
