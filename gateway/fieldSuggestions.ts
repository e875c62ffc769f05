/**
 * Field suggestions off: graphql-js ends many validation and coercion messages with a suggestion
 * built from the schema ("Did you mean "email"?", "Did you mean to use an inline fragment on
 * "Contact"?", "Did you mean the enum value "OPEN"?"), which lets a client map a schema whose
 * introspection is disabled. In production the gateway strips them (as Apollo Server does).
 *
 * | key | default |
 * |---|---|
 * | GATEWAY_FIELD_SUGGESTIONS | `true` unless `NODE_ENV=production` |
 */
import { envBool, type Env } from '../subgraphs/kit/envConfig';

/** graphql-js's `didYouMean` always starts the message's last sentence with this. */
const SUGGESTION = ' Did you mean ';

/**
 * `message` without graphql-js's trailing " Did you mean ...?" (fields, types, arguments, enum
 * values, inline fragments). The suggestion is the last sentence and, GraphQL names having no `?`,
 * holds exactly one `?`, at the end: a client value quoted earlier in the message is never cut.
 * Linear in the message's length (no regular expression to backtrack on client text).
 */
export function hideFieldSuggestions(message: string): string {
  const at = message.lastIndexOf(SUGGESTION);
  if (at < 0 || message.indexOf('?', at) !== message.length - 1) return message;
  return message.slice(0, at);
}

/** Whether to keep suggestions: GATEWAY_FIELD_SUGGESTIONS, else off when NODE_ENV=production. */
export function loadFieldSuggestions(env: Env = process.env): boolean {
  return envBool(env, 'GATEWAY_FIELD_SUGGESTIONS', env.NODE_ENV !== 'production');
}
