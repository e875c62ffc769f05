/**
 * W3C trace context end to end: the trace a client starts reaches the systems. The client sends a
 * `traceparent` to the gateway; every request the Salesforce and SAP sandboxes then receive carries
 * the same trace id, each hop with a span id of its own.
 */
import type { IncomingMessage } from 'node:http';
import { SAMPLE_EMAIL } from '../../../gateway/sampleQuery';
import { requestsDuring } from '../../sandboxes/requestsDuring';
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
    const traceparent = (req: IncomingMessage): string => String(req.headers.traceparent);
    let res: Awaited<ReturnType<Stack['query']>> | undefined;
    const seen = { salesforce: [] as string[], sap: [] as string[] };
    seen.sap = await requestsDuring(stack.sandboxes.sap.server, async () => {
      seen.salesforce = await requestsDuring(stack.sandboxes.salesforce.server, async () => {
        res = await stack.query(QUERY, { e: SAMPLE_EMAIL }, { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` });
      }, (req) => (req.url?.startsWith('/services/oauth2') ? undefined : traceparent(req)));
    }, traceparent);
    expect(res?.errors).toBeUndefined();
    expect(res?.data).toBeTruthy();
    for (const system of ['salesforce', 'sap'] as const) {
      expect(seen[system].length).toBeGreaterThan(0);
      for (const value of seen[system]) {
        expect(value).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
        expect(value).not.toContain(CLIENT_SPAN);
      }
    }
  });
});
