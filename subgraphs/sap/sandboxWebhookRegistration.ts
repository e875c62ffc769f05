/**
 * Registers the subgraph's event webhook with the SAP sandbox's Event Mesh stand-in
 * (`POST <SAP_BASE_URL>/__admin/webhooks`, see `sandbox/eventMesh.ts`), which runs the OPTIONS
 * handshake against us before it accepts. Sandbox only: against a real system the subscription is
 * configured in SAP Event Mesh (README "Events"), and this is not called.
 */
import type { Logger } from 'pino';
import type { SapEventsAuth } from './eventsConfig';

export interface SandboxWebhookRegistration {
  /** The sandbox origin (SAP_BASE_URL). */
  baseUrl: string;
  /** Our webhook URL as the sandbox reaches it. */
  webhookUrl: string;
  /** The credentials the sandbox must send (static: Basic or Bearer). */
  auth: Extract<SapEventsAuth, { type: 'basic' } | { type: 'bearer' }>;
  logger: Logger;
  /** @default 10_000 */
  timeoutMs?: number;
}

/** Resolves once the sandbox registered the webhook; rejects naming SAP_EVENTS_REGISTER_URL otherwise. */
export async function registerSandboxWebhook(opts: SandboxWebhookRegistration): Promise<{ id: string }> {
  const auth = opts.auth.type === 'basic'
    ? { type: 'basic', username: opts.auth.username, password: opts.auth.password }
    : { type: 'bearer', token: opts.auth.token };
  let res: Response;
  try {
    res = await fetch(`${opts.baseUrl}/__admin/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: opts.webhookUrl, auth }),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
  } catch (err) {
    throw new Error(`SAP_EVENTS_REGISTER_URL: the SAP sandbox at ${opts.baseUrl} is unreachable for the webhook registration`, { cause: err });
  }
  const body = (await res.json().catch(() => ({}))) as { id?: unknown; error?: unknown };
  if (res.status !== 200 && res.status !== 201) {
    const why = typeof body.error === 'string' ? `: ${body.error.slice(0, 300)}` : '';
    throw new Error(`SAP_EVENTS_REGISTER_URL: the SAP sandbox refused to register ${opts.webhookUrl} (${res.status})${why}`);
  }
  opts.logger.info({ webhook: opts.webhookUrl, id: body.id }, 'sap events webhook registered with the sandbox');
  return { id: typeof body.id === 'string' ? body.id : '' };
}
