/**
 * Watches files the gateway serves from (the supergraph, trusted-document manifests) and calls back,
 * debounced, when one changes: `fs.watch` on their folders plus a stat poll, because watching is
 * unreliable on some file systems (network mounts, some containers). A file is "changed" when its
 * stat key (inode, size, mtime) differs from the one the caller last read.
 */
import { watch, type FSWatcher, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';

export interface WatchedFile {
  path: string;
  /** The stat key of the version the caller has (`statKey`), or '' for none. */
  statKey: string;
}

export interface WatchFilesOptions {
  log: Logger;
  /** What the files are, for log lines (e.g. `supergraph`, `manifest`). */
  what: string;
  /** @default 1_000 */
  pollMs?: number;
  /** @default 100 */
  debounceMs?: number;
}

export const statKey = (st: Pick<Stats, 'ino' | 'size' | 'mtimeMs'>): string => `${st.ino}:${st.size}:${st.mtimeMs}`;

/** An error's message for a log line or a start-up error. */
export function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Starts watching `files` (read on every poll, so callers update their `statKey` in place); returns the stop function. */
export function watchFiles(files: readonly WatchedFile[], opts: WatchFilesOptions, onChange: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(onChange, opts.debounceMs ?? 100);
    timer.unref();
  };
  const watchers: FSWatcher[] = [];
  for (const dir of new Set(files.map((f) => dirname(f.path)))) {
    const names = new Set(files.filter((f) => dirname(f.path) === dir).map((f) => basename(f.path)));
    try {
      const w = watch(dir, { persistent: false }, (_event, file) => (!file || names.has(file.toString())) && schedule());
      w.on('error', (err) => opts.log.warn({ dir, reason: reasonOf(err) }, `${opts.what} folder watch failed; polling only`));
      watchers.push(w);
    } catch (err) {
      opts.log.warn({ dir, reason: reasonOf(err) }, `cannot watch the ${opts.what} folder; polling only`);
    }
  }
  const poll = setInterval(() => {
    // A missing file (a rename in progress, or removed) keeps what is served; look again later.
    for (const f of files) stat(f.path).then((st) => statKey(st) !== f.statKey && schedule(), () => undefined);
  }, opts.pollMs ?? 1_000);
  poll.unref();
  return () => {
    for (const w of watchers) w.close();
    clearInterval(poll);
    clearTimeout(timer);
  };
}
