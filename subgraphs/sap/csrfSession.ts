/**
 * SAP Gateway's CSRF protection from the client side (PROTOCOLS.md 3.4): a token fetched with
 * `X-CSRF-Token: Fetch`, bound to the session cookies (`SAP_SESSIONID_<SID>_<client>`,
 * `sap-usercontext`) that came with it. Every modifying request (and `$batch`) sends both. One
 * session per service root and process; concurrent callers share one fetch (single flight), and a
 * 403 `x-csrf-token: Required` invalidates the token so the next caller fetches a new one.
 */

/** What a token fetch yields. */
export interface CsrfFetchResult {
  /** The token, or undefined when the system issued none (CSRF not enforced). */
  token: string | undefined;
  setCookie: string | string[] | undefined;
}

export interface CsrfCredentials {
  /** '' when the system issued no token. */
  token: string;
  /** The `Cookie` header value (may be empty when the system set none). */
  cookie: string;
}

export interface CsrfSession {
  /** Token and cookies for a modifying request; calls `fetchToken` when there are none (once for all waiting callers). */
  credentials(fetchToken: () => Promise<CsrfFetchResult>): Promise<CsrfCredentials>;
  /** Forget `token` (after SAP answered 403 `x-csrf-token: Required`). */
  invalidate(token: string): void;
  /** Remember (or drop) cookies a response set. */
  storeCookies(setCookie: string | string[] | undefined): void;
}

const MAX_COOKIES = 20;
const MAX_COOKIE_LENGTH = 4096;

/** `name=value` pairs of `Set-Cookie` headers; a value of '' or `Max-Age=0` means "delete". */
export function parseSetCookie(setCookie: string | string[] | undefined): Array<{ name: string; value: string; remove: boolean }> {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const out: Array<{ name: string; value: string; remove: boolean }> = [];
  for (const header of list) {
    const [pair = '', ...attrs] = header.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/.test(name) || value.length > MAX_COOKIE_LENGTH || /[;\r\n]/.test(value)) continue;
    const remove = value === '' || attrs.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a));
    out.push({ name, value, remove });
  }
  return out;
}

export function createCsrfSession(): CsrfSession {
  const jar = new Map<string, string>();
  let token: string | undefined;
  let inflight: Promise<string> | null = null;

  const storeCookies = (setCookie: string | string[] | undefined): void => {
    for (const c of parseSetCookie(setCookie)) {
      if (c.remove) jar.delete(c.name);
      else if (jar.has(c.name) || jar.size < MAX_COOKIES) jar.set(c.name, c.value);
    }
  };
  const cookieHeader = (): string => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

  async function fetchOnce(fetchToken: () => Promise<CsrfFetchResult>): Promise<string> {
    // A new token comes with a new session: stale session cookies must not be replayed with it.
    jar.clear();
    const result = await fetchToken();
    storeCookies(result.setCookie);
    // No token on a successful fetch: the system does not enforce CSRF; send none.
    token = result.token ?? '';
    return token;
  }

  return {
    async credentials(fetchToken) {
      const current = token ?? (await (inflight ??= fetchOnce(fetchToken).finally(() => { inflight = null; })));
      return { token: current, cookie: cookieHeader() };
    },
    invalidate(stale) {
      if (token === stale) token = undefined;
    },
    storeCookies,
  };
}
