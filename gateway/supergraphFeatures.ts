/**
 * The linked specs a supergraph may use with our executor: Apollo's default set plus the two
 * security specs the gateway enforces itself (`@authenticated`, `@requiresScopes`, see
 * `fieldAuthorization.ts`). Anything else marked `for: SECURITY` or `for: EXECUTION` (e.g.
 * `@fromContext`'s context spec, `@policy`) is still refused at load: serving it without enforcing
 * it would be silently wrong.
 */
import { DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES } from '@apollo/federation-internals';

export const AUTHENTICATED_SPEC = 'https://specs.apollo.dev/authenticated/v0.1';
export const REQUIRES_SCOPES_SPEC = 'https://specs.apollo.dev/requiresScopes/v0.1';

export const SUPPORTED_SUPERGRAPH_FEATURES: ReadonlySet<string> = new Set([...DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES, AUTHENTICATED_SPEC, REQUIRES_SCOPES_SPEC]);
