import { createFaultKnobs, validateFaultSettings } from '../../subgraphs/kit/faultKnobs';

describe('fault knobs', () => {
  it('rejects unknown knobs and out-of-range values, naming the knob', () => {
    expect(validateFaultSettings({ latency: 5 })).toMatch(/unknown fault knob 'latency'/);
    expect(validateFaultSettings({ errorRate: 2 })).toMatch(/errorRate/);
    expect(validateFaultSettings({ forceStatus: 200 })).toMatch(/forceStatus/);
    expect(validateFaultSettings({ script: [{ status: 'x' }] })).toMatch(/script\[0\]\.status/);
    expect(validateFaultSettings({ latencyMs: -1 })).toMatch(/latencyMs/);
    expect(validateFaultSettings({ forceStatus: 503, forceCount: 2, retryAfter: 1 })).toBeNull();
  });

  it('keeps the old knobs when a new setting is invalid', () => {
    const knobs = createFaultKnobs();
    expect(knobs.set({ forceStatus: 503 })).toBeNull();
    expect(knobs.set({ forceStatus: 42 })).not.toBeNull();
    expect(knobs.get().forceStatus).toBe(503);
  });

  it('forces a status for exactly forceCount requests, with Retry-After for 429', async () => {
    const knobs = createFaultKnobs();
    knobs.set({ forceStatus: 429, forceCount: 2, retryAfter: 3 });
    const a = await knobs.apply('/x');
    const b = await knobs.apply('/x');
    const c = await knobs.apply('/x');
    expect(a).toMatchObject({ status: 429, code: 'TOO_MANY_REQUESTS', retryAfter: 3 });
    expect(b?.status).toBe(429);
    expect(c).toBeNull();
  });

  it('plays a script one step per request, then serves normally', async () => {
    const knobs = createFaultKnobs();
    knobs.set({ script: [{ status: 429 }, { delayMs: 1 }, { status: 504 }] });
    expect((await knobs.apply('/a'))?.status).toBe(429);
    expect(await knobs.apply('/a')).toBeNull();
    expect((await knobs.apply('/a'))?.status).toBe(504);
    expect(await knobs.apply('/a')).toBeNull();
  });

  it('applies only under pathPrefix when one is set', async () => {
    const knobs = createFaultKnobs();
    knobs.set({ forceStatus: 503, pathPrefix: '/v1.0/' });
    expect(await knobs.apply('/oauth2/token')).toBeNull();
    expect((await knobs.apply('/v1.0/teams'))?.status).toBe(503);
  });

  it('fails every request at errorRate 1 and none after clear', async () => {
    const knobs = createFaultKnobs();
    knobs.set({ errorRate: 1, errorStatus: 502 });
    expect((await knobs.apply('/a'))?.status).toBe(502);
    knobs.clear();
    expect(await knobs.apply('/a')).toBeNull();
  });
});
