// The login routes. Public (no token; they give no data): GET /api/v1/auth/config (is SSO on?),
// GET /api/v1/auth/oidc/login (to the identity provider, with state, nonce and PKCE bound to this
// browser by a short-lived HttpOnly cookie) and GET /api/v1/auth/oidc/callback (code → ID token,
// verified → role from the groups → a session token, handed to the console in the URL fragment).
// In the route table (authenticated): POST /api/v1/auth/logout, which revokes the session.
// Failures answer 401/403/502 with one line — an HTML page for a browser, JSON otherwise — and never a session.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.js';
import { PortcullisError } from '../../core/errors.js';
import type { Store } from '../store/db.js';
import { isOidcSession, revokeToken } from '../store/tokens.js';
import { ALL_ROLES, HttpError, type Route } from '../api/route.js';
import type { RateLimiter } from '../ops.js';
import { CALLBACK_PATH, LOGIN_PATH, groupsOf, roleFor, type OidcConfig } from './config.js';
import { OidcProvider } from './provider.js';
import { beginLogin, createSession, LOGIN_TTL_MS, personName, takeLogin } from './session.js';

export const CONFIG_PATH = '/api/v1/auth/config';
export const CONSOLE_LANDING = '/console/#session=';
const COOKIE = 'portcullis_oidc';
const COOKIE_PATH = '/api/v1/auth/oidc';

/** The public routes, for the OpenAPI document and the authorisation test (they are not in ROUTES: no token is needed). */
export const PUBLIC_ROUTES: readonly { method: 'GET'; url: string; summary: string; responses: Record<string, string> }[] = [
  { method: 'GET', url: CONFIG_PATH, summary: 'How people log in to the console: whether SSO (OIDC) is configured, and where it starts. No token needed; no data.', responses: { '200': 'the login options' } },
  { method: 'GET', url: LOGIN_PATH, summary: 'Start an SSO login: redirects to the identity provider (authorization code flow with PKCE; state and nonce bound to this browser by a cookie). No token needed.', responses: { '302': 'to the identity provider', '404': 'SSO is not configured', '429': 'rate limit exceeded', '502': 'the identity provider is unreachable or misconfigured' } },
  { method: 'GET', url: CALLBACK_PATH, summary: 'Where the identity provider sends the browser back: the ID token is verified, the groups mapped to a role, and a session token handed to the console (redirect to /console/#session=...). No token needed.', responses: { '303': 'logged in: to the console', '400': 'malformed callback', '401': 'the login is refused (state, cookie, code or ID token)', '403': 'the person is in no group mapped to a role', '404': 'SSO is not configured', '429': 'rate limit exceeded', '502': 'the identity provider is unreachable or misconfigured' } },
];

/** Route-table routes (authenticated like every other). */
export const authRoutes: Route[] = [
  {
    method: 'POST', url: '/api/v1/auth/logout', summary: 'Log out: revoke the SSO session token making the request (API tokens are revoked with DELETE /api/v1/tokens/{id})', tag: 'auth', roles: ALL_ROLES,
    handler: async (ctx, call) => {
      if (!isOidcSession(call.token)) throw new HttpError(400, 'this is an API token, not an SSO session: revoke it with DELETE /api/v1/tokens/{id}');
      const t = await revokeToken(ctx.store, call.token.id, call.actor, call.now);
      return { revoked: t !== undefined, id: call.token.id };
    },
  },
];

function cookieOf(req: FastifyRequest, name: string): string | undefined {
  const h = req.headers.cookie;
  if (typeof h !== 'string') return undefined;
  for (const part of h.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function wantsHtml(req: FastifyRequest): boolean {
  const a = req.headers.accept;
  return typeof a === 'string' && /text\/html/.test(a);
}

function fail(req: FastifyRequest, reply: FastifyReply, status: number, message: string): FastifyReply {
  if (wantsHtml(req)) {
    const page = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Portcullis: sign-in failed</title>\n<h1>Sign-in failed</h1>\n<p role="alert">${escapeHtml(message)}</p>\n<p><a href="/console/">Back to the console</a></p></html>`;
    return reply.code(status).type('text/html; charset=utf-8').send(page);
  }
  return reply.code(status).send({ error: message, requestId: req.id });
}

export interface OidcRouteDeps {
  store: Store;
  clock: Clock;
  limiter: RateLimiter;
  tls: boolean;
  oidc?: OidcConfig;
}

export function registerOidc(app: FastifyInstance, d: OidcRouteDeps): void {
  const provider = d.oidc ? new OidcProvider(d.oidc, d.clock) : undefined;
  const cookie = (value: string, maxAgeSeconds: number) =>
    `${COOKIE}=${value}; Path=${COOKIE_PATH}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${d.tls ? '; Secure' : ''}`;
  const limited = (req: FastifyRequest, reply: FastifyReply) => {
    if (d.limiter.take(`ip:${req.ip}`)) return false;
    fail(req, reply.header('retry-after', '60'), 429, 'rate limit exceeded');
    return true;
  };

  app.get(CONFIG_PATH, async () => ({ oidc: provider ? { enabled: true, loginUrl: LOGIN_PATH } : { enabled: false } }));

  app.get(LOGIN_PATH, async (req, reply) => {
    if (!provider) return fail(req, reply, 404, 'SSO (OIDC) login is not configured on this server (portcullis server --oidc-issuer)');
    if (limited(req, reply)) return reply;
    let to: string;
    let browser: string;
    try {
      await provider.discover();
      const login = await beginLogin(d.store, d.clock.now());
      to = await provider.authorizeUrl(login);
      browser = login.browser;
    } catch (e) {
      if (!(e instanceof PortcullisError) || e.code !== 'NETWORK') throw e;
      req.log.warn({ oidc: e.message }, 'SSO login could not start');
      return fail(req, reply, 502, e.message);
    }
    return reply.header('set-cookie', cookie(browser, LOGIN_TTL_MS / 1000)).redirect(to, 302);
  });

  app.get(CALLBACK_PATH, async (req, reply) => {
    if (!provider || !d.oidc) return fail(req, reply, 404, 'SSO (OIDC) login is not configured on this server (portcullis server --oidc-issuer)');
    if (limited(req, reply)) return reply;
    reply.header('set-cookie', cookie('', 0));
    const q = req.query as Record<string, unknown>;
    const str = (k: string) => (typeof q[k] === 'string' ? (q[k] as string) : undefined);
    const state = str('state');
    if (state === undefined) return fail(req, reply, 400, 'the callback has no state: start the login from the console');
    const taken = await takeLogin(d.store, state, cookieOf(req, COOKIE), d.clock.now());
    if (!taken.ok) return fail(req, reply, 401, `sign-in refused: ${taken.why}`);
    const idpError = str('error');
    if (idpError !== undefined) {
      const desc = str('error_description');
      return fail(req, reply, 401, `the identity provider refused the sign-in: ${idpError.slice(0, 100)}${desc ? ` (${desc.slice(0, 200)})` : ''}`);
    }
    const code = str('code');
    if (code === undefined || code.length === 0 || code.length > 4096) return fail(req, reply, 400, 'the callback has no authorization code');
    let claims;
    try {
      const idToken = await provider.exchange(code, taken.verifier);
      claims = await provider.verify(idToken, { nonce: taken.nonce, now: d.clock.now() });
    } catch (e) {
      if (!(e instanceof PortcullisError)) throw e;
      req.log.warn({ oidc: e.message }, 'SSO login refused');
      // the provider refusing the code (used, expired, wrong verifier) is a refused login; unreachable is a 502
      const status = e.code === 'NETWORK' && !/HTTP 4\d\d/.test(e.message) ? 502 : 401;
      return fail(req, reply, status, `sign-in refused: ${e.message}`);
    }
    const name = personName(claims);
    if (name === undefined) return fail(req, reply, 401, 'sign-in refused: the ID token names the person with characters a log cannot carry');
    const groups = groupsOf(claims, d.oidc.groupsClaim);
    const mapped = roleFor(groups, d.oidc.roles);
    if (!mapped) {
      req.log.warn({ oidc: `${name}: no mapped group among ${groups.length} in claim ${d.oidc.groupsClaim}` }, 'SSO login refused');
      return fail(req, reply, 403, `${name} is signed in at the identity provider but in no group this server maps to a role (${groups.length} group(s) in the "${d.oidc.groupsClaim}" claim): ask an administrator to add you to a mapped group`);
    }
    const { token } = await createSession(d.store, { name, role: mapped.role, issuer: d.oidc.issuer, hours: d.oidc.sessionHours, requestId: req.id }, d.clock.now());
    req.log.info({ oidc: `${name} logged in as ${mapped.role} (groups ${mapped.groups.join(', ').slice(0, 300)})` }, 'SSO login');
    return reply.redirect(`${CONSOLE_LANDING}${token}`, 303);
  });
}
