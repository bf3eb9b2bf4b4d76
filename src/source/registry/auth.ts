// WWW-Authenticate challenges (RFC 7235) as registries send them: `Basic realm="..."` and
// `Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"`.
// https://distribution.github.io/distribution/spec/auth/token/

export interface Challenge {
  scheme: string; // lower case: basic | bearer | ...
  params: Record<string, string>;
}

/** Parse one WWW-Authenticate header value (several challenges may be comma-joined). */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  const out: Challenge[] = [];
  for (const v of values) {
    let i = 0;
    let cur: Challenge | undefined;
    while (i < v.length) {
      while (i < v.length && /[\s,]/.test(v[i]!)) i++;
      const tok = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+/.exec(v.slice(i));
      if (!tok) break;
      i += tok[0].length;
      let j = i;
      while (j < v.length && v[j] === ' ') j++;
      if (v[j] === '=') {
        // auth-param of the current challenge
        j++;
        while (j < v.length && v[j] === ' ') j++;
        let value = '';
        if (v[j] === '"') {
          j++;
          while (j < v.length && v[j] !== '"') {
            if (v[j] === '\\' && j + 1 < v.length) j++;
            value += v[j];
            j++;
          }
          j++;
        } else {
          const m = /^[^,\s]*/.exec(v.slice(j))!;
          value = m[0];
          j += m[0].length;
        }
        if (cur) cur.params[tok[0].toLowerCase()] = value;
        i = j;
      } else {
        cur = { scheme: tok[0].toLowerCase(), params: {} };
        out.push(cur);
      }
    }
  }
  return out;
}

export type Credential = { username: string; password: string } | { identityToken: string; username?: string };

export function basicHeader(c: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

/** Scope for a repository pull (and push when asked). */
export function repoScope(repo: string, push = false): string {
  return `repository:${repo}:${push ? 'pull,push' : 'pull'}`;
}

/** Token endpoint URL for a bearer challenge. */
export function tokenUrl(ch: Challenge, scope: string): URL | undefined {
  const realm = ch.params.realm;
  if (!realm) return undefined;
  let u: URL;
  try {
    u = new URL(realm);
  } catch {
    return undefined;
  }
  if (ch.params.service) u.searchParams.set('service', ch.params.service);
  u.searchParams.set('scope', scope);
  return u;
}

/** The token from a token endpoint response (`token` or `access_token`). */
export function tokenFrom(json: unknown): string | undefined {
  const o = json as { token?: unknown; access_token?: unknown } | null;
  if (!o || typeof o !== 'object') return undefined;
  const t = typeof o.token === 'string' && o.token ? o.token : typeof o.access_token === 'string' ? o.access_token : undefined;
  return t && t.length < 64 * 1024 ? t : undefined;
}
