/**
 * Shared set-up for the CDC consumer and subscription tests: a sandbox, a subgraph with CDC on (a
 * replay store in a temporary folder, fast retries) that can be stopped and started again against
 * the same store and event log, an event log that counts (and can fail) appends, and waits on the
 * log that end when the expected entries are there.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { EntityEvent } from '../../../schema/eventEnvelope';
import { createMemoryEventLog, type EventLog, type LoggedEvent } from '../../../subgraphs/kit/eventLog';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../../subgraphs/salesforce/sandbox/salesforceSandbox';
import { startSalesforceSubgraph, type SalesforceSubgraph } from '../../../subgraphs/salesforce/server';
import { CONTEXT_ENV, testTenantRegistry } from '../signedContext';

export const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

export interface CountingLog extends EventLog {
  /** Append calls per event id (duplicates included). */
  attempts: Map<string, number>;
  /** Makes the next append of an event matching `which` reject once. */
  failOnce(which: (e: EntityEvent) => boolean): void;
}

export function countingLog(inner: EventLog = createMemoryEventLog()): CountingLog {
  const attempts = new Map<string, number>();
  let failing: ((e: EntityEvent) => boolean) | null = null;
  return {
    ...inner,
    kind: inner.kind,
    attempts,
    failOnce(which) { failing = which; },
    append(event) {
      attempts.set(event.id, (attempts.get(event.id) ?? 0) + 1);
      if (failing?.(event)) {
        failing = null;
        return Promise.reject(new Error('event log unavailable (test)'));
      }
      return inner.append(event);
    },
  };
}

/** Resolves with the log's entries once `done(entries)` holds (follows the log; no polling). */
export async function logged(log: EventLog, done: (entries: LoggedEvent[]) => boolean): Promise<LoggedEvent[]> {
  const entries = await log.read(undefined, 10_000);
  if (done(entries)) return entries;
  const stop = new AbortController();
  try {
    for await (const e of log.follow(entries.at(-1)?.cursor ?? '0-0', stop.signal)) {
      entries.push(e);
      if (done(entries)) return entries;
    }
  } finally {
    stop.abort();
  }
  return entries;
}

export interface CdcRig {
  sandbox: SalesforceSandbox;
  log: CountingLog;
  replayStore: string;
  /** The running subgraph (after `start`). */
  subgraph(): SalesforceSubgraph;
  /** Starts the subgraph (again) against the same sandbox, replay store and log; resolves once CDC subscribed. */
  start(env?: Record<string, string>): Promise<SalesforceSubgraph>;
  stop(): Promise<void>;
  /** Emits a Contact event through the sandbox admin endpoint; returns its replay id. */
  emit(recordId: string, changeType?: string, fields?: Record<string, unknown>): Promise<number>;
  contactIds(n: number): string[];
  close(): Promise<void>;
}

export async function startCdcRig(): Promise<CdcRig> {
  const sandbox = await startSalesforceSandbox({ port: 0, logger, size: { accounts: 5, people: 40 } });
  const dir = await mkdtemp(join(tmpdir(), 'sf-cdc-'));
  const replayStore = join(dir, 'replay.json');
  const log = countingLog();
  let current: SalesforceSubgraph | null = null;
  const rig: CdcRig = {
    sandbox,
    log,
    replayStore,
    subgraph() {
      if (!current) throw new Error('subgraph not started');
      return current;
    },
    async start(env = {}) {
      current = await startSalesforceSubgraph({
        port: 0, logger, eventLog: log, tenants: testTenantRegistry(),
        env: { ...CONTEXT_ENV, SALESFORCE_LOGIN_URL: sandbox.url, SALESFORCE_REPLAY_STORE: replayStore, SALESFORCE_CDC_RETRY_MS: '20', ...env },
      });
      await current.cdcReady;
      return current;
    },
    async stop() {
      await current?.close();
      current = null;
    },
    async emit(recordId, changeType = 'UPDATE', fields = {}) {
      const res = await fetch(`${sandbox.url}/__admin/events`, { method: 'POST', body: JSON.stringify({ changeType, recordIds: [recordId], fields }) });
      if (res.status !== 201) throw new Error(`emit failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { replayId: number }).replayId;
    },
    contactIds: (n) => sandbox.store.all('Contact').slice(0, n).map((r) => r.id),
    async close() {
      try {
        await rig.stop();
        await sandbox.close();
        await log.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
  return rig;
}

/** The envelope id of a single-record event on /data/ContactChangeEvent. */
export const eventId = (replayId: number): string => `salesforce:ContactChangeEvent:${replayId}`;
