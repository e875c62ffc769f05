import { bearerToken, parseInvalidationBody, parseInvalidationRequest } from '../../subgraphs/kit/invalidationRequest';

describe('bearerToken', () => {
  it('reads the token of a Bearer authorization header, the scheme in any case', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer abc')).toBe('abc');
  });

  it.each([
    ['no header', undefined], ['an empty header', ''], ['another scheme', 'Basic abc'], ['the bare token', 'abc'],
    ['no token', 'Bearer '], ['two words', 'Bearer abc def'], ['a tab separator', 'Bearer\tabc'],
  ])('finds no token in %s', (_label, header) => {
    expect(bearerToken(header)).toBeUndefined();
  });
});

describe('parseInvalidationRequest', () => {
  it('keeps the tags and the tenant', () => {
    expect(parseInvalidationRequest({ tags: ['Contact:email:ada@example.com'], tenant: 'acme_1' })).toEqual({
      ok: true, request: { tags: ['Contact:email:ada@example.com'], tenant: 'acme_1' },
    });
    expect(parseInvalidationRequest({ tags: [] })).toEqual({ ok: true, request: { tags: [] } });
  });

  it('refuses unknown properties, so a misspelt tenant cannot widen the invalidation to every tenant', () => {
    expect(parseInvalidationRequest({ tags: ['SalesOrder:1'], tennant: 'acme' })).toEqual({ ok: false, reasons: ['unknown fields: "tennant"'] });
  });

  it('lists every reason a request is refused for', () => {
    const parsed = parseInvalidationRequest({ tags: ['SalesOrder:1', ''], tenant: 'a b', extra: true });
    expect(parsed).toEqual({ ok: false, reasons: [expect.stringMatching(/^tags\[1\]/), expect.stringMatching(/^tenant/), 'unknown fields: "extra"'] });
  });

  it('refuses a tenant over 64 characters', () => {
    expect(parseInvalidationRequest({ tags: [], tenant: 'x'.repeat(65) }).ok).toBe(false);
  });
});

describe('parseInvalidationBody', () => {
  it('accepts tags with and without a tenant', () => {
    expect(parseInvalidationBody('{"tags":["SalesOrder:1","Contact:email:a@b.c"]}')).toEqual({ ok: true, request: { tags: ['SalesOrder:1', 'Contact:email:a@b.c'] } });
    expect(parseInvalidationBody('{"tenant":"acme","tags":[]}')).toEqual({ ok: true, request: { tags: [], tenant: 'acme' } });
    const max = JSON.stringify({ tags: Array.from({ length: 10_000 }, () => 'x'.repeat(512)) });
    expect(parseInvalidationBody(max).ok).toBe(true);
  });

  it('never throws on random or truncated input and accepts only well-formed requests (abuse)', () => {
    let seed = 99;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
    const values: unknown[] = ['SalesOrder:1', '', 'x'.repeat(513), 'acme', 'a b', 7, null, true, {}, ['SalesOrder:2'], 'Contact:email:a@b.c'];
    const request = () => {
      const body: Record<string, unknown> = {};
      if (rand() < 0.9) body.tags = rand() < 0.8 ? Array.from({ length: Math.floor(rand() * 4) }, () => pick(values)) : pick(values);
      if (rand() < 0.4) body.tenant = pick(values);
      if (rand() < 0.1) body[pick(['tennant', 'x', '__proto__'])] = pick(values);
      const text = JSON.stringify(rand() < 0.1 ? pick(values) : body);
      return rand() < 0.2 ? text.slice(0, Math.floor(rand() * text.length)) : text;
    };
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 3_000; i += 1) {
      const parsed = parseInvalidationBody(request());
      if (!parsed.ok) {
        refused += 1;
        if (parsed.reasons.length === 0) throw new Error('refused without a reason');
        continue;
      }
      accepted += 1;
      const { tags, tenant } = parsed.request;
      if (!tags.every((t) => typeof t === 'string' && t.length >= 1 && t.length <= 512)) throw new Error(`accepted bad tags ${JSON.stringify(tags)}`);
      if (tenant !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(tenant)) throw new Error(`accepted bad tenant ${tenant}`);
    }
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });
});
