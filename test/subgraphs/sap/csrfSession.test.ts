/**
 * The CSRF token + session cookie jar: one fetch for concurrent callers, cookies replayed,
 * invalidation, and hostile Set-Cookie headers.
 */
import { createCsrfSession, parseSetCookie } from '../../../subgraphs/sap/csrfSession';

describe('CSRF session', () => {
  it('fetches once for concurrent callers and sends the session cookies with the token', async () => {
    const session = createCsrfSession();
    let fetches = 0;
    const fetchToken = async (): Promise<{ token: string; setCookie: string[] }> => {
      fetches += 1;
      await new Promise((r) => setTimeout(r, 5));
      return { token: `t${fetches}`, setCookie: ['SAP_SESSIONID_S4H_100=abc; path=/; HttpOnly', 'sap-usercontext=sap-client=100; path=/'] };
    };
    const all = await Promise.all([1, 2, 3].map(() => session.credentials(fetchToken)));
    expect(fetches).toBe(1);
    for (const c of all) expect(c).toEqual({ token: 't1', cookie: 'SAP_SESSIONID_S4H_100=abc; sap-usercontext=sap-client=100' });
    session.invalidate('stale-other-token');
    expect((await session.credentials(fetchToken)).token).toBe('t1');
    session.invalidate('t1');
    expect((await session.credentials(fetchToken)).token).toBe('t2');
    expect(fetches).toBe(2);
  });

  it('sends no token when the system issued none, and lets a failed fetch be retried', async () => {
    const session = createCsrfSession();
    await expect(session.credentials(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await session.credentials(async () => ({ token: undefined, setCookie: undefined }))).toEqual({ token: '', cookie: '' });
  });

  it('drops deleted cookies and ignores malformed or injected ones', () => {
    expect(parseSetCookie(['a=1; Path=/', 'b=; Max-Age=0', 'c=2; Max-Age=0', 'bad name=1', '=x', 'd=1\r\nX-Injected: y', 'e'])).toEqual([
      { name: 'a', value: '1', remove: false },
      { name: 'b', value: '', remove: true },
      { name: 'c', value: '2', remove: true },
    ]);
  });

  it('caps the jar and forgets the old session\'s cookies when a new token is fetched', async () => {
    const session = createCsrfSession();
    const fetchToken = async (): Promise<{ token: string; setCookie: string }> => ({ token: 't', setCookie: 'SAP_SESSIONID_S4H_100=new' });
    session.storeCookies(['SAP_SESSIONID_S4H_100=old', 'stale=1']);
    expect((await session.credentials(fetchToken)).cookie).toBe('SAP_SESSIONID_S4H_100=new');
    session.storeCookies(Array.from({ length: 100 }, (_, i) => `k${i}=v`));
    expect((await session.credentials(fetchToken)).cookie.split('; ')).toHaveLength(20);
  });
});
