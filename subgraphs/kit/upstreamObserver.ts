/**
 * What the subgraphs' upstream clients report about their calls to the systems, for metrics
 * (`subgraphMetrics.ts` turns these into Prometheus series) and logs. Every method is optional to
 * call and must never throw; `noopUpstreamObserver` is the default.
 */
import type { SystemName } from './subgraphErrors';

export interface UpstreamCallEvent {
  system: SystemName;
  tenant: string;
  /** A low-cardinality name of the endpoint, e.g. `query`, `sobjects.Contact`, `$batch`, `A_SalesOrder`, `token`. */
  endpoint: string;
  method: string;
  /** HTTP status, or 0 for a transport error or timeout. */
  status: number;
  durationMs: number;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
}

export interface UpstreamRateLimitEvent {
  system: SystemName;
  tenant: string;
  /** e.g. `api-usage` for Salesforce's `Sforce-Limit-Info: api-usage=25/15000`. */
  name: string;
  used: number;
  limit: number;
}

export interface UpstreamThrottleEvent {
  system: SystemName;
  tenant: string;
  status: number;
  /** The system's `Retry-After`, in ms; null when it sent none. */
  retryAfterMs: number | null;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerEvent {
  system: SystemName;
  tenant: string;
  state: BreakerState;
}

export interface UpstreamObserver {
  call(e: UpstreamCallEvent): void;
  rateLimit(e: UpstreamRateLimitEvent): void;
  throttled(e: UpstreamThrottleEvent): void;
  breaker(e: BreakerEvent): void;
}

export const noopUpstreamObserver: UpstreamObserver = {
  call: () => undefined,
  rateLimit: () => undefined,
  throttled: () => undefined,
  breaker: () => undefined,
};
