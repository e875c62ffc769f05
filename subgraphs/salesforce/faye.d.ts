/**
 * The part of faye 1.4 (Bayeux/CometD) that the Salesforce sandbox (server side) and the CDC consumer
 * (through jsforce's streaming client) use. faye ships no type declarations; jsforce ships an
 * ambient `declare module 'faye'` with `Client` and `Subscription` only, which this one extends.
 */
declare module 'faye' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** A Bayeux message (https://docs.cometd.org/current/reference/#_bayeux). */
  export interface Message {
    channel: string;
    id?: string;
    clientId?: string;
    data?: unknown;
    ext?: Record<string, unknown>;
    error?: string;
    successful?: boolean;
    advice?: Record<string, unknown>;
    subscription?: string | string[];
    supportedConnectionTypes?: string[];
    connectionType?: string;
    version?: string;
    [key: string]: unknown;
  }

  /** A server extension: `request` is null for messages of the in-process client. */
  export interface ServerExtension {
    incoming?(message: Message, request: IncomingMessage | null, callback: (message: Message) => void): void;
    outgoing?(message: Message, request: IncomingMessage | null, callback: (message: Message) => void): void;
  }

  export interface ClientExtension {
    incoming?(message: Message, callback: (message: Message) => void): void;
    outgoing?(message: Message, callback: (message: Message) => void): void;
  }

  /** What faye's engine proxy offers the engine it wraps (see `engines/proxy.js`). */
  export interface EngineHost {
    /** Seconds a `/meta/connect` is held open. */
    readonly timeout: number;
    hasConnection(clientId: string): boolean;
    deliver(clientId: string, messages: Message[]): boolean;
    trigger(event: string, ...args: unknown[]): void;
    debug(...args: unknown[]): void;
  }

  /** A pluggable engine (what `faye-redis` implements): client registry, subscriptions, queues. */
  export interface Engine {
    createClient(callback: (clientId: string) => void, context?: unknown): void;
    clientExists(clientId: string, callback: (exists: boolean) => void, context?: unknown): void;
    destroyClient(clientId: string, callback?: () => void, context?: unknown): void;
    ping(clientId: string): void;
    subscribe(clientId: string, channel: string, callback?: (ok: boolean) => void, context?: unknown): void;
    unsubscribe(clientId: string, channel: string, callback?: (ok: boolean) => void, context?: unknown): void;
    publish(message: Message, channels: string[]): void;
    emptyQueue(clientId: string): void;
    disconnect(): void;
  }

  export interface EngineType {
    create(host: EngineHost, options: Record<string, unknown>): Engine;
  }

  export interface NodeAdapterOptions {
    /** Path the adapter answers under. @default '/bayeux' */
    mount?: string;
    /** Seconds a `/meta/connect` is held. @default 60 */
    timeout?: number;
    ping?: number;
    engine?: { type?: EngineType; [key: string]: unknown };
    extensions?: ServerExtension[];
  }

  export class NodeAdapter {
    constructor(options?: NodeAdapterOptions);
    addExtension(extension: ServerExtension): void;
    removeExtension(extension: ServerExtension): void;
    handle(request: IncomingMessage, response: ServerResponse): void;
    getClient(): Client;
    close(): void;
    bind(event: string, listener: (...args: unknown[]) => void): void;
  }

  /**
   * jsforce declares `Client` and `Subscription` (node_modules/jsforce/typings/faye); this adds the
   * members it leaves out. (Class and interface declarations merge.)
   */
  export interface Client {
    disconnect(): PromiseLike<void> | undefined;
  }
}
