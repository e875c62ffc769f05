/**
 * The `main` of every long-running component (sandboxes, subgraphs, gateway): start it, stop it
 * cleanly on SIGINT/SIGTERM, and only then announce readiness on stdout (launchers and tests wait
 * for that line and may stop us right away). A failed start is logged and exits 1.
 */
import type { Logger } from 'pino';

export interface Stoppable {
  close(): Promise<void>;
}

export interface RunOptions<T extends Stoppable> {
  /** Name used in log lines, e.g. `sap subgraph`. */
  name: string;
  log: Logger;
  start: () => Promise<T>;
  /** The stdout text announcing readiness, e.g. `sap subgraph ready at <url>\n`. */
  readyText: (started: T) => string;
}

export function runUntilStopped<T extends Stoppable>(opts: RunOptions<T>): void {
  const { log, name } = opts;
  opts.start().then((started) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, `stopping ${name}`);
      started.close().then(() => process.exit(0), (err: unknown) => {
        log.error({ err }, `error while stopping ${name}`);
        process.exit(1);
      });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.stdout.write(opts.readyText(started));
  }, (err: unknown) => {
    log.fatal({ err }, `${name} failed to start`);
    process.exit(1);
  });
}
