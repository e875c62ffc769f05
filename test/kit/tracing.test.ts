import { execFile } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { createTracing, otlpTracesUrl } from '../../subgraphs/kit/tracing';
import { parseTraceparent } from '../../subgraphs/kit/traceContext';

const execFileAsync = promisify(execFile);

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  status?: { code?: number };
  attributes?: { key: string; value: Record<string, unknown> }[];
}

/** A tiny OTLP/HTTP collector: records each request's path, content type and spans. */
function startCollector(): Promise<{ url: string; spans: OtlpSpan[]; services: string[]; requests: { path: string; type: string }[]; close(): Promise<void> }> {
  const spans: OtlpSpan[] = [];
  const services: string[] = [];
  const requests: { path: string; type: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', type: String(req.headers['content-type']) });
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const rs of body.resourceSpans) {
        const name = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
        if (name) services.push(name);
        for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, spans, services, requests, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs `body` in a child `node --import tsx` with `createTracing`, `parseTraceparent` and `done(result)` in scope. */
async function runTraced(env: Record<string, string>, body: string): Promise<Record<string, unknown>> {
  const script = `
    const { createTracing } = require('./subgraphs/kit/tracing.ts');
    const { parseTraceparent } = require('./subgraphs/kit/traceContext.ts');
    const done = (result) => process.stdout.write(JSON.stringify(result));
    ${body}`;
  const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 20_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('tracing', () => {
  describe('without an OTLP endpoint', () => {
    it('continues the parent trace with a new span id and a traceparent naming it', async () => {
      const tracing = createTracing({ serviceName: 'test', env: {} });
      expect(tracing.exporting).toBe(false);
      const parent = parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')!;
      const span = tracing.startSpan('op', parent);
      expect(span.traceId).toBe(parent.traceId);
      expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(span.spanId).not.toBe(parent.spanId);
      expect(span.traceparent).toBe(`00-${parent.traceId}-${span.spanId}-01`);
      span.end(new Error('x'));
      await tracing.close();
    });

    it('starts a new sampled trace when there is no parent and keeps an unsampled flag', () => {
      const tracing = createTracing({ serviceName: 'test', env: { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' } });
      expect(tracing.exporting).toBe(false);
      const root = tracing.startSpan('op', null);
      expect(parseTraceparent(root.traceparent)).toEqual({ traceId: root.traceId, spanId: root.spanId, sampled: true });
      const child = tracing.startSpan('op', { traceId: root.traceId, spanId: root.spanId, sampled: false });
      expect(child.traceparent.endsWith('-00')).toBe(true);
    });
  });

  describe('otlpTracesUrl', () => {
    it('prefers the traces endpoint, appends /v1/traces to the base one and fails naming the key', () => {
      expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://b:4318' })).toBe('http://c:4318/custom');
      expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://b:4318/' })).toBe('http://b:4318/v1/traces');
      expect(otlpTracesUrl({})).toBeUndefined();
      expect(() => otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'nope' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    });
  });

  // The OTLP exporter loads node:http with a dynamic import(), which jest's module runtime refuses:
  // the spans are made and exported by a real child process; this process is the collector.
  describe('with an OTLP endpoint', () => {
    let collector: Awaited<ReturnType<typeof startCollector>>;
    beforeEach(async () => {
      collector = await startCollector();
    });
    afterEach(() => collector.close());

    it('exports the spans it propagates, under the caller span, on flush', async () => {
      const out = await runTraced({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }, `
        const tracing = createTracing({ serviceName: 'gateway', env: process.env, scheduledDelayMs: 60000 });
        const caller = parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
        const request = tracing.startSpan('POST /graphql', caller, { 'graphql.operation.name': 'Q' });
        const fetch = tracing.startSpan('subgraph sap', parseTraceparent(request.traceparent));
        fetch.end(Object.assign(new Error('secret upstream detail'), { extensions: { code: 'UPSTREAM_TIMEOUT' } }));
        request.end();
        tracing.close().then(() => done({ exporting: tracing.exporting, request: request.spanId, fetch: fetch.spanId }));`);
      expect(out.exporting).toBe(true);
      expect(collector.requests).toEqual([{ path: '/v1/traces', type: 'application/json' }]);
      expect(collector.services).toEqual(['gateway']);
      const byName = new Map(collector.spans.map((s) => [s.name, s]));
      const req = byName.get('POST /graphql')!;
      const sub = byName.get('subgraph sap')!;
      expect(req).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: out.request, parentSpanId: 'b7ad6b7169203331' });
      expect(sub).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: out.fetch, parentSpanId: out.request, status: { code: 2 } });
      expect(sub.attributes).toContainEqual({ key: 'error.type', value: { stringValue: 'UPSTREAM_TIMEOUT' } });
      expect(JSON.stringify(collector.spans)).not.toContain('secret upstream detail');
      expect(req.attributes).toContainEqual({ key: 'graphql.operation.name', value: { stringValue: 'Q' } });
    });

    it('does not export a span whose parent is unsampled, yet propagates it', async () => {
      const out = await runTraced({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.url}/v1/traces`, OTEL_SERVICE_NAME: 'sap-subgraph' }, `
        const tracing = createTracing({ serviceName: 'ignored', env: process.env });
        const span = tracing.startSpan('unsampled', parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00'));
        span.end();
        const root = tracing.startSpan('root', null);
        root.end();
        tracing.close().then(() => done({ unsampled: span.traceparent, sampled: span.sampled, rootTrace: root.traceId, rootSpan: root.spanId }));`);
      expect(out.sampled).toBe(false);
      expect(out.unsampled).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/);
      expect(collector.services).toEqual(['sap-subgraph']);
      expect(collector.spans.map((s) => s.name)).toEqual(['root']);
      expect(collector.spans[0]).toMatchObject({ traceId: out.rootTrace, spanId: out.rootSpan });
      expect(collector.spans[0]!.parentSpanId ?? '').toBe('');
    });
  });
});
