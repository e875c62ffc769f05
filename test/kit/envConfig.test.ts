import { envEnum, envInt, envList, envOptional, envString, envUrl } from '../../subgraphs/kit/envConfig';

describe('env config', () => {
  it('falls back on missing or empty keys', () => {
    expect(envString({ A: '' }, 'A', 'd')).toBe('d');
    expect(envOptional({}, 'A')).toBeUndefined();
    expect(envInt({}, 'N', 5, 1, 10)).toBe(5);
    expect(envList({ L: 'a, b,,c' }, 'L')).toEqual(['a', 'b', 'c']);
  });

  it('fails fast naming the key and the contract', () => {
    expect(() => envUrl({ SAP_BASE_URL: 'ftp://x' }, 'SAP_BASE_URL', 'http://d')).toThrow("SAP_BASE_URL must be an absolute http(s) URL (got 'ftp://x')");
    expect(() => envUrl({ SAP_BASE_URL: 'not a url' }, 'SAP_BASE_URL', 'http://d')).toThrow('SAP_BASE_URL');
    expect(() => envInt({ N: '11' }, 'N', 5, 1, 10)).toThrow("N must be an integer from 1 to 10 (got '11')");
    expect(() => envEnum({ F: 'magic' }, 'F', ['password', 'jwt'] as const, 'jwt')).toThrow("F must be one of password, jwt (got 'magic')");
  });

  it('strips trailing slashes from URLs', () => {
    expect(envUrl({ U: 'https://graph.microsoft.com/' }, 'U', 'http://d')).toBe('https://graph.microsoft.com');
  });
});
