/**
 * The client's "prepare request" seam, as a jsforce `Transport`: every HTTP request jsforce sends
 * (REST and token endpoint) passes through it. It adds `X-Request-Id`, applies our timeout and
 * retry policy (jsforce's own retry: idempotent methods only, on 420/429/5xx and network errors) and
 * records the HTTP status on the call that is running, so the error mapping can use it (jsforce's
 * errors carry Salesforce's errorCode but not the status).
 *
 * The running call is found through AsyncLocalStorage: `runInCall` wraps one client call, and
 * jsforce's request chain (including a session refresh it triggers) runs inside it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { GraphQLError } from 'graphql';
import type { HttpRequest, HttpRequestOptions, HttpResponse } from 'jsforce';
import Transport from 'jsforce/lib/transport';
import type { StreamPromise } from 'jsforce/lib/util/promise';

/** What one client call knows about its HTTP exchanges. */
export interface CallState {
  /** Sent to Salesforce as `X-Request-Id`. */
  requestId: string;
  /** The last HTTP status received. */
  status?: number;
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

export interface TransportPolicy {
  /** Budget of one request including retries (jsforce aborts it with an AbortError). */
  timeoutMs: number;
  /** Retries of idempotent requests. */
  maxRetries: number;
  /** First retry delay; jsforce doubles it per retry. */
  retryDelayMs: number;
}

export class SalesforceTransport extends Transport {
  private readonly policy: TransportPolicy;

  constructor(policy: TransportPolicy) {
    super();
    this.policy = policy;
  }

  override httpRequest(req: HttpRequest, options: HttpRequestOptions = {}): StreamPromise<HttpResponse> {
    const call = scope.getStore();
    if (call) req.headers = { ...req.headers, 'X-Request-Id': call.requestId };
    const pending = super.httpRequest(req, {
      ...options,
      timeout: this.policy.timeoutMs,
      retry: { ...options.retry, maxRetries: this.policy.maxRetries, minTimeout: this.policy.retryDelayMs },
    });
    if (call) {
      void pending.then((res) => { call.status = res.statusCode; }, () => undefined);
    }
    return pending;
  }
}
