import { childTrace, formatTraceparent, outgoingTraceparent, parseTraceparent, traceFrom } from '../../subgraphs/kit/traceContext';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('W3C trace context', () => {
  it('parses a valid traceparent, case-insensitively, with its sampled flag', () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
    expect(parseTraceparent(` 00-${TRACE.toUpperCase()}-${SPAN}-00 `)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: false });
  });

  it('refuses malformed, all-zero and repeated headers', () => {
    for (const bad of [undefined, '', 'garbage', `01-${TRACE}-${SPAN}-01`, `00-${'0'.repeat(32)}-${SPAN}-01`, `00-${TRACE}-${'0'.repeat(16)}-01`, `00-${TRACE}-${SPAN}-01-extra`, `00-${TRACE.slice(1)}-${SPAN}-01`, [`00-${TRACE}-${SPAN}-01`], 'x'.repeat(10_000)]) {
      expect(parseTraceparent(bad)).toBeNull();
    }
  });

  it('continues the caller trace with a new span whose parent is the caller span', () => {
    const t = traceFrom({ traceparent: `00-${TRACE}-${SPAN}-00` });
    expect(t).toMatchObject({ traceId: TRACE, parentSpanId: SPAN, sampled: false });
    expect(t.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(t.spanId).not.toBe(SPAN);
    expect(outgoingTraceparent(t)).toBe(`00-${TRACE}-${t.spanId}-00`);
  });

  it('starts a new sampled trace when the caller sent none or a bad one', () => {
    const a = traceFrom({ traceparent: 'nope' });
    const b = childTrace(null);
    expect(a).toMatchObject({ parentSpanId: null, sampled: true });
    expect(a.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.traceId).not.toBe(b.traceId);
    expect(parseTraceparent(formatTraceparent(b))).toEqual({ traceId: b.traceId, spanId: b.spanId, sampled: true });
  });
});
