/**
 * Reading OData V2 JSON envelopes: `{"d": {...}}` for an entity, `{"d": {"results": [...],
 * "__count": "n", "__next": "<url>"}}` for a collection, `{"results": [...]}` (or a bare array)
 * for an expanded navigation, `__metadata.etag` for the version. Anything else is a malformed
 * upstream answer (UPSTREAM_UNAVAILABLE).
 */
import { sapMalformedResponse } from './odataErrors';

export type ODataRecord = Record<string, unknown>;

export interface ODataCollection {
  results: ODataRecord[];
  /** From `__count` (`$inlinecount=allpages`). */
  count: number | undefined;
  /** Server-driven paging: the absolute URL of the next page. */
  next: string | undefined;
}

const isRecord = (v: unknown): v is ODataRecord => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseD(text: string, operation: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw sapMalformedResponse(operation, 'body is not JSON');
  }
  if (!isRecord(parsed) || !('d' in parsed)) throw sapMalformedResponse(operation, 'no "d" envelope');
  return parsed.d;
}

/** The records of a collection response. */
export function parseCollection(text: string, operation: string): ODataCollection {
  const d = parseD(text, operation);
  const results = Array.isArray(d) ? d : isRecord(d) ? d.results : undefined;
  if (!Array.isArray(results) || !results.every(isRecord)) throw sapMalformedResponse(operation, 'no "results" array');
  const rawCount = isRecord(d) ? d.__count : undefined;
  const count = typeof rawCount === 'string' && /^\d{1,15}$/.test(rawCount) ? Number(rawCount) : typeof rawCount === 'number' ? rawCount : undefined;
  const next = isRecord(d) && typeof d.__next === 'string' ? d.__next : undefined;
  return { results, count, next };
}

/** The record of a single-entity response. */
export function parseEntity(text: string, operation: string): ODataRecord {
  const d = parseD(text, operation);
  if (!isRecord(d)) throw sapMalformedResponse(operation, '"d" is not an entity');
  return d;
}

/** An expanded navigation's records; undefined when it was not expanded (`__deferred`) or is absent. */
export function expandedList(rec: ODataRecord, nav: string): ODataRecord[] | undefined {
  const v = rec[nav];
  const list = Array.isArray(v) ? v : isRecord(v) && Array.isArray(v.results) ? v.results : undefined;
  return list?.filter(isRecord);
}

/** The entity's ETag from `__metadata.etag`. */
export function metadataEtag(rec: ODataRecord): string | undefined {
  const meta = rec.__metadata;
  return isRecord(meta) && typeof meta.etag === 'string' ? meta.etag : undefined;
}

/** A string property ('' when missing or not a string). */
export function str(rec: ODataRecord, prop: string): string {
  const v = rec[prop];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}
