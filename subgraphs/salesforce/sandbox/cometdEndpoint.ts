/**
 * The Streaming API endpoint, `/cometd/NN.0`, as unmodified jsforce (`conn.streaming`) drives it: a
 * faye `NodeAdapter` in front of the sandbox's HTTP server (requests for other paths go on to the
 * sandbox's router), long-polling only, with Salesforce's rules as a server extension:
 *
 * - `/meta/handshake` needs `Authorization: OAuth <token>` (or `Bearer`) of a live session; otherwise
 *   `403::Handshake denied` with `ext.sfdc.failureReason: "401::Authentication invalid"` and
 *   `advice.reconnect: "none"` (what jsforce's AuthFailure extension looks for).
 * - Every later message must come with the token its client id was handshaken with, while that
 *   session lives; otherwise `403::Unknown client` (`advice.reconnect: "handshake"` on connect),
 *   so an unknown or foreign client id never gets a subscription or an event.
 * - Subscriptions: only the CDC channels (`400::The channel you requested to subscribe to does not
 *   exist {...}`); `ext.replay: {"<channel>": -1 | -2 | N}` (default -1) replays retained events to
 *   that client before live ones; an unusable N is refused with `400::The replayId {N} you provided
 *   was invalid...`. Clients cannot publish (`403::Publish denied`).
 * - Only POST, at most `maxBodyBytes` per request; the request counter is `POST /cometd/XX.X`; fault
 *   knobs apply only when their `pathPrefix` starts with `/cometd` (so REST fault scripts are never
 *   consumed by a streaming client's long polls).
 */
import type http from 'node:http';
import { NodeAdapter, type Message, type ServerExtension } from 'faye';
import type { Logger } from 'pino';
import type { FaultKnobs } from '../../kit/faultKnobs';
import { send, type RequestCounters } from '../../kit/sandboxServer';
import type { ChangeEventStream } from './changeEventStream';
import { cometdEngineType, type CometdEngine } from './cometdEngine';
import type { SessionStore } from './sessions';

export const COMETD_PATH = /^\/cometd\/\d{2,3}\.0\/?$/;
export const COMETD_COUNTER = 'POST /cometd/XX.X';

export interface CometdEndpointOptions {
  server: http.Server;
  sessions: SessionStore;
  stream: ChangeEventStream;
  logger: Logger;
  counters: RequestCounters;
  faults: FaultKnobs;
  /** Seconds a `/meta/connect` is held open (Salesforce: 110). @default 110 */
  timeoutSeconds?: number;
  /** @default 1_048_576 */
  maxBodyBytes?: number;
}

export interface CometdEndpoint {
  /** Live CometD clients. */
  clients(): number;
  /** Ends every client (their next request gets `403::Unknown client`), e.g. when all sessions end. */
  dropClients(): void;
  close(): void;
}

const HANDSHAKE_DENIED = '403::Handshake denied';
const UNKNOWN_CLIENT = '403::Unknown client';
const AUTH_INVALID = '401::Authentication invalid';

function bearerToken(authorization: string | undefined): string | null {
  const m = /^(?:OAuth|Bearer)\s+(\S+)\s*$/i.exec(authorization ?? '');
  return m?.[1] ?? null;
}

const invalidReplay = (v: unknown): string =>
  `400::The replayId {${String(JSON.stringify(v) ?? v).slice(0, 40)}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`;

interface Shared {
  sessions: SessionStore;
  stream: ChangeEventStream;
  engine: () => CometdEngine | undefined;
  /** Client id → the access token it was handshaken with. */
  owners: Map<string, string>;
  /** `<clientId>\0<message id>` → replay position per channel, from a subscribe to its reply. */
  replays: Map<string, Map<string, number>>;
}

/** Validates a subscribe's channels and replay positions; returns the error or the positions. */
function subscribeCheck(message: Message, shared: Shared): string | Map<string, number> {
  const channels = ([] as unknown[]).concat(message.subscription ?? []);
  const replay = message.ext?.replay;
  const wanted = replay && typeof replay === 'object' ? (replay as Record<string, unknown>) : {};
  const positions = new Map<string, number>();
  for (const ch of channels) {
    if (typeof ch !== 'string' || !shared.stream.isChannel(ch)) return `400::The channel you requested to subscribe to does not exist {${String(ch).slice(0, 200)}}`;
    const from = Object.prototype.hasOwnProperty.call(wanted, ch) ? wanted[ch] : -1;
    if (shared.stream.replay(ch, from) === null) return invalidReplay(from);
    positions.set(ch, from as number);
  }
  return positions;
}

function incoming(message: Message, request: http.IncomingMessage | null, shared: Shared): void {
  if (request === null || typeof message !== 'object' || message === null) return;
  const channel = typeof message.channel === 'string' ? message.channel : '';
  const token = bearerToken(request.headers.authorization);
  const session = token ? shared.sessions.lookup(`OAuth ${token}`) : null;
  if (channel === '/meta/handshake') {
    if (!session) message.error = HANDSHAKE_DENIED;
    return;
  }
  if (!channel.startsWith('/meta/')) {
    message.error = '403::Publish denied';
    return;
  }
  const clientId = typeof message.clientId === 'string' ? message.clientId : '';
  const owner = shared.owners.get(clientId);
  if (owner === undefined || owner !== token || !session) {
    if (owner !== undefined && owner === token) shared.engine()?.destroyClient(clientId);
    message.error = UNKNOWN_CLIENT;
    return;
  }
  if (channel === '/meta/subscribe') {
    const checked = subscribeCheck(message, shared);
    if (typeof checked === 'string') message.error = checked;
    else shared.replays.set(`${clientId}\u0000${String(message.id ?? '')}`, checked);
  }
}

function outgoing(reply: Message, request: http.IncomingMessage | null, shared: Shared): void {
  if (request === null) return;
  // faye words it `401:<id>:Unknown client`; Salesforce answers `403::Unknown client`.
  if (typeof reply.error === 'string' && reply.error.endsWith(':Unknown client')) reply.error = UNKNOWN_CLIENT;
  const clientId = typeof reply.clientId === 'string' ? reply.clientId : '';
  if (reply.channel === '/meta/handshake') {
    if (reply.successful && clientId) {
      shared.owners.set(clientId, bearerToken(request.headers.authorization) ?? '');
      reply.supportedConnectionTypes = ['long-polling'];
      reply.ext = { replay: true, 'payload.format': true };
    } else if (reply.error === HANDSHAKE_DENIED) {
      reply.advice = { reconnect: 'none', interval: 0 };
      reply.ext = { sfdc: { failureReason: AUTH_INVALID }, replay: true, 'payload.format': true };
    }
  } else if (reply.channel === '/meta/subscribe') {
    const key = `${clientId}\u0000${String(reply.id ?? '')}`;
    const positions = shared.replays.get(key);
    shared.replays.delete(key);
    if (!reply.successful || !positions) return;
    for (const [channel, from] of positions) {
      const backlog = shared.stream.replay(channel, from) ?? [];
      shared.engine()?.queue(clientId, backlog.map((data) => ({ channel, data })));
    }
  } else if (reply.channel === '/meta/disconnect' && reply.successful) {
    shared.owners.delete(clientId);
  }
}

/** Salesforce's rules as a faye server extension (`fn.length >= 3` makes faye pass the request). */
function salesforceRules(shared: Shared): ServerExtension {
  return {
    incoming(message, request, callback) {
      incoming(message, request, shared);
      callback(message);
    },
    outgoing(reply, request, callback) {
      outgoing(reply, request, shared);
      callback(reply);
    },
  };
}

/** Counts a CometD request, applies /cometd faults, the method and the declared size; false when answered here. */
async function admit(req: http.IncomingMessage, res: http.ServerResponse, opts: CometdEndpointOptions, maxBody: number): Promise<boolean> {
  opts.counters.record(COMETD_COUNTER);
  if (opts.faults.get().pathPrefix?.startsWith('/cometd')) {
    const fault = await opts.faults.apply(req.url ?? '');
    if (fault) {
      send(res, { status: fault.status, body: [{ errorCode: fault.code, message: fault.message }] });
      return false;
    }
  }
  if (req.method !== 'POST') {
    send(res, { status: 405, body: [{ errorCode: 'METHOD_NOT_ALLOWED', message: `HTTP method '${req.method ?? ''}' not allowed; use long-polling POST.` }] });
    return false;
  }
  if (Number(req.headers['content-length'] ?? 0) > maxBody) {
    send(res, { status: 413, body: [{ errorCode: 'REQUEST_TOO_LARGE', message: `The request body exceeds ${maxBody} bytes.` }] });
    req.resume();
    return false;
  }
  return true;
}

/** Destroys the request once its body passes `maxBody` (faye reads bodies without a limit). */
function capBody(req: http.IncomingMessage, maxBody: number): void {
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBody) req.destroy();
  });
}

/** Mounts `/cometd/NN.0` on `server` in front of its existing request listeners. */
export function mountCometd(opts: CometdEndpointOptions): CometdEndpoint {
  const maxBody = opts.maxBodyBytes ?? 1_048_576;
  let engine: CometdEngine | undefined;
  const shared: Shared = { sessions: opts.sessions, stream: opts.stream, engine: () => engine, owners: new Map(), replays: new Map() };
  const adapter = new NodeAdapter({ mount: '/cometd', timeout: opts.timeoutSeconds ?? 110, engine: { type: cometdEngineType((e) => { engine = e; }) } });
  adapter.addExtension(salesforceRules(shared));
  adapter.bind('disconnect', (clientId) => { shared.owners.delete(String(clientId)); });
  const stopDelivery = opts.stream.onPublish((channel, data) => engine?.publish({ channel, data }, [channel]));

  const others = opts.server.listeners('request') as Array<(req: http.IncomingMessage, res: http.ServerResponse) => void>;
  opts.server.removeAllListeners('request');
  opts.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (!COMETD_PATH.test(path)) {
      for (const l of others) l.call(opts.server, req, res);
      return;
    }
    admit(req, res, opts, maxBody).then((ok) => {
      if (!ok) return;
      capBody(req, maxBody);
      adapter.handle(req, res);
    }, (err: unknown) => {
      opts.logger.error({ err }, 'cometd request failed');
      if (!res.headersSent) send(res, { status: 500, body: [{ errorCode: 'UNKNOWN_EXCEPTION', message: 'An unexpected error occurred.' }] });
    });
  });
  return {
    clients: () => engine?.clients() ?? 0,
    dropClients() {
      for (const clientId of [...shared.owners.keys()]) engine?.destroyClient(clientId);
      shared.owners.clear();
    },
    close() {
      stopDelivery();
      adapter.close();
    },
  };
}
