/**
 * The Graph sandbox's runtime-tunable settings, read and patched at `/__admin/settings`:
 *
 * | key | meaning |
 * |---|---|
 * | `requestsPerSecond` | Graph requests per second allowed per app (> 0) |
 * | `tokenLifetimeSeconds` | lifetime of newly issued access tokens (1..86400) |
 */
export interface GraphSettings extends Record<string, unknown> {
  requestsPerSecond: number;
  tokenLifetimeSeconds: number;
}

export interface SandboxSettings {
  get(): GraphSettings;
  /** Apply changes; returns the problem (naming the key) and changes nothing when invalid. */
  patch(changes: Record<string, unknown>): string | null;
}

function problem(key: string, value: unknown): string | null {
  if (key === 'requestsPerSecond') {
    return typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= 1_000_000
      ? null : 'requestsPerSecond must be a number above 0 and at most 1000000';
  }
  if (key === 'tokenLifetimeSeconds') {
    return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 86_400
      ? null : 'tokenLifetimeSeconds must be an integer from 1 to 86400';
  }
  return `unknown setting '${key}' (known: requestsPerSecond, tokenLifetimeSeconds)`;
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
