/**
 * The fan-out benchmark's probe: one hand-driven `graphql-transport-ws` session against the gateway
 * that subscribes like every subscriber will, has warm-up events emitted until the first `next`
 * arrives, and returns that message's exact text (then completes and closes). It warms the
 * gateway (plan, upstream socket, entity fetch) and gives the raw baseline the frame to broadcast.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { FANOUT_QUERY, FANOUT_VARIABLES, readEvent } from './subscriptionFanoutEvent';

/** The text of the gateway's first `next` message for the benchmark's subscription. */
export function captureNextMessage(wsUrl: string, emitWarmUp: () => Promise<unknown>, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, 'graphql-transport-ws');
    const id = randomUUID();
    let ticker: NodeJS.Timeout | undefined;
    const finish = (err: Error | null, text?: string): void => {
      clearTimeout(timer);
      clearInterval(ticker);
      if (ws.readyState === WebSocket.OPEN) {
        if (!err) ws.send(JSON.stringify({ id, type: 'complete' }));
        ws.close(1000);
      }
      if (err) reject(err);
      else resolve(text ?? '');
    };
    const timer = setTimeout(() => finish(new Error(`no next message from ${wsUrl} within ${timeoutMs} ms`)), timeoutMs);
    const emit = (): void => { emitWarmUp().catch((err: unknown) => finish(err instanceof Error ? err : new Error(String(err)))); };
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    ws.on('error', (err) => finish(err));
    ws.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      const msg = JSON.parse(text) as { type?: string; payload?: unknown };
      if (msg.type === 'connection_ack') {
        ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query: FANOUT_QUERY, variables: FANOUT_VARIABLES } }));
        ticker = setInterval(emit, 200);
      } else if (msg.type === 'next') {
        const ev = readEvent(msg.payload);
        finish(typeof ev === 'string' ? new Error(`probe: ${ev}`) : null, text);
      } else if (msg.type !== 'ping' && msg.type !== 'pong') {
        finish(new Error(`probe: unexpected message ${text.slice(0, 300)}`));
      }
    });
  });
}
