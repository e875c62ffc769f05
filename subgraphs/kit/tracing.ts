/**
 * Spans for the gateway and the subgraphs, with optional OpenTelemetry export.
 *
 * Every hop calls `startSpan(name, parent)` with the caller's `traceparent` (parsed by
 * `parseTraceparent`, null when absent) and sends `span.traceparent` downstream, so the ids sent on
 * the wire are the ids exported: gateway request -> subgraph fetch -> subgraph request -> upstream call.
 *
 * - `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (full URL) or `OTEL_EXPORTER_OTLP_ENDPOINT` (base URL,
 *   `/v1/traces` appended) set: spans are recorded by an OpenTelemetry `BasicTracerProvider` and sent
 *   in batches to that collector over OTLP/HTTP (JSON). `OTEL_SERVICE_NAME` overrides `serviceName`.
 *   The provider is private to this object: nothing is registered globally.
 * - Neither set, or `OTEL_SDK_DISABLED=true`: no export; span ids come from `traceContext.ts` and
 *   `end()` does nothing.
 *
 * An unsampled parent (`-00` flags) yields an unsampled span: it is never exported, but it still
 * gets its own span id and propagates the flag.
 */
import { ROOT_CONTEXT, trace, SpanStatusCode, TraceFlags, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { envBool, envOptional, envUrl, type Env } from './envConfig';
import { childTrace, formatTraceparent, type TraceParent } from './traceContext';

export interface TracingOptions {
  /** `service.name` of the exported spans (e.g. `gateway`, `salesforce-subgraph`); `OTEL_SERVICE_NAME` wins. */
  serviceName: string;
  /** Where the `OTEL_*` keys are read. @default process.env */
  env?: Env;
  /** Longest wait for the collector when flushing. @default 10_000 */
  exportTimeoutMs?: number;
  /** How often batched spans are sent. @default 1_000 */
  scheduledDelayMs?: number;
}

export type SpanAttributes = Record<string, string | number | boolean>;

export interface TraceSpan {
  traceId: string;
  spanId: string;
  sampled: boolean;
  /** The `traceparent` naming THIS span: send it with every call made inside the span. */
  traceparent: string;
  /** Adds attributes (e.g. the status once known). No-op without export. */
  set(attributes: SpanAttributes): void;
  /** Ends the span, as failed when `error` is given (its `extensions.code` or class name is recorded, never its message). Idempotent. */
  end(error?: unknown): void;
}

export interface Tracing {
  /** True when spans are exported. */
  exporting: boolean;
  /** Starts a span under `parent` (a remote span, e.g. `parseTraceparent(headers.traceparent)`), or a new trace when null. */
  startSpan(name: string, parent: TraceParent | null, attributes?: SpanAttributes): TraceSpan;
  /** Sends the spans still buffered and stops exporting. */
  close(): Promise<void>;
}

const TRACES_ENDPOINT = 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT';
const BASE_ENDPOINT = 'OTEL_EXPORTER_OTLP_ENDPOINT';

/** The OTLP/HTTP traces URL from the env, or undefined when export is off. Throws naming the key when malformed. */
export function otlpTracesUrl(env: Env): string | undefined {
  if (envBool(env, 'OTEL_SDK_DISABLED', false)) return undefined;
  if (envOptional(env, TRACES_ENDPOINT)) return envUrl(env, TRACES_ENDPOINT, '');
  if (envOptional(env, BASE_ENDPOINT)) return `${envUrl(env, BASE_ENDPOINT, '')}/v1/traces`;
  return undefined;
}

function plainSpan(parent: TraceParent | null): TraceSpan {
  const t = childTrace(parent);
  return { traceId: t.traceId, spanId: t.spanId, sampled: t.sampled, traceparent: formatTraceparent(t), set: () => undefined, end: () => undefined };
}

const noTracing: Tracing = { exporting: false, startSpan: (_name, parent) => plainSpan(parent), close: () => Promise.resolve() };

/** The error's stable `extensions.code`, else its class name: never its message (it may hold upstream detail). */
function errorType(error: unknown): string {
  const code = (error as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.constructor.name : typeof error;
}

function wrap(span: Span): TraceSpan {
  const sc = span.spanContext();
  const sampled = (sc.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
  let ended = false;
  return {
    traceId: sc.traceId,
    spanId: sc.spanId,
    sampled,
    traceparent: formatTraceparent({ traceId: sc.traceId, spanId: sc.spanId, sampled }),
    set: (attributes) => span.setAttributes(attributes),
    end(error) {
      if (ended) return;
      ended = true;
      if (error !== undefined) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.setAttribute('error.type', errorType(error));
      }
      span.end();
    },
  };
}

function startOtelSpan(tracer: Tracer, name: string, parent: TraceParent | null, attributes: Attributes | undefined): TraceSpan {
  const ctx = parent
    ? trace.setSpanContext(ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true })
    : ROOT_CONTEXT;
  return wrap(tracer.startSpan(name, attributes ? { attributes } : {}, ctx));
}

export function createTracing(opts: TracingOptions): Tracing {
  const env = opts.env ?? process.env;
  const url = otlpTracesUrl(env);
  if (!url) return noTracing;
  const exporter = new OTLPTraceExporter({ url, timeoutMillis: opts.exportTimeoutMs ?? 10_000 });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': envOptional(env, 'OTEL_SERVICE_NAME') ?? opts.serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: opts.scheduledDelayMs ?? 1_000, exportTimeoutMillis: opts.exportTimeoutMs ?? 10_000 })],
  });
  const tracer = provider.getTracer('lumina');
  return {
    exporting: true,
    startSpan: (name, parent, attributes) => startOtelSpan(tracer, name, parent, attributes),
    close: () => provider.shutdown(),
  };
}
