import { createThrottle } from '../../../subgraphs/teams/sandbox/throttle';

describe('per-app token bucket throttle', () => {
  it('allows one second of burst, then asks to wait, and refills at the configured rate', () => {
    let now = 1_000_000;
    const throttle = createThrottle(() => 5, () => now);
    for (let i = 0; i < 5; i++) expect(throttle.take('app')).toBe(0);
    expect(throttle.take('app')).toBe(1);
    now += 200;
    expect(throttle.take('app')).toBe(0);
    expect(throttle.take('app')).toBeGreaterThan(0);
  });

  it('keeps a separate bucket per app', () => {
    const throttle = createThrottle(() => 1, () => 0);
    expect(throttle.take('a')).toBe(0);
    expect(throttle.take('a')).toBe(1);
    expect(throttle.take('b')).toBe(0);
  });

  it('says how many whole seconds to wait at slow rates', () => {
    const throttle = createThrottle(() => 0.25, () => 0);
    expect(throttle.take('a')).toBe(0);
    expect(throttle.take('a')).toBe(4);
  });

  it('reads the rate on every call and starts full again after reset', () => {
    let rate = 1;
    const throttle = createThrottle(() => rate, () => 0);
    expect(throttle.take('a')).toBe(0);
    expect(throttle.take('a')).toBe(1);
    rate = 3;
    throttle.reset();
    expect([throttle.take('a'), throttle.take('a'), throttle.take('a'), throttle.take('a')]).toEqual([0, 0, 0, 1]);
  });
});
