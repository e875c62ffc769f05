/**
 * `npm run example:ai-core`: the AI core's typed client against a running stack (`npm start`).
 *
 * 1. `SalesOrderById` (persisted: only its `documentId` is sent) for order `AI_CORE_ORDER_ID`,
 * 2. `ContactOverview` for that order's buyer (persisted), joining Salesforce, SAP and Teams,
 * 3. subscribes to `salesOrderChanged` for the order and, so there is something to see, flips its
 *    status with the persisted `UpdateSalesOrderStatus` mutation (`AI_CORE_TRIGGER=false` to only
 *    listen), then logs events until `AI_CORE_EVENTS` arrived or `AI_CORE_TIMEOUT_MS` passed.
 *
 * | key | default |
 * |---|---|
 * | GATEWAY_URL | http://localhost:4000/graphql |
 * | LUMINA_TOKEN | the token `npm start` writes to var/dev-token |
 * | AI_CORE_ORDER_ID | 42 |
 * | AI_CORE_EVENTS | 1 |
 * | AI_CORE_TIMEOUT_MS | 30000 |
 * | AI_CORE_TRIGGER | true |
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { envBool, envInt } from '../subgraphs/kit/envConfig';
import { createLogger } from '../subgraphs/kit/logger';
import { createAiCoreClient } from './aiCoreClient';
import {
  ContactOverviewDocument, SalesOrderByIdDocument, SalesOrderChangedDocument, UpdateSalesOrderStatusDocument,
  type SalesOrderChangedSubscription, type SalesOrderStatus,
} from './generated/operations/graphql';

export interface AiCoreExampleOptions {
  url: string;
  token: string;
  /** @default '42' */
  orderId?: string;
  /** Stop after this many events. @default 1 */
  events?: number;
  /** Stop after this long without enough events. @default 30_000 */
  timeoutMs?: number;
  /** Change the order's status once subscribed, so an event arrives. @default true */
  trigger?: boolean;
  logger: Logger;
}

export interface AiCoreExampleResult {
  orderStatus: string;
  buyer: string | null;
  events: SalesOrderChangedSubscription['salesOrderChanged'][];
}

async function collect(iterator: AsyncIterableIterator<SalesOrderChangedSubscription>, opts: { events: number; timeoutMs: number; logger: Logger }): Promise<AiCoreExampleResult['events']> {
  const events: AiCoreExampleResult['events'] = [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), opts.timeoutMs); });
  try {
    while (events.length < opts.events) {
      const r = await Promise.race([iterator.next(), timeout]);
      if (r === 'timeout') {
        opts.logger.warn({ received: events.length, timeoutMs: opts.timeoutMs }, 'timed out waiting for order events');
        break;
      }
      if (r.done) break;
      const e = r.value.salesOrderChanged;
      opts.logger.info({ changeType: e.changeType, orderId: e.orderId, status: e.order?.status, cursor: e.cursor }, 'salesOrderChanged');
      events.push(e);
    }
  } finally {
    clearTimeout(timer);
    await iterator.return?.();
  }
  return events;
}

/** Runs the example; resolves once done (events or timeout). */
export async function runAiCoreExample(opts: AiCoreExampleOptions): Promise<AiCoreExampleResult> {
  const log = opts.logger;
  const client = createAiCoreClient({ url: opts.url, token: opts.token });
  try {
    const orderId = opts.orderId ?? '42';
    const order = (await client.query(SalesOrderByIdDocument, { id: orderId })).data.salesOrder;
    if (!order) throw new Error(`sales order ${orderId} not found`);
    log.info({ order: order.number, status: order.status, buyer: order.soldTo?.email, lines: order.items.length }, 'SalesOrderById (persisted)');
    let buyer: string | null = null;
    if (order.soldTo?.email) {
      const overview = await client.query(ContactOverviewDocument, { email: order.soldTo.email, orders: 3, messages: 1 });
      const c = overview.data.contactByEmail;
      buyer = c?.name ?? null;
      log.info({ contact: c?.name, account: c?.account?.name, orders: c?.salesOrders?.totalCount, latestMessage: c?.messages?.nodes[0]?.subject ?? null, partialErrors: overview.errors.length }, 'ContactOverview (persisted)');
    }
    const iterator = client.subscribe(SalesOrderChangedDocument, { id: orderId });
    const collected = collect(iterator, { events: opts.events ?? 1, timeoutMs: opts.timeoutMs ?? 30_000, logger: log });
    if (opts.trigger ?? true) {
      // The subscription is live once the SAP subgraph has it; give it a moment before changing the order.
      await new Promise((r) => setTimeout(r, 500));
      const status: SalesOrderStatus = order.status === 'COMPLETED' ? 'IN_PROCESS' : 'COMPLETED';
      const updated = await client.query(UpdateSalesOrderStatusDocument, { id: orderId, status });
      log.info({ order: updated.data.updateSalesOrderStatus.number, status: updated.data.updateSalesOrderStatus.status }, 'UpdateSalesOrderStatus (persisted)');
    }
    return { orderStatus: order.status, buyer, events: await collected };
  } finally {
    await client.close();
  }
}

function tokenFromEnv(env: NodeJS.ProcessEnv): string {
  if (env.LUMINA_TOKEN) return env.LUMINA_TOKEN.trim();
  const file = path.resolve(__dirname, '..', 'var', 'dev-token');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new Error(`LUMINA_TOKEN is not set and ${file} is missing: start the stack with npm start, or set LUMINA_TOKEN to a bearer token`);
  }
}

if (require.main === module) {
  const log = createLogger('ai-core-example');
  const env = process.env;
  Promise.resolve()
    .then(() => runAiCoreExample({
      url: env.GATEWAY_URL || 'http://localhost:4000/graphql',
      token: tokenFromEnv(env),
      orderId: env.AI_CORE_ORDER_ID || '42',
      events: envInt(env, 'AI_CORE_EVENTS', 1, 1, 1_000),
      timeoutMs: envInt(env, 'AI_CORE_TIMEOUT_MS', 30_000, 100, 3_600_000),
      trigger: envBool(env, 'AI_CORE_TRIGGER', true),
      logger: log,
    }))
    .then((r) => {
      log.info({ events: r.events.length }, 'done');
      process.exit(r.events.length > 0 || env.AI_CORE_TRIGGER === 'false' ? 0 : 1);
    }, (err: unknown) => {
      log.fatal({ err }, 'the AI-core example failed');
      process.exit(1);
    });
}
