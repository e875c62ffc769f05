import { constantTimeEqual } from '../../subgraphs/kit/constantTimeEqual';

describe('constantTimeEqual', () => {
  it('is true only for identical strings', () => {
    expect(constantTimeEqual('s3cret', 's3cret')).toBe(true);
    expect(constantTimeEqual('s3cret', 's3creT')).toBe(false);
  });

  it('treats different lengths (including multi-byte characters) as unequal without throwing', () => {
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('é', 'e')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});
