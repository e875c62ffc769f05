/**
 * The client's "prepare request" seam, as a jsforce `Transport`: every HTTP request jsforce sends
 * (REST and token endpoint) passes through it. It adds `X-Request-Id` and the caller's
 * `traceparent`, bounds the request by the running attempt's timeout, turns jsforce's own retries
 * off (the kit's upstream policy retries whole calls, see salesforceClient.ts), and records on the
 * running call what the error mapping and the policy need: the HTTP status and `Retry-After`
 * (jsforce's errors carry Salesforce's errorCode but neither). `Sforce-Limit-Info:
 * api-usage=25/15000` on any response goes to `observer.rateLimit`; token requests to
 * `observer.call` as endpoint `token`.
 *
 * The running call is found through AsyncLocalStorage: `runInCall` wraps one client call, and
 * jsforce's request chain (including a session refresh it triggers) runs inside it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { GraphQLError } from 'graphql';
import type { HttpRequest, HttpRequestOptions, HttpResponse } from 'jsforce';
import Transport from 'jsforce/lib/transport';
import type { StreamPromise } from 'jsforce/lib/util/promise';
import { TRACEPARENT_HEADER } from '../kit/traceContext';
import { retryAfterMs } from '../kit/upstreamHttp';
import type { UpstreamObserver } from '../kit/upstreamObserver';

/** What one client call knows about its HTTP exchanges. */
export interface CallState {
  /** Sent to Salesforce as `X-Request-Id`. */
  requestId: string;
  /** Sent as `traceparent` when set. */
  traceparent?: string;
  /** Timeout of each HTTP request of the running attempt. @default the transport's `timeoutMs` */
  attemptTimeoutMs?: number;
  /** The HTTP status of the last response; cleared when a request starts (undefined = no answer). */
  status?: number;
  /** `Retry-After` of the last response, in ms. */
  retryAfterMs?: number | null;
  /** Session refreshes this call triggered. */
  refreshes: number;
  /** Set when a refresh this call triggered failed: the error to report. */
  refreshFailure?: GraphQLError;
}

const scope = new AsyncLocalStorage<CallState>();

/** Runs `fn` as one client call: requests it makes carry `state.requestId` and report into `state`. */
export function runInCall<T>(state: CallState, fn: () => Promise<T>): Promise<T> {
  return scope.run(state, fn);
}

/** The call running now (inside `runInCall`), if any. */
export function currentCall(): CallState | undefined {
  return scope.getStore();
}

/** Every `name=used/limit` of a `Sforce-Limit-Info` header (`api-usage=25/15000, per-app-api-usage=1/250(appName=x)`). */
export function parseLimitInfo(value: string | undefined): Array<{ name: string; used: number; limit: number }> {
  if (!value) return [];
  const out: Array<{ name: string; used: number; limit: number }> = [];
  for (const m of value.slice(0, 2000).matchAll(/([A-Za-z-]{1,64})=(\d{1,15})\/(\d{1,15})/g)) {
    out.push({ name: m[1]!, used: Number(m[2]), limit: Number(m[3]) });
  }
  return out;
}

export interface TransportPolicy {
  /** Timeout of one HTTP request outside a client call (e.g. the streaming login). */
  timeoutMs: number;
  tenant: string;
  observer: UpstreamObserver;
}

const header = (res: HttpResponse, name: string): string | undefined => {
  const key = Object.keys(res.headers ?? {}).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : res.headers[key];
};

export class SalesforceTransport extends Transport {
  private readonly policy: TransportPolicy;

  constructor(policy: TransportPolicy) {
    super();
    this.policy = policy;
  }

  override httpRequest(req: HttpRequest, options: HttpRequestOptions = {}): StreamPromise<HttpResponse> {
    const call = scope.getStore();
    if (call) {
      req.headers = { ...req.headers, 'X-Request-Id': call.requestId, ...(call.traceparent ? { [TRACEPARENT_HEADER]: call.traceparent } : {}) };
      call.status = undefined;
      call.retryAfterMs = null;
    }
    const started = Date.now();
    const isToken = /\/services\/oauth2\/token$/.test(req.url.split('?')[0] ?? '');
    const pending = super.httpRequest(req, {
      ...options,
      timeout: call?.attemptTimeoutMs ?? this.policy.timeoutMs,
      retry: { ...options.retry, maxRetries: 0 },
    });
    void pending.then((res) => this.observe(call, res, isToken, started), () => {
      if (isToken) this.reportToken(0, started);
    });
    return pending;
  }

  private observe(call: CallState | undefined, res: HttpResponse, isToken: boolean, started: number): void {
    if (call) {
      call.status = res.statusCode;
      call.retryAfterMs = retryAfterMs(header(res, 'retry-after'));
    }
    if (isToken) this.reportToken(res.statusCode, started);
    const { tenant, observer } = this.policy;
    for (const limit of parseLimitInfo(header(res, 'sforce-limit-info'))) observer.rateLimit({ system: 'salesforce', tenant, ...limit });
  }

  private reportToken(status: number, started: number): void {
    const { tenant, observer } = this.policy;
    observer.call({ system: 'salesforce', tenant, endpoint: 'token', method: 'POST', status, durationMs: Date.now() - started, attempt: 1 });
  }
}
