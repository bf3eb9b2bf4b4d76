// Logins in progress and the sessions they end in. A login is a row keyed by the hash of its `state`,
// holding the nonce and the PKCE verifier, bound to the browser that started it by the hash of a random
// cookie, valid 10 minutes, deleted when used (a replayed callback finds nothing). The store, not the
// process, holds it: with several replicas behind a load balancer the callback may reach another one.
// A session is an ordinary token of the token store (hashed, expiring, revocable) whose creator is
// `oidc:<issuer>`; its role is decided at login from the groups, not at each request.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/db.js';
import { createToken, OIDC_CREATOR_PREFIX, type Role, type TokenInfo } from '../store/tokens.js';

export const LOGIN_TTL_MS = 10 * 60_000;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const random = () => randomBytes(32).toString('base64url');

export interface Login {
  state: string;
  nonce: string;
  verifier: string;
  /** the S256 code challenge of the verifier */
  challenge: string;
  /** the cookie value that binds the login to this browser */
  browser: string;
}

/** Start a login: a fresh state, nonce, PKCE verifier and browser cookie, stored (hashed where only compared). */
export async function beginLogin(store: Store, now: Date): Promise<Login> {
  const login = { state: random(), nonce: random(), verifier: random(), browser: random() };
  const challenge = createHash('sha256').update(login.verifier).digest('base64url');
  const at = now.toISOString();
  await store.db.deleteFrom('oidc_logins').where('expires_at', '<', at).execute();
  await store.db
    .insertInto('oidc_logins')
    .values({ state_hash: sha256(login.state), browser_hash: sha256(login.browser), nonce: login.nonce, verifier: login.verifier, created_at: at, expires_at: new Date(now.getTime() + LOGIN_TTL_MS).toISOString() })
    .execute();
  return { ...login, challenge };
}

export type Taken = { ok: true; nonce: string; verifier: string } | { ok: false; why: string };

/** Use a login once: it must exist (not used before), belong to this browser, and not have expired. */
export async function takeLogin(store: Store, state: string, browser: string | undefined, now: Date): Promise<Taken> {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(state)) return { ok: false, why: 'malformed state' };
  const row = await store.db.deleteFrom('oidc_logins').where('state_hash', '=', sha256(state)).returningAll().executeTakeFirst();
  if (!row) return { ok: false, why: 'unknown or already used login (state); start again from the console' };
  if (browser === undefined) return { ok: false, why: 'this login was not started in this browser (no login cookie); start again from the console' };
  if (!timingSafeEqual(Buffer.from(row.browser_hash, 'hex'), Buffer.from(sha256(browser), 'hex'))) return { ok: false, why: 'this login was started in another browser; start again from the console' };
  if (!(Date.parse(row.expires_at) > now.getTime())) return { ok: false, why: 'the login took longer than 10 minutes; start again from the console' };
  return { ok: true, nonce: row.nonce, verifier: row.verifier };
}

/** `alice@example.com (security, oidc)`: how the audit log names a person logging in. */
export const personActor = (name: string, role: Role) => `${name} (${role}, oidc)`;

/** Issue the session token of a person who logged in. */
export async function createSession(
  store: Store,
  s: { name: string; role: Role; issuer: string; hours: number; requestId?: string },
  now: Date,
): Promise<{ token: string; info: TokenInfo }> {
  const expiresAt = new Date(now.getTime() + s.hours * 3_600_000);
  return createToken(
    store,
    { name: s.name, role: s.role, pipelines: [], expiresAt, createdBy: `${OIDC_CREATOR_PREFIX}${s.issuer}` },
    { name: personActor(s.name, s.role), ...(s.requestId ? { requestId: s.requestId } : {}) },
    now,
  );
}

/** The name a person is known by: a verified email, else the subject. Undefined for names no log should carry (control characters). */
export function personName(claims: { sub: string; email?: unknown; email_verified?: unknown }): string | undefined {
  const email = typeof claims.email === 'string' && claims.email_verified !== false && /^[^\s@]{1,128}@[^\s@]{1,128}$/.test(claims.email) ? claims.email : undefined;
  const name = email ?? claims.sub;
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(name) || name.length > 255 ? undefined : name;
}
