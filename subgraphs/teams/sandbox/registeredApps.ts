/**
 * The client applications registered in the sandbox tenant: who may ask the token endpoint for a
 * Graph token, with which credentials, and which application roles the token then carries.
 */
import { X509Certificate } from 'node:crypto';
import { certificateThumbprint } from './accessTokens';

/** The sandbox tenant's directory (tenant) id unless configured otherwise. */
export const DEFAULT_TENANT_ID = '8d2f7c1e-4b6a-4e9d-a3c5-1f0b9e7d2a64';
/** The tenant's initial domain, accepted in place of the id in Entra URLs. */
export const DEFAULT_TENANT_DOMAIN = 'luminasandbox.onmicrosoft.com';
/** The default app's client id. */
export const DEFAULT_CLIENT_ID = '3f9a6c2d-7b1e-4d8f-9e2a-6c5b4d3e2f10';
/** The default app's client secret (sandbox only, never a real credential). */
export const DEFAULT_CLIENT_SECRET = 'Lgs8Q~sandbox.secret-not-for-production_0001';

/** Application permissions the default app is granted. */
export const DEFAULT_ROLES = [
  'Team.ReadBasic.All', 'Channel.ReadBasic.All', 'ChannelMessage.Read.All', 'ChannelMessage.Send',
  'Teamwork.Migrate.All', 'User.Read.All', 'TeamMember.Read.All',
];

export interface GraphSandboxApp {
  /** The application (client) id, a GUID. */
  clientId: string;
  /** @default 'Lumina Gateway (sandbox)' */
  displayName?: string;
  /** Client secrets the app may authenticate with. */
  secrets?: string[];
  /** PEM certificates whose private keys may sign client assertions. */
  certificates?: string[];
  /** Application roles put in the token's `roles` claim. @default DEFAULT_ROLES */
  roles?: string[];
}

export interface RegisteredApp {
  clientId: string;
  displayName: string;
  secrets: string[];
  certificates: Array<{ cert: X509Certificate; x5t: string; x5tS256: string }>;
  roles: string[];
}

export const DEFAULT_APPS: GraphSandboxApp[] = [
  { clientId: DEFAULT_CLIENT_ID, displayName: 'Lumina Gateway (sandbox)', secrets: [DEFAULT_CLIENT_SECRET], roles: DEFAULT_ROLES },
];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Validate and index the app registrations; throws naming the bad entry (fail fast at start). */
export function registerApps(apps: GraphSandboxApp[]): Map<string, RegisteredApp> {
  const out = new Map<string, RegisteredApp>();
  apps.forEach((app, i) => {
    if (!GUID.test(app.clientId)) throw new Error(`apps[${i}].clientId must be a GUID (got '${app.clientId}')`);
    if (out.has(app.clientId.toLowerCase())) throw new Error(`apps[${i}].clientId '${app.clientId}' is registered twice`);
    if (!app.secrets?.length && !app.certificates?.length) {
      throw new Error(`apps[${i}] needs at least one entry in secrets or certificates`);
    }
    const certificates = (app.certificates ?? []).map((pem, j) => {
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(pem);
      } catch {
        throw new Error(`apps[${i}].certificates[${j}] is not a PEM X.509 certificate`);
      }
      return { cert, x5t: certificateThumbprint(cert, 'sha1'), x5tS256: certificateThumbprint(cert, 'sha256') };
    });
    out.set(app.clientId.toLowerCase(), {
      clientId: app.clientId.toLowerCase(),
      displayName: app.displayName ?? 'Lumina Gateway (sandbox)',
      secrets: [...(app.secrets ?? [])],
      certificates,
      roles: [...(app.roles ?? DEFAULT_ROLES)],
    });
  });
  return out;
}
