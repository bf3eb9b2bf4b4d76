// OIDC login settings (`portcullis server --oidc-issuer ...`) and the mapping of the identity
// provider's groups to roles: highest role wins; a person in no mapped group gets no session (never a
// default role); `ci` is for pipelines, not people, so it cannot be mapped.
import { PortcullisError } from '../../core/errors.js';
import type { Role } from '../store/tokens.js';

export const CALLBACK_PATH = '/api/v1/auth/oidc/callback';
export const LOGIN_PATH = '/api/v1/auth/oidc/login';
export const DEFAULT_SCOPES = ['openid', 'email', 'profile', 'groups'];
export const DEFAULT_GROUPS_CLAIM = 'groups';
export const DEFAULT_SESSION_HOURS = 8;
/** Roles people may be given, highest first. */
export const PERSON_ROLES: readonly Role[] = ['admin', 'security', 'viewer'];

export interface RoleMapping {
  group: string;
  role: Role;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  /** absent: a public client (PKCE alone) */
  clientSecret?: string;
  /** the full callback URL registered at the identity provider */
  redirectUrl: string;
  scopes: string[];
  /** claim holding the groups: a top-level name, or a dotted path (`realm_access.roles`) */
  groupsClaim: string;
  roles: RoleMapping[];
  /** longest session a login gives (hours) */
  sessionHours: number;
}

const bad = (flag: string, why: string) => new PortcullisError('BAD_INPUT', `${flag}: ${why}`);

function isLoopback(u: URL): boolean {
  return u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
}

/** `GROUP=ROLE`; the group may itself contain `=` (the last one splits). */
export function parseRoleMapping(s: string): RoleMapping {
  const i = s.lastIndexOf('=');
  const group = i > 0 ? s.slice(0, i) : '';
  const role = i > 0 ? s.slice(i + 1).trim() : '';
  if (!group.trim() || !role) throw bad('--oidc-role', `expected GROUP=ROLE (e.g. platform-security=security), got ${JSON.stringify(s).slice(0, 120)}`);
  if (role === 'ci') throw bad('--oidc-role', `${group}=ci: the ci role is for pipelines (tokens scoped to pipelines), not people; map people to ${PERSON_ROLES.join(', ')}`);
  if (!(PERSON_ROLES as readonly string[]).includes(role)) throw bad('--oidc-role', `${JSON.stringify(role).slice(0, 40)}: expected one of ${PERSON_ROLES.join(', ')}`);
  return { group, role: role as Role };
}

/** `s` as a URL that is https (http only on localhost), with no query, fragment or credentials. */
function secureUrl(flag: string, s: string): URL {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw bad(flag, `not a URL: ${JSON.stringify(s).slice(0, 120)}`);
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopback(u))) throw bad(flag, 'must be https:// (http:// only on localhost)');
  if (u.search || u.hash || u.username || u.password) throw bad(flag, 'must have no query, fragment or credentials');
  return u;
}

/** The callback URL: `--oidc-redirect-url` is either the server's external base URL or the full callback URL. */
export function callbackUrl(s: string): string {
  const u = secureUrl('--oidc-redirect-url', s);
  const path = u.pathname.replace(/\/+$/, '');
  if (path === '') u.pathname = CALLBACK_PATH;
  else if (path !== CALLBACK_PATH) throw bad('--oidc-redirect-url', `expected the server's external URL (https://portcullis.example.com) or its callback (…${CALLBACK_PATH}), got path ${u.pathname}`);
  return u.toString().replace(/\/$/, '');
}

export function issuerUrl(s: string): string {
  secureUrl('--oidc-issuer', s);
  // the issuer identifier is compared exactly with the ID token's iss: keep it as given, less a trailing slash
  return s.replace(/\/+$/, '');
}

export interface OidcFlags {
  oidcIssuer?: unknown;
  oidcClientId?: unknown;
  oidcRedirectUrl?: unknown;
  oidcScopes?: unknown;
  oidcGroupsClaim?: unknown;
  oidcRole?: unknown;
  oidcSessionHours?: unknown;
}

/** The settings from the server's flags (undefined when --oidc-issuer is not given); the client secret comes from the environment only. */
export function oidcConfigFrom(opts: OidcFlags, env: NodeJS.ProcessEnv): OidcConfig | undefined {
  const others = ['oidcClientId', 'oidcRedirectUrl', 'oidcRole'] as const;
  if (opts.oidcIssuer === undefined || opts.oidcIssuer === '') {
    const given = others.find((k) => opts[k] !== undefined && !(Array.isArray(opts[k]) && (opts[k] as unknown[]).length === 0));
    if (given) throw bad(`--${given.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, 'needs --oidc-issuer');
    return undefined;
  }
  const issuer = issuerUrl(String(opts.oidcIssuer));
  if (opts.oidcClientId === undefined || String(opts.oidcClientId).trim() === '') throw bad('--oidc-client-id', 'required with --oidc-issuer');
  if (opts.oidcRedirectUrl === undefined) throw bad('--oidc-redirect-url', "required with --oidc-issuer: the server's external URL, e.g. https://portcullis.example.com");
  const roleFlags = Array.isArray(opts.oidcRole) ? (opts.oidcRole as unknown[]).map(String) : opts.oidcRole !== undefined ? [String(opts.oidcRole)] : [];
  if (roleFlags.length === 0) throw bad('--oidc-role', 'at least one GROUP=ROLE is required with --oidc-issuer (nobody gets a role by default)');
  const scopes = String(opts.oidcScopes ?? DEFAULT_SCOPES.join(' ')).split(/[\s,]+/).filter(Boolean);
  if (!scopes.includes('openid')) throw bad('--oidc-scopes', 'must include openid');
  if (scopes.some((s) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s))) throw bad('--oidc-scopes', 'a scope has characters OAuth does not allow');
  const groupsClaim = String(opts.oidcGroupsClaim ?? DEFAULT_GROUPS_CLAIM);
  if (!/^[A-Za-z0-9_:/.-]{1,200}$/.test(groupsClaim)) throw bad('--oidc-groups-claim', `expected a claim name or dotted path, got ${JSON.stringify(groupsClaim).slice(0, 80)}`);
  const hours = Number(opts.oidcSessionHours ?? DEFAULT_SESSION_HOURS);
  if (!Number.isInteger(hours) || hours < 1 || hours > 24) throw bad('--oidc-session-hours', `expected 1 to 24, got ${String(opts.oidcSessionHours)}`);
  const secret = env.PORTCULLIS_OIDC_CLIENT_SECRET;
  return {
    issuer,
    clientId: String(opts.oidcClientId).trim(),
    ...(secret ? { clientSecret: secret } : {}),
    redirectUrl: callbackUrl(String(opts.oidcRedirectUrl)),
    scopes,
    groupsClaim,
    roles: roleFlags.map(parseRoleMapping),
    sessionHours: hours,
  };
}

/** The groups in the claim (a list of strings, or one string); a dotted name is looked up as a path when no claim has that exact name. */
export function groupsOf(claims: Record<string, unknown>, claim: string): string[] {
  let v: unknown = claims[claim];
  if (v === undefined && claim.includes('.')) {
    v = claim.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>)[k] : undefined), claims);
  }
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((g): g is string => typeof g === 'string');
  return [];
}

/** The highest role any of the groups maps to, with the groups that gave it; undefined when none maps. */
export function roleFor(groups: readonly string[], roles: readonly RoleMapping[]): { role: Role; groups: string[] } | undefined {
  for (const role of PERSON_ROLES) {
    const matched = roles.filter((m) => m.role === role && groups.includes(m.group)).map((m) => m.group);
    if (matched.length) return { role, groups: matched };
  }
  return undefined;
}
