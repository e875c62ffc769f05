/**
 * Child process of the fan-out benchmark: the baseline, a raw `ws` WebSocketServer on loopback that
 * broadcasts one text frame to every connected socket. The frame is the gateway's own `next`
 * message for the event (`template`, captured from the gateway in the same run) with this event's
 * `seq`, status and `emittedAt` (stamped here when the event is published), serialised once.
 * Requests: `emit { seq }` (answers the number of sockets sent to), `clients`, `exit`.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { benchClock, statusOf } from './subscriptionFanoutEvent';
import { serveParent } from './subscriptionFanoutIpc';

interface NextMessage {
  payload: { data: { orderChanged: { seq: number; emittedAt: number; order: { status: string } } } };
}

async function main(): Promise<void> {
  const template = process.env.FANOUT_TEMPLATE;
  if (!template) throw new Error('FANOUT_TEMPLATE (the gateway next message text) is required');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1_048_576 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
  serveParent({
    url: () => url,
    emit: (body) => {
      const seq = Number(body.seq);
      const emittedAt = benchClock();
      const msg = JSON.parse(template) as NextMessage;
      const ev = msg.payload.data.orderChanged;
      ev.seq = seq;
      ev.emittedAt = emittedAt;
      ev.order.status = statusOf(seq);
      const text = JSON.stringify(msg);
      for (const ws of wss.clients) ws.send(text);
      return wss.clients.size;
    },
    clients: () => wss.clients.size,
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
