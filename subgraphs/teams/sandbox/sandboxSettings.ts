/**
 * The Graph sandbox's runtime-tunable settings, read and patched at `/__admin/settings`:
 *
 * | key | meaning |
 * |---|---|
 * | `requestsPerSecond` | Graph requests per second allowed per app (> 0) |
 * | `tokenLifetimeSeconds` | lifetime of newly issued access tokens (1..86400) |
 * | `maxSubscriptionMinutes` | longest change-notification subscription lifetime (1..525600) |
 * | `notificationAttempts` | delivery attempts per notification POST, the first included (1..20) |
 * | `notificationRetryBaseMs` | delay before the first retry, doubled for each further one (0..3600000) |
 * | `notificationTimeoutMs` | how long a notification POST may take before it counts as failed (10..120000) |
 * | `validationTimeoutMs` | how long the validation handshake may take (10..120000) |
 */
export interface GraphSettings extends Record<string, unknown> {
  requestsPerSecond: number;
  tokenLifetimeSeconds: number;
  maxSubscriptionMinutes: number;
  notificationAttempts: number;
  notificationRetryBaseMs: number;
  notificationTimeoutMs: number;
  validationTimeoutMs: number;
}

export interface SandboxSettings {
  get(): GraphSettings;
  /** Apply changes; returns the problem (naming the key) and changes nothing when invalid. */
  patch(changes: Record<string, unknown>): string | null;
}

/** Integer settings and their inclusive ranges. */
const INTEGER_RANGES: Record<string, [number, number]> = {
  tokenLifetimeSeconds: [1, 86_400],
  maxSubscriptionMinutes: [1, 525_600],
  notificationAttempts: [1, 20],
  notificationRetryBaseMs: [0, 3_600_000],
  notificationTimeoutMs: [10, 120_000],
  validationTimeoutMs: [10, 120_000],
};

const KNOWN = ['requestsPerSecond', ...Object.keys(INTEGER_RANGES)];

function problem(key: string, value: unknown): string | null {
  if (key === 'requestsPerSecond') {
    return typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= 1_000_000
      ? null : 'requestsPerSecond must be a number above 0 and at most 1000000';
  }
  const range = INTEGER_RANGES[key];
  if (range) {
    return Number.isInteger(value) && (value as number) >= range[0] && (value as number) <= range[1]
      ? null : `${key} must be an integer from ${range[0]} to ${range[1]}`;
  }
  return `unknown setting '${key}' (known: ${KNOWN.join(', ')})`;
}

/** Settings with validated initial values; throws naming the key when an initial value is invalid. */
export function createSandboxSettings(initial: GraphSettings): SandboxSettings {
  for (const [k, v] of Object.entries(initial)) {
    const p = problem(k, v);
    if (p) throw new Error(p);
  }
  let current = { ...initial };
  return {
    get: () => ({ ...current }),
    patch(changes) {
      for (const [k, v] of Object.entries(changes)) {
        const p = problem(k, v);
        if (p) return p;
      }
      current = { ...current, ...(changes as Partial<GraphSettings>) };
      return null;
    },
  };
}
