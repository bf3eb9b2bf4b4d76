// API tokens: `pcs_<id>_<secret>`. Only a SHA-256 of the secret is stored (never retrievable); a token
// has one role, optional pipeline scope (globs), an expiry, and can be revoked.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { PortcullisError } from '../../core/errors.js';
import { appendAudit, type Actor } from './objects.js';
import type { Store } from './db.js';

export const ROLES = ['admin', 'security', 'ci', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface TokenInfo {
  id: string;
  name: string;
  role: Role;
  pipelines: string[];
  createdAt: string;
  createdBy: string;
  expiresAt: string;
  revokedAt?: string;
}

const TOKEN_RE = /^pcs_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/;
const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');

/**
 * `created_by` of the session tokens an OIDC login issues: `oidc:<issuer URL>`, with no space. Every other
 * creator is `cli:<user>` or an actor name, which always has a space (`name (role, token id)`).
 */
export const OIDC_CREATOR_PREFIX = 'oidc:';

export const isOidcSession = (t: TokenInfo): boolean => t.createdBy.startsWith(OIDC_CREATOR_PREFIX) && !/\s/.test(t.createdBy);

/** How the audit log names whoever holds the token: `ci-shop (ci, token 0123…)`, `alice@example.com (security, oidc session 0123…)`. */
export function actorName(t: TokenInfo): string {
  return `${t.name} (${t.role}, ${isOidcSession(t) ? 'oidc session' : 'token'} ${t.id})`;
}

/** Create a token; the secret is returned once and never stored. `createdBy` defaults to the actor's name. */
export async function createToken(
  store: Store,
  t: { name: string; role: Role; pipelines: string[]; expiresAt: Date; createdBy?: string },
  actor: Actor,
  now: Date,
): Promise<{ token: string; info: TokenInfo }> {
  if (!(ROLES as readonly string[]).includes(t.role)) throw new PortcullisError('BAD_INPUT', `role: expected one of ${ROLES.join(', ')}, got ${JSON.stringify(t.role)}`);
  if (t.role === 'ci' && t.pipelines.length === 0) throw new PortcullisError('BAD_INPUT', 'a ci token must be scoped to at least one pipeline');
  if (!(t.expiresAt.getTime() > now.getTime())) throw new PortcullisError('BAD_INPUT', 'expiry must be in the future');
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const info: TokenInfo = { id, name: t.name, role: t.role, pipelines: [...t.pipelines].sort(), createdAt: now.toISOString(), createdBy: t.createdBy ?? actor.name, expiresAt: t.expiresAt.toISOString() };
  await store.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('tokens')
      .values({ id, name: info.name, role: info.role, pipelines: JSON.stringify(info.pipelines), hash: hash(secret), created_at: info.createdAt, created_by: info.createdBy, expires_at: info.expiresAt, revoked_at: null })
      .execute();
    await appendAudit(trx, { at: info.createdAt, actor, action: 'create', kind: 'Token', name: id, after: info });
  });
  return { token: `pcs_${id}_${secret}`, info };
}

function toInfo(r: { id: string; name: string; role: string; pipelines: string; created_at: string; created_by: string; expires_at: string; revoked_at: string | null }): TokenInfo {
  return {
    id: r.id,
    name: r.name,
    role: r.role as Role,
    pipelines: JSON.parse(r.pipelines) as string[],
    createdAt: r.created_at,
    createdBy: r.created_by,
    expiresAt: r.expires_at,
    ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}),
  };
}

export type Verified = { ok: true; token: TokenInfo } | { ok: false; why: string };

/** Check a presented token: well-formed, known, secret matches (constant time), not expired, not revoked. */
export async function verifyToken(store: Store, presented: string, now: Date): Promise<Verified> {
  const m = TOKEN_RE.exec(presented);
  if (!m) return { ok: false, why: 'malformed token' };
  const row = await store.db.selectFrom('tokens').selectAll().where('id', '=', m[1]!).executeTakeFirst();
  const want = Buffer.from(row?.hash ?? hash('x'), 'hex');
  const got = Buffer.from(hash(m[2]!), 'hex');
  if (!row || !timingSafeEqual(want, got)) return { ok: false, why: 'unknown token' };
  if (row.revoked_at) return { ok: false, why: 'token revoked' };
  if (!(Date.parse(row.expires_at) > now.getTime())) return { ok: false, why: 'token expired' };
  return { ok: true, token: toInfo(row) };
}

export async function listTokens(store: Store): Promise<TokenInfo[]> {
  return (await store.db.selectFrom('tokens').selectAll().orderBy('created_at').orderBy('id').execute()).map(toInfo);
}

export async function revokeToken(store: Store, id: string, actor: Actor, now: Date): Promise<TokenInfo | undefined> {
  return store.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || row.revoked_at) return undefined;
    const at = now.toISOString();
    await trx.updateTable('tokens').set({ revoked_at: at }).where('id', '=', id).execute();
    await appendAudit(trx, { at, actor, action: 'revoke', kind: 'Token', name: id, before: toInfo(row), after: toInfo({ ...row, revoked_at: at }) });
    return toInfo({ ...row, revoked_at: at });
  });
}
