/**
 * A CloudEvents 1.0 HTTP request as SAP Event Mesh delivers it (untrusted input), in either content
 * mode of the HTTP protocol binding:
 * - structured: `Content-Type: application/cloudevents+json`, the whole event as a JSON object;
 * - binary: the attributes in `ce-*` headers, `data` as the body (`application/json`).
 * Batched mode (`application/cloudevents-batch+json`) is refused with 415, as is any other type.
 *
 * Checked: `specversion` 1.0; `id`, `source`, `type` non-empty strings without control characters
 * (ids ≤ 256, sources ≤ 512, types ≤ 256 characters); `time` (optional) an RFC 3339 instant;
 * `datacontenttype` (optional) JSON; `data` (optional) a JSON object; at most 64 attributes.
 * What the data must contain is the consumer's business (`salesOrderEnvelope.ts`).
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface CloudEventRequest {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string | undefined;
  data: Record<string, unknown> | undefined;
}

export type ParsedCloudEvent =
  | { ok: true; event: CloudEventRequest; mode: 'structured' | 'binary' }
  | { ok: false; status: 400 | 415; reason: string };

const hasControl = (s: string): boolean => [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const MAX_ATTRIBUTES = 64;

const fail = (reason: string, status: 400 | 415 = 400): ParsedCloudEvent => ({ ok: false, status, reason });

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

const isJsonMedia = (type: string): boolean => type === 'application/json' || /^application\/[\w.-]+\+json$/.test(type);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(v: unknown, name: string, max: number): string | { reason: string } {
  if (typeof v !== 'string' || v.length === 0 || v.length > max || hasControl(v)) {
    return { reason: `${name} must be a string of 1..${max} characters without control characters` };
  }
  return v;
}

function parseJson(body: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Validates the context attributes common to both modes. */
function checkAttributes(attrs: Record<string, unknown>, data: unknown, mode: 'structured' | 'binary'): ParsedCloudEvent {
  if (Object.keys(attrs).length > MAX_ATTRIBUTES) return fail(`a CloudEvent has at most ${MAX_ATTRIBUTES} attributes`);
  if (attrs.specversion !== '1.0') return fail('specversion must be "1.0"');
  const id = text(attrs.id, 'id', 256);
  if (typeof id !== 'string') return fail(id.reason);
  const source = text(attrs.source, 'source', 512);
  if (typeof source !== 'string') return fail(source.reason);
  const type = text(attrs.type, 'type', 256);
  if (typeof type !== 'string') return fail(type.reason);
  let time: string | undefined;
  if (attrs.time !== undefined) {
    if (typeof attrs.time !== 'string' || !RFC3339.test(attrs.time) || Number.isNaN(Date.parse(attrs.time))) return fail('time must be an RFC 3339 timestamp');
    time = new Date(attrs.time).toISOString();
  }
  if (attrs.datacontenttype !== undefined && (typeof attrs.datacontenttype !== 'string' || !isJsonMedia(mediaType(attrs.datacontenttype)))) {
    return fail('datacontenttype must be application/json', 415);
  }
  if (data !== undefined && data !== null && !isObject(data)) return fail('data must be a JSON object');
  return { ok: true, mode, event: { specversion: '1.0', id, source, type, time, data: isObject(data) ? data : undefined } };
}

function structured(body: string): ParsedCloudEvent {
  const parsed = parseJson(body);
  if (!parsed.ok || !isObject(parsed.value)) return fail('a structured CloudEvent must be a JSON object');
  const attrs = parsed.value;
  if ('data_base64' in attrs) return fail('data_base64 is not accepted: data must be JSON', 415);
  const { data, ...rest } = attrs;
  return checkAttributes(rest, data, 'structured');
}

function binary(headers: IncomingHttpHeaders, type: string, body: string): ParsedCloudEvent {
  if (!isJsonMedia(type)) return fail(`binary CloudEvents must carry application/json data (got '${type.slice(0, 80)}')`, 415);
  const attrs: Record<string, unknown> = { datacontenttype: type };
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('ce-')) continue;
    if (Array.isArray(value)) return fail(`${name} must be sent once`);
    attrs[name.slice(3)] = value;
  }
  if (body.trim() === '') return checkAttributes(attrs, undefined, 'binary');
  const parsed = parseJson(body);
  if (!parsed.ok) return fail('the data of a binary CloudEvent must be valid JSON');
  return checkAttributes(attrs, parsed.value, 'binary');
}

/** Reads a CloudEvent from a request's headers and (already size-capped) body text. */
export function parseCloudEvent(headers: IncomingHttpHeaders, body: string): ParsedCloudEvent {
  const type = mediaType(headers['content-type']);
  if (type === 'application/cloudevents+json') return structured(body);
  if (type === 'application/cloudevents-batch+json') return fail('batched CloudEvents are not accepted', 415);
  if (headers['ce-specversion'] !== undefined) return binary(headers, type, body);
  return fail('expected a CloudEvent: Content-Type application/cloudevents+json, or ce-* headers with application/json data', 415);
}
