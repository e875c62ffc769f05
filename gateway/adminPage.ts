/**
 * The operations page: `GET /admin` (HTML), `GET /admin/admin.js` (its script) and
 * `GET /admin/status.json` (the data, `adminStatus.ts`). Plain HTML and a small script, no framework;
 * the charts are inline SVG drawn by the script.
 *
 * Access: `status.json` answers only a bearer JWT (verified by the gateway's `jwtAuth.ts`) carrying
 * the `admin` scope: no token or a bad one is 401 UNAUTHENTICATED, a valid one without the scope 403
 * FORBIDDEN. The page and its script hold no data and are public. The page asks for the token, keeps
 * it in `sessionStorage` (gone when the tab closes, never sent automatically: no cookie, so no CSRF)
 * and sends it in the `authorization` header of each poll. A strict CSP (no inline script, same-origin
 * connections only) keeps injected script from reading it; data is written with `textContent`.
 * With authentication off (`auth` null) `status.json` is always 403: the page is never open to all.
 */
import type http from 'node:http';
import { sendJson } from '../subgraphs/kit/graphqlHttp';
import { createAdminStatus, type AdminStatusOptions } from './adminStatus';
import type { JwtAuth } from './jwtAuth';

export const ADMIN_PATH = '/admin';

export interface AdminRouteOptions extends AdminStatusOptions {
  /** The gateway's JWT verification; null = authentication off, and the status is refused to everyone. */
  auth: JwtAuth | null;
  /** Scope a token needs. @default 'admin' */
  scope?: string;
}

export interface AdminRoute {
  /** Answers `/admin`, `/admin/admin.js` and `/admin/status.json`; false for any other path. */
  handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<boolean>;
  close(): Promise<void>;
}

const CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lumina Enterprise Graph · operations</title>
<link rel="icon" href="data:,">
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #f5f6f8; color: #1d2330; }
header { display: flex; align-items: center; gap: 16px; padding: 12px 24px; background: #1d2330; color: #fff; }
header h1 { font-size: 18px; margin: 0; flex: 1; }
main { padding: 16px 24px; display: grid; gap: 16px; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); }
section { background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
h2 { font-size: 16px; margin: 0 0 8px; display: flex; justify-content: space-between; }
dl { display: grid; grid-template-columns: auto 1fr; gap: 4px 12px; margin: 0; }
dt { color: #5b6475; white-space: nowrap; } dd { margin: 0; }
.badge { border-radius: 10px; padding: 1px 8px; font-size: 12px; color: #fff; background: #8a93a5; }
.up, .closed, .ready { background: #2e7d32; } .down, .open, .not-ready { background: #c62828; } .half-open { background: #ef6c00; }
table { border-collapse: collapse; width: 100%; font-size: 13px; } th { text-align: left; color: #5b6475; font-weight: normal; }
th, td { padding: 2px 12px 2px 0; white-space: nowrap; }
svg { display: block; } .hidden { display: none; } .note { color: #5b6475; font-size: 12px; }
#login { padding: 24px; max-width: 560px; } #login input { width: 100%; box-sizing: border-box; font: inherit; padding: 6px; }
#error { color: #c62828; padding: 0 24px; }
</style>
<script src="${ADMIN_PATH}/admin.js" defer></script>
</head>
<body>
<header><h1>Lumina Enterprise Graph · operations</h1><span id="overall" class="badge">…</span><span id="updated" class="note"></span><button id="logout" class="hidden" type="button">Sign out</button></header>
<form id="login" class="hidden">
<p>Paste a bearer token with the <code>admin</code> scope. It is kept in this tab only (sessionStorage).</p>
<input id="token" type="password" autocomplete="off" placeholder="eyJ…" required>
<p><button type="submit">Sign in</button></p>
</form>
<p id="error" role="alert"></p>
<main id="panels" class="hidden">
<section id="systems-panel" style="grid-column: 1 / -1"><h2>Systems</h2><div id="systems" style="display: grid; gap: 12px; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr))"></div></section>
<section id="cache-panel"><h2>Response cache <span id="cache-hit-ratio"></span></h2><div id="cache"></div></section>
<section id="prepared-panel"><h2>Prepared documents <span id="prepared-hit-ratio"></span></h2><div id="prepared"></div></section>
<section id="events-panel" style="grid-column: 1 / -1"><h2>Recent events</h2><p id="events-note" class="note"></p>
<table id="events"><thead><tr><th>time</th><th>system</th><th>type</th><th>entity</th><th>tenant</th></tr></thead><tbody></tbody></table></section>
</main>
</body>
</html>
`;

/** The page's script (browser code, served as-is). */
const SCRIPT = String.raw`'use strict';
(() => {
  const KEY = 'lumina-admin-token';
  const POLL_MS = 5000;
  const HISTORY = 60;
  const history = { cache: [], prepared: [], systems: {} };
  let last = null;
  let timer = null;
  let polls = 0;
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, text) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = String(text);
    return e;
  };
  const pct = (r) => (r === null || r === undefined ? 'n/a' : (r * 100).toFixed(1) + ' %');
  const push = (list, v) => { list.push(v); if (list.length > HISTORY) list.shift(); };
  const NS = 'http://www.w3.org/2000/svg';
  const svg = (tag, attrs) => { const e = document.createElementNS(NS, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v)); return e; };
  function sparkline(values, label, max) {
    const w = 260, h = 36, s = svg('svg', { width: '100%', height: h, viewBox: '0 0 ' + w + ' ' + h, preserveAspectRatio: 'none', role: 'img', 'aria-label': label });
    s.appendChild(svg('rect', { x: 0, y: 0, width: w, height: h, fill: '#eef1f5' }));
    const top = Math.max(max || 0, ...values, 1e-9);
    if (values.length > 1) {
      const pts = values.map((v, i) => (w - (values.length - 1 - i) * w / (HISTORY - 1)).toFixed(1) + ',' + (h - 2 - (v / top) * (h - 4)).toFixed(1)).join(' ');
      s.appendChild(svg('polyline', { points: pts, fill: 'none', stroke: '#1565c0', 'stroke-width': 1.5, 'vector-effect': 'non-scaling-stroke' }));
    } else {
      const t = svg('text', { x: 6, y: 22, fill: '#8a93a5', 'font-size': 11 }); t.textContent = 'collecting…'; s.appendChild(t);
    }
    return s;
  }
  /** A horizontal bar; a full one is red when high usage is bad (rate limits), else stays green. */
  function bar(fraction, label, highIsBad) {
    const w = 260, h = 12, f = Math.max(0, Math.min(1, fraction || 0));
    const s = svg('svg', { width: '100%', height: h, viewBox: '0 0 ' + w + ' ' + h, preserveAspectRatio: 'none', role: 'img', 'aria-label': label });
    s.appendChild(svg('rect', { x: 0, y: 0, width: w, height: h, rx: 3, fill: '#eef1f5' }));
    s.appendChild(svg('rect', { x: 0, y: 0, width: (w * f).toFixed(1), height: h, rx: 3, fill: highIsBad && f > 0.8 ? '#c62828' : '#2e7d32' }));
    return s;
  }
  const withText = (node, text) => { const d = el('div'); d.appendChild(node); d.appendChild(el('span', { class: 'note' }, text)); return d; };
  const badge = (text) => el('span', { class: 'badge ' + text }, text);
  function row(dl, name, value) { dl.appendChild(el('dt', {}, name)); const dd = el('dd'); if (value instanceof Node) dd.appendChild(value); else dd.textContent = String(value); dl.appendChild(dd); }
  function renderSystems(status, dt) {
    const box = $('systems'); box.replaceChildren();
    for (const s of status.systems) {
      const prev = last && last.systems.find((p) => p.name === s.name);
      const h = history.systems[s.name] || (history.systems[s.name] = []);
      if (prev && dt > 0) push(h, Math.max(0, (s.upstreamRequests - prev.upstreamRequests) / dt));
      const card = el('div', { 'data-system': s.name });
      const title = el('h2', {}, s.name); title.appendChild(badge(s.health)); card.appendChild(title);
      const dl = el('dl');
      row(dl, 'breaker (upstream)', badge(s.breaker));
      row(dl, 'breaker (gateway)', badge(s.gatewayBreaker));
      row(dl, 'upstream calls', s.upstreamRequests + ' (' + s.upstreamFailures + ' failed, ' + s.retries + ' retries)');
      row(dl, 'throttled', s.throttled);
      row(dl, 'calls / s', sparkline(h, s.name + ' upstream calls per second'));
      for (const l of s.rateLimits) row(dl, 'rate limit ' + l.name + (l.tenant && l.tenant !== 'default' ? ' (' + l.tenant + ')' : ''), l.limit ? withText(bar(l.used / l.limit, l.used + ' of ' + l.limit, true), l.used + ' of ' + l.limit + ' (' + pct(l.used / l.limit) + ')') : String(l.used));
      if (s.metrics !== 'ok') row(dl, 'metrics', 'unavailable');
      card.appendChild(dl); box.appendChild(card);
    }
  }
  function renderRatio(id, panel, r, list, what) {
    $(id).textContent = r ? pct(r.ratio) : 'off';
    const box = $(panel); box.replaceChildren();
    if (!r) { box.appendChild(el('p', { class: 'note' }, what + ' is off')); return; }
    if (r.ratio !== null) push(list, r.ratio);
    box.appendChild(bar(r.ratio, 'hit ratio ' + pct(r.ratio)));
    const dl = el('dl'); row(dl, 'hits', r.hits); row(dl, 'misses', r.misses); row(dl, 'hit ratio', sparkline(list, what + ' hit ratio over time', 1)); box.appendChild(dl);
  }
  /** The recent events as rows of plain text; the note says what is missing. */
  function renderEvents(status) {
    const events = status.recentEvents || [];
    $('events-note').textContent = status.events.reason || (events.length === 0 ? 'No events yet.' : '');
    const body = $('events').tBodies[0]; body.replaceChildren();
    $('events').classList.toggle('hidden', events.length === 0);
    for (const e of events) {
      const tr = el('tr', { 'data-event': e.id });
      const when = new Date(e.occurredAt);
      for (const text of [Number.isNaN(when.getTime()) ? e.occurredAt : when.toLocaleString(), e.system, e.type, e.entity.type + ' ' + e.entity.id, e.tenant]) tr.appendChild(el('td', {}, text));
      body.appendChild(tr);
    }
  }
  function render(status) {
    const dt = last ? (Date.parse(status.generatedAt) - Date.parse(last.generatedAt)) / 1000 : 0;
    $('overall').textContent = status.ready ? 'ready' : 'not ready';
    $('overall').className = 'badge ' + (status.ready ? 'ready' : 'not-ready');
    $('updated').textContent = 'updated ' + new Date(status.generatedAt).toLocaleTimeString();
    renderSystems(status, dt);
    renderRatio('cache-hit-ratio', 'cache', status.gateway.responseCache, history.cache, 'The response cache');
    renderRatio('prepared-hit-ratio', 'prepared', status.gateway.prepared, history.prepared, 'The fast executor');
    renderEvents(status);
    last = status;
  }
  function signedIn(on) {
    $('login').classList.toggle('hidden', on); $('panels').classList.toggle('hidden', !on); $('logout').classList.toggle('hidden', !on);
  }
  async function poll() {
    const token = sessionStorage.getItem(KEY);
    if (!token) { signedIn(false); return; }
    try {
      const res = await fetch('${ADMIN_PATH}/status.json', { headers: { authorization: 'Bearer ' + token }, cache: 'no-store' });
      const body = await res.json();
      if (!res.ok) {
        const e = body.errors && body.errors[0];
        $('error').textContent = (e ? e.extensions.code + ': ' + e.message : 'HTTP ' + res.status);
        if (res.status === 401 || res.status === 403) { sessionStorage.removeItem(KEY); signedIn(false); return; }
      } else { $('error').textContent = ''; signedIn(true); render(body); }
    } catch (err) { $('error').textContent = 'status unavailable: ' + err.message; }
    // The first snapshots come quickly, so rates and charts have points to start from.
    polls += 1;
    timer = setTimeout(poll, polls <= 2 ? 1000 : POLL_MS);
  }
  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(KEY, $('token').value.trim().replace(/^Bearer\s+/i, '')); $('token').value = '';
    clearTimeout(timer); polls = 0; poll();
  });
  $('logout').addEventListener('click', () => { sessionStorage.removeItem(KEY); clearTimeout(timer); last = null; signedIn(false); });
  poll();
})();
`;

function sendText(req: http.IncomingMessage, res: http.ServerResponse, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', ...extra, 'content-length': String(Buffer.byteLength(body)) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function refuse(res: http.ServerResponse, status: 401 | 403, code: string, message: string): void {
  if (status === 401) res.setHeader('www-authenticate', 'Bearer');
  res.setHeader('cache-control', 'no-store');
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

export function createAdminRoute(opts: AdminRouteOptions): AdminRoute {
  const scope = opts.scope ?? 'admin';
  const status = createAdminStatus(opts);

  const serveStatus = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (!opts.auth) return refuse(res, 403, 'FORBIDDEN', 'The operations page needs authentication, which is off');
    const result = await opts.auth.authenticate(req.headers.authorization);
    if (!result.ok) return refuse(res, result.status, result.code, result.message);
    if (!result.caller.authenticated) return refuse(res, 401, 'UNAUTHENTICATED', 'A bearer token is required');
    if (!result.caller.scopes.includes(scope)) return refuse(res, 403, 'FORBIDDEN', `The token lacks the ${scope} scope`);
    const body = await status.snapshot();
    res.setHeader('cache-control', 'no-store');
    sendJson(res, 200, body);
  };

  return {
    async handle(req, res, url) {
      const p = url.pathname;
      if (p !== ADMIN_PATH && p !== `${ADMIN_PATH}/` && !p.startsWith(`${ADMIN_PATH}/`)) return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
        res.end('method not allowed');
        return true;
      }
      if (p === ADMIN_PATH || p === `${ADMIN_PATH}/`) {
        sendText(req, res, 'text/html; charset=utf-8', PAGE, { 'content-security-policy': CSP, 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' });
      } else if (p === `${ADMIN_PATH}/admin.js`) {
        sendText(req, res, 'application/javascript; charset=utf-8', SCRIPT);
      } else if (p === `${ADMIN_PATH}/status.json`) {
        await serveStatus(req, res);
      } else {
        sendJson(res, 404, { error: 'not found: use /admin or /admin/status.json' });
      }
      return true;
    },
    close: () => status.close(),
  };
}
