/**
 * Serves the supergraph from a file (written by `npm run compose`) and hot-reloads it.
 *
 * `createSupergraphFile(opts).hook` is the `supergraphSdl` option of `ApolloGateway`. At start the
 * file must exist and be a valid supergraph, else start fails with a message saying to run
 * `npm run compose`. Then the folder is watched (`fs.watch`, plus a stat poll as a fallback for
 * file systems where watching is unreliable); changes are debounced, the new text is validated
 * (`Supergraph.build` with validation) and handed to the gateway's `update`. A file that cannot be
 * read, parsed or validated is refused with the reason logged: the current graph keeps serving,
 * and a later good file is picked up as usual.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SupergraphSdlHook } from '@apollo/gateway';
import { Supergraph } from '@apollo/federation-internals';
import type { Logger } from 'pino';
import { SUPPORTED_SUPERGRAPH_FEATURES } from './supergraphFeatures';
import { reasonOf, statKey, watchFiles } from './watchFiles';

export interface SupergraphFileOptions {
  /** The supergraph SDL file. */
  path: string;
  logger: Logger;
  /** How often the file's stat is polled, as a fallback for `fs.watch`. @default 1_000 */
  pollIntervalMs?: number;
  /** Quiet time after a change before the file is read. @default 100 */
  debounceMs?: number;
  /** Told of every changed file after start: served (`success`) or refused (`failure`), for the audit log. @default none */
  onChange?: (change: { from: string | null; to: string; outcome: 'success' | 'failure'; reason?: string }) => void;
}

export interface SupergraphState {
  /** sha256 (hex) of the served SDL; the same id `ApolloGateway` uses for a composition. */
  hash: string;
  /** When this SDL started being served. */
  loadedAt: Date;
}

export interface SupergraphFile {
  hook: SupergraphSdlHook;
  /** The supergraph being served, or null before the first load. */
  current(): SupergraphState | null;
  /** Reads and applies the file now (what a watch event does after the debounce). */
  reload(): Promise<void>;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Throws with the reason when `sdl` is not a supergraph the gateway can serve. */
export function validateSupergraph(sdl: string): void {
  if (!sdl.trim()) throw new Error('the file is empty');
  Supergraph.build(sdl, { validateSupergraph: true, supportedFeatures: SUPPORTED_SUPERGRAPH_FEATURES as Set<string> });
}

async function readInitial(path: string): Promise<string> {
  let sdl: string;
  try {
    sdl = await readFile(path, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(`${missing ? 'no supergraph file at' : 'cannot read the supergraph file'} ${path} (SUPERGRAPH_PATH): run \`npm run compose\` first`, { cause: err });
  }
  try {
    validateSupergraph(sdl);
  } catch (err) {
    throw new Error(`the supergraph file ${path} (SUPERGRAPH_PATH) is not a valid supergraph: ${reasonOf(err)}; run \`npm run compose\``, { cause: err });
  }
  return sdl;
}

/** The mutable part of one supergraph file: what is served, what was refused, what was seen. */
interface Loader {
  path: string;
  log: Logger;
  state: SupergraphState | null;
  update: ((sdl: string) => void) | null;
  refusedHash: string | null;
  onChange: SupergraphFileOptions['onChange'];
  /** `ino:size:mtime` of the file when last read, so the poll notices changes. */
  statKey: string;
}


/** Reads the file and hands it to the gateway when it is new and valid; refuses it otherwise. */
async function applyFile(l: Loader): Promise<void> {
  let sdl: string;
  try {
    const [text, st] = await Promise.all([readFile(l.path, 'utf8'), stat(l.path)]);
    sdl = text;
    l.statKey = statKey(st);
  } catch (err) {
    l.log.warn({ reason: reasonOf(err) }, 'supergraph file unreadable; keeping the current graph');
    return;
  }
  const hash = sha256(sdl);
  if (hash === l.state?.hash || hash === l.refusedHash || !l.update) return;
  try {
    validateSupergraph(sdl);
    l.update(sdl);
  } catch (err) {
    l.refusedHash = hash;
    l.log.error({ reason: reasonOf(err), hash }, 'supergraph file refused; keeping the current graph');
    l.onChange?.({ from: l.state?.hash ?? null, to: hash, outcome: 'failure', reason: reasonOf(err) });
    return;
  }
  l.refusedHash = null;
  l.log.info({ from: l.state?.hash, to: hash }, 'supergraph reloaded');
  l.onChange?.({ from: l.state?.hash ?? null, to: hash, outcome: 'success' });
  l.state = { hash, loadedAt: new Date() };
}


export function createSupergraphFile(opts: SupergraphFileOptions): SupergraphFile {
  const path = resolve(opts.path);
  const l: Loader = { path, log: opts.logger.child({ supergraphPath: path }), state: null, update: null, refusedHash: null, onChange: opts.onChange, statKey: '' };
  let reloading: Promise<void> = Promise.resolve();
  const reload = (): Promise<void> => {
    reloading = reloading.then(() => applyFile(l)).catch((err: unknown) => l.log.error({ err }, 'supergraph reload failed'));
    return reloading;
  };

  const hook: SupergraphSdlHook = async ({ update }) => {
    const sdl = await readInitial(path);
    l.statKey = statKey(await stat(path));
    l.state = { hash: sha256(sdl), loadedAt: new Date() };
    l.update = update;
    const stop = watchFiles([l], { log: l.log, what: 'supergraph', pollMs: opts.pollIntervalMs, debounceMs: opts.debounceMs }, () => void reload());
    l.log.info({ hash: l.state.hash }, 'supergraph loaded');
    return {
      supergraphSdl: sdl,
      cleanup: async () => {
        l.update = null;
        stop();
        await reloading;
      },
    };
  };

  return { hook, current: () => l.state, reload };
}
