/**
 * W3C trace context end to end: the trace a client starts reaches the systems. The client sends a
 * `traceparent` to the gateway; every request the Salesforce and SAP sandboxes then receive carries
 * the same trace id, each hop with a span id of its own.
 */
import type { IncomingMessage } from 'node:http';
import { SAMPLE_EMAIL } from '../../../gateway/sampleQuery';
import { startStack, type Stack } from './startStack';

const QUERY = 'query Trace($e: String!) { contactByEmail(email: $e) { name salesOrders(first: 2) { nodes { number } } } }';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

describe('trace propagation', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('carries the client trace id from the gateway through the subgraphs to Salesforce and SAP', async () => {
    const seen: Record<'salesforce' | 'sap', Array<string | undefined>> = { salesforce: [], sap: [] };
    const listeners = {
      salesforce: (req: IncomingMessage) => { if (!req.url?.startsWith('/services/oauth2')) seen.salesforce.push(req.headers.traceparent as string | undefined); },
      sap: (req: IncomingMessage) => { seen.sap.push(req.headers.traceparent as string | undefined); },
    };
    stack.sandboxes.salesforce.server.on('request', listeners.salesforce);
    stack.sandboxes.sap.server.on('request', listeners.sap);
    try {
      const res = await stack.query(QUERY, { e: SAMPLE_EMAIL }, { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` });
      expect(res.errors).toBeUndefined();
      expect(res.data).toBeTruthy();
    } finally {
      stack.sandboxes.salesforce.server.off('request', listeners.salesforce);
      stack.sandboxes.sap.server.off('request', listeners.sap);
    }
    for (const system of ['salesforce', 'sap'] as const) {
      expect(seen[system].length).toBeGreaterThan(0);
      for (const value of seen[system]) {
        expect(value).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
        expect(value).not.toContain(CLIENT_SPAN);
      }
    }
  });
});
