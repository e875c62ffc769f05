import { cacheControlHeader, combinePolicies, NOT_CACHEABLE, parseCacheControl, readCacheTags, type CachePolicy } from '../../gateway/cachePolicy';

const pub = (maxAgeS: number): CachePolicy => ({ cacheable: true, maxAgeS, scope: 'public' });
const priv = (maxAgeS: number): CachePolicy => ({ cacheable: true, maxAgeS, scope: 'private' });

describe('cache policy', () => {
  describe('parseCacheControl', () => {
    it('reads what Apollo Server writes from @cacheControl hints', () => {
      expect(parseCacheControl('max-age=60, public')).toEqual(pub(60));
      expect(parseCacheControl('max-age=30, private')).toEqual(priv(30));
      expect(parseCacheControl('max-age=5')).toEqual(pub(5));
    });

    it('is case- and space-insensitive and accepts a quoted max-age', () => {
      expect(parseCacheControl('  MAX-AGE=60 ,Private ')).toEqual(priv(60));
      expect(parseCacheControl('max-age="15", public')).toEqual(pub(15));
    });

    it('is private when a header says both private and public', () => {
      expect(parseCacheControl('public, max-age=60, private')).toEqual(priv(60));
    });

    it('ignores directives it does not use (s-maxage, must-revalidate, extensions)', () => {
      expect(parseCacheControl('max-age=60, s-maxage=600, must-revalidate, stale-while-revalidate=30, x_ext')).toEqual(pub(60));
    });

    it('joins repeated header lines', () => {
      expect(parseCacheControl(['max-age=60', 'private'])).toEqual(priv(60));
      expect(parseCacheControl(['max-age=60', 'no-store'])).toEqual(NOT_CACHEABLE);
    });

    it.each([
      ['absent', undefined],
      ['null', null],
      ['empty', ''],
      ['no-store', 'no-store'],
      ['no-store with max-age', 'max-age=60, no-store'],
      ['no-cache', 'max-age=60, no-cache'],
      ['max-age=0', 'max-age=0, public'],
      ['public without max-age', 'public'],
      ['conflicting max-ages', 'max-age=60, max-age=5'],
    ])('is not cacheable when the header is %s', (_label, header) => {
      expect(parseCacheControl(header)).toEqual(NOT_CACHEABLE);
    });

    it('accepts the same max-age twice', () => {
      expect(parseCacheControl('max-age=60, max-age=60')).toEqual(pub(60));
    });

    it('caps max-age at 2^31 seconds (RFC 9111)', () => {
      expect(parseCacheControl('max-age=999999999999')).toEqual(pub(2_147_483_648));
    });

    it.each([
      'max-age=-1', 'max-age=abc', 'max-age=1e3', 'max-age=6 0', 'max-age = 60', 'max-age=', 'max-age=60;private',
      'max-age=1234567890123', 'max-age="60', '=60', 'max-age=60, priv ate', 'max-age=60, "public"', ',,,,',
      'max-age=60,'.repeat(17), `max-age=60, ${'x'.repeat(2_000)}`, 'max-age=\u0660', 'max-age=60\u0000',
    ])('treats the garbage header %j as not cacheable', (header) => {
      expect(parseCacheControl(header)).toEqual(NOT_CACHEABLE);
    });

    it('never throws and only returns sane policies for random headers (abuse)', () => {
      let seed = 42;
      const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
      const pieces = ['max-age=60', 'max-age=0', 'max-age=-1', 'max-age="5"', 'private', 'public', 'no-store', 's-maxage=9', 'garb"age', 'é', 'max-age=9999999999999', '', '='];
      const separators = [',', ', ', ',,', ';', ' '];
      let cacheable = 0;
      for (let i = 0; i < 5_000; i += 1) {
        const header = Array.from({ length: Math.floor(rand() * 6) }, () => pick(pieces) + pick(separators)).join('');
        const p = parseCacheControl(header);
        if (p.cacheable) {
          cacheable += 1;
          expect(Number.isInteger(p.maxAgeS) && p.maxAgeS >= 1 && p.maxAgeS <= 2_147_483_648).toBe(true);
          expect(['public', 'private']).toContain(p.scope);
        } else expect(p).toEqual(NOT_CACHEABLE);
      }
      expect(cacheable).toBeGreaterThan(0);
    });
  });

  describe('combinePolicies', () => {
    it('takes the smallest max-age', () => {
      expect(combinePolicies([pub(60), pub(10), pub(300)])).toEqual(pub(10));
    });

    it('is private if any part is private', () => {
      expect(combinePolicies([pub(60), priv(120)])).toEqual(priv(60));
    });

    it('is not cacheable if any part is not cacheable', () => {
      expect(combinePolicies([pub(60), parseCacheControl(undefined), priv(5)])).toEqual(NOT_CACHEABLE);
    });

    it('is not cacheable without any part', () => {
      expect(combinePolicies([])).toEqual(NOT_CACHEABLE);
    });
  });

  describe('cacheControlHeader', () => {
    it('renders max-age and scope, or no-store', () => {
      expect(cacheControlHeader(pub(60))).toBe('max-age=60, public');
      expect(cacheControlHeader(priv(5))).toBe('max-age=5, private');
      expect(cacheControlHeader(NOT_CACHEABLE)).toBe('no-store');
    });

    it('round-trips through parseCacheControl', () => {
      for (const p of [pub(1), priv(86_400), NOT_CACHEABLE]) expect(parseCacheControl(cacheControlHeader(p))).toEqual(p);
    });
  });

  describe('readCacheTags', () => {
    it('reads and deduplicates cacheTags and invalidatedTags', () => {
      expect(readCacheTags({ cacheTags: ['SalesOrder:1', 'Contact:email:a@b.c', 'SalesOrder:1'], invalidatedTags: ['Account:001'] }))
        .toEqual({ cacheTags: ['SalesOrder:1', 'Contact:email:a@b.c'], invalidatedTags: ['Account:001'] });
    });

    it('drops anything that is not a tag string of 1..512 characters (abuse)', () => {
      const ext = { cacheTags: ['ok:1', '', 'x'.repeat(513), 'x'.repeat(512), 7, null, { a: 1 }, ['nested']], invalidatedTags: 'SalesOrder:1' };
      expect(readCacheTags(ext)).toEqual({ cacheTags: ['ok:1', 'x'.repeat(512)], invalidatedTags: [] });
    });

    it('reads at most 10 000 tags', () => {
      const many = Array.from({ length: 20_000 }, (_, i) => `T:${i}`);
      expect(readCacheTags({ cacheTags: many }).cacheTags).toHaveLength(10_000);
    });

    it.each([undefined, null, 'tags', 42, []])('reads no tags from extensions %j', (ext) => {
      expect(readCacheTags(ext)).toEqual({ cacheTags: [], invalidatedTags: [] });
    });
  });
});
