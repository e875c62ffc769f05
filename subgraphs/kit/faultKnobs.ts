/**
 * Fault knobs shared by every sandbox, set through `PUT /__admin/faults` with a JSON object:
 *
 * | knob          | meaning                                                                    |
 * |---------------|----------------------------------------------------------------------------|
 * | `latencyMs`   | added delay before every request is answered                               |
 * | `errorRate`   | probability (0..1) that a request fails with `errorStatus`                 |
 * | `errorStatus` | status for `errorRate` failures (default 500)                              |
 * | `forceStatus` | answer every request with this status (429, 503, ...) ...                  |
 * | `forceCount`  | ... for this many requests only (default: until cleared)                   |
 * | `retryAfter`  | seconds sent in `Retry-After` with 429 and 503 answers (default 1)         |
 * | `script`      | a list consumed one entry per request: `{status?, delayMs?, retryAfter?}`; |
 * |               | an entry without `status` only delays, then the request is served          |
 * | `pathPrefix`  | apply the knobs only to paths starting with this prefix                    |
 *
 * A `PUT` replaces all knobs; `DELETE /__admin/faults` clears them.
 */

export interface ScriptStep {
  status?: number;
  delayMs?: number;
  retryAfter?: number;
}

export interface FaultSettings {
  latencyMs?: number;
  errorRate?: number;
  errorStatus?: number;
  forceStatus?: number;
  forceCount?: number;
  retryAfter?: number;
  script?: ScriptStep[];
  pathPrefix?: string;
}

export interface Fault {
  status: number;
  code: string;
  message: string;
  retryAfter?: number;
}

export interface FaultKnobs {
  get(): FaultSettings;
  /** Replace the knobs; returns a reason when the settings are invalid (nothing changes then). */
  set(raw: Record<string, unknown>): string | null;
  clear(): void;
  /** Wait out any configured latency, then say whether this request must fail and how. */
  apply(path: string): Promise<Fault | null>;
}

const KNOWN = new Set(['latencyMs', 'errorRate', 'errorStatus', 'forceStatus', 'forceCount', 'retryAfter', 'script', 'pathPrefix']);
const MAX_DELAY_MS = 120_000;

function isStatus(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) >= 400 && (v as number) <= 599;
}

function isDelay(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_DELAY_MS;
}

function validateStep(step: unknown, i: number): string | null {
  if (!step || typeof step !== 'object') return `script[${i}] must be an object`;
  const s = step as Record<string, unknown>;
  if (s.status !== undefined && !isStatus(s.status)) return `script[${i}].status must be an HTTP error status (400-599)`;
  if (s.delayMs !== undefined && !isDelay(s.delayMs)) return `script[${i}].delayMs must be 0..${MAX_DELAY_MS}`;
  if (s.retryAfter !== undefined && !isDelay(s.retryAfter)) return `script[${i}].retryAfter must be a number of seconds`;
  return null;
}

/** Check raw knob settings; returns the first problem found, naming the knob. */
export function validateFaultSettings(raw: Record<string, unknown>): string | null {
  for (const key of Object.keys(raw)) if (!KNOWN.has(key)) return `unknown fault knob '${key}'`;
  if (raw.latencyMs !== undefined && !isDelay(raw.latencyMs)) return `latencyMs must be 0..${MAX_DELAY_MS}`;
  if (raw.errorRate !== undefined && !(typeof raw.errorRate === 'number' && raw.errorRate >= 0 && raw.errorRate <= 1)) {
    return 'errorRate must be a number from 0 to 1';
  }
  for (const k of ['errorStatus', 'forceStatus'] as const) {
    if (raw[k] !== undefined && !isStatus(raw[k])) return `${k} must be an HTTP error status (400-599)`;
  }
  if (raw.forceCount !== undefined && !(Number.isInteger(raw.forceCount) && (raw.forceCount as number) >= 0)) {
    return 'forceCount must be a non-negative integer';
  }
  if (raw.retryAfter !== undefined && !isDelay(raw.retryAfter)) return 'retryAfter must be a number of seconds';
  if (raw.pathPrefix !== undefined && typeof raw.pathPrefix !== 'string') return 'pathPrefix must be a string';
  if (raw.script !== undefined) {
    if (!Array.isArray(raw.script) || raw.script.length > 10_000) return 'script must be an array of at most 10000 steps';
    for (let i = 0; i < raw.script.length; i++) {
      const problem = validateStep(raw.script[i], i);
      if (problem) return problem;
    }
  }
  return null;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function faultFor(status: number, retryAfter: number | undefined): Fault {
  const throttled = status === 429 || status === 503;
  const code = status === 429 ? 'TOO_MANY_REQUESTS' : status === 503 ? 'SERVICE_UNAVAILABLE' : status === 504 ? 'GATEWAY_TIMEOUT' : 'INJECTED_FAULT';
  const message = status === 429 ? 'Too many requests; retry later.' : status === 503 ? 'The service is temporarily unavailable.' : 'Injected fault.';
  return { status, code, message, ...(throttled || retryAfter !== undefined ? { retryAfter: retryAfter ?? 1 } : {}) };
}

export function createFaultKnobs(): FaultKnobs {
  let settings: FaultSettings = {};
  let script: ScriptStep[] = [];
  let forcedLeft: number | undefined;
  return {
    get: () => ({ ...settings, ...(settings.script ? { script: script.slice() } : {}), ...(forcedLeft !== undefined ? { forceCount: forcedLeft } : {}) }),
    set(raw) {
      const problem = validateFaultSettings(raw);
      if (problem) return problem;
      settings = { ...(raw as FaultSettings) };
      script = settings.script ? settings.script.map((s) => ({ ...s })) : [];
      forcedLeft = settings.forceCount;
      return null;
    },
    clear() {
      settings = {};
      script = [];
      forcedLeft = undefined;
    },
    async apply(path) {
      if (settings.pathPrefix && !path.startsWith(settings.pathPrefix)) return null;
      if (settings.latencyMs) await sleep(settings.latencyMs);
      const step = script.shift();
      if (step) {
        if (step.delayMs) await sleep(step.delayMs);
        if (step.status) return faultFor(step.status, step.retryAfter ?? settings.retryAfter);
        return null;
      }
      if (settings.forceStatus && (forcedLeft === undefined || forcedLeft > 0)) {
        if (forcedLeft !== undefined) forcedLeft--;
        return faultFor(settings.forceStatus, settings.retryAfter);
      }
      if (settings.errorRate && Math.random() < settings.errorRate) {
        return faultFor(settings.errorStatus ?? 500, settings.retryAfter);
      }
      return null;
    },
  };
}
