/**
 * W3C Trace Context (`traceparent`, https://www.w3.org/TR/trace-context/): the gateway starts or
 * continues a trace for each request and sends a child `traceparent` with every subgraph fetch; a
 * subgraph continues it and sends a child with every upstream call, so one trace id runs
 * gateway -> subgraph -> system.
 *
 *     traceparent: 00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const TRACEPARENT_HEADER = 'traceparent';

export interface TraceContext {
  traceId: string;
  /** This hop's span id. */
  spanId: string;
  /** The caller's span id, null when this hop started the trace. */
  parentSpanId: string | null;
  sampled: boolean;
}

const PATTERN = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** The remote span a hop continues: what a `traceparent` header carries. */
export interface TraceParent {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

/** A new random span id (16 hex). */
export const newSpanId = (): string => randomBytes(8).toString('hex');

/** A new random trace id (32 hex). */
export const newTraceId = (): string => randomBytes(16).toString('hex');

/** Parses a `traceparent` value; null when absent or invalid (all-zero ids are invalid). */
export function parseTraceparent(value: unknown): TraceParent | null {
  if (typeof value !== 'string') return null;
  const m = PATTERN.exec(value.trim().toLowerCase());
  if (!m || m[1] === ZERO_TRACE || m[2] === ZERO_SPAN) return null;
  return { traceId: m[1]!, spanId: m[2]!, sampled: (parseInt(m[3]!, 16) & 1) === 1 };
}

/** Continues the caller's trace (a new span under its span) or starts a new sampled one. */
export function traceFrom(headers: IncomingHttpHeaders): TraceContext {
  return childTrace(parseTraceparent(headers[TRACEPARENT_HEADER]));
}

/** A new span under `parent`, or the first span of a new sampled trace when `parent` is null. */
export function childTrace(parent: TraceParent | null): TraceContext {
  if (parent) return { traceId: parent.traceId, spanId: newSpanId(), parentSpanId: parent.spanId, sampled: parent.sampled };
  return { traceId: newTraceId(), spanId: newSpanId(), parentSpanId: null, sampled: true };
}

/** The `traceparent` value naming `trace`'s span as the parent. */
export function formatTraceparent(trace: Pick<TraceContext, 'traceId' | 'spanId' | 'sampled'>): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.sampled ? '01' : '00'}`;
}

/** A `traceparent` for an outgoing call made from `trace`'s span. */
export function outgoingTraceparent(trace: TraceContext): string {
  return formatTraceparent(trace);
}
