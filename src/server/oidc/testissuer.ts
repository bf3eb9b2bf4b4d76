// A small OpenID Connect issuer for tests, on node:http at 127.0.0.1 and a free port: discovery, a
// JWKS with an RSA and an EC key (node:crypto), /authorize that sends the browser straight back with a
// code for the configured user (no login page), and /token that checks the client (secret by
// client_secret_basic, or none for a public client), the redirect URI, the PKCE verifier (S256) and
// that the code is used once, then returns an ID token signed by the chosen key. Tests can replace the
// ID token (`mint`) to forge one, or stop the issuer to play it being down.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';

export interface TestUser {
  sub: string;
  email?: string;
  email_verified?: boolean;
  groups?: unknown;
  [claim: string]: unknown;
}

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  publicJwk: Record<string, unknown>;
}

export interface TestIssuer {
  url: string;
  clientId: string;
  clientSecret?: string;
  rsa: SigningKey;
  ec: SigningKey;
  /** which key signs ID tokens (default rsa) */
  signWith: 'rsa' | 'ec';
  /** the person /authorize logs in */
  user: TestUser;
  /** replace or alter the ID token /token returns: given the claims it would sign and a signer */
  mint?: (claims: Record<string, unknown>, signJwt: (header: Record<string, unknown>, claims: Record<string, unknown>, key?: SigningKey) => string) => string;
  /** the JWKS it publishes (default: both public keys) */
  jwks?: () => Record<string, unknown>[];
  /** requests seen, by path (for the JWKS cache tests) */
  hits: Record<string, number>;
  /** the last /authorize query (to check PKCE and scope) */
  lastAuthorize?: URLSearchParams;
  /** the clock ID tokens are issued by (seconds) */
  now: () => number;
  close(): Promise<void>;
}

function key(alg: 'RS256' | 'ES256', kid: string): SigningKey {
  const { privateKey, publicKey } = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg, privateKey, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A compact JWS signed with `key` (RS256 or ES256 by the key), whatever the header says (for forgeries). */
export function signJwt(header: Record<string, unknown>, claims: Record<string, unknown>, k: SigningKey): string {
  const input = `${b64(header)}.${b64(claims)}`;
  const sig = k.alg === 'RS256' ? sign('sha256', Buffer.from(input), k.privateKey) : sign('sha256', Buffer.from(input), { key: k.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, v: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
}

export async function startTestIssuer(o: { clientId?: string; clientSecret?: string; user?: TestUser; now?: () => number } = {}): Promise<TestIssuer> {
  const codes = new Map<string, { clientId: string; redirectUri: string; challenge: string; nonce: string; used: boolean }>();
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const issuer: TestIssuer = {
    url,
    clientId: o.clientId ?? 'portcullis',
    ...(o.clientSecret !== undefined ? { clientSecret: o.clientSecret } : {}),
    rsa: key('RS256', 'rsa-1'),
    ec: key('ES256', 'ec-1'),
    signWith: 'rsa',
    user: o.user ?? { sub: 'u-alice', email: 'alice@example.com', email_verified: true, groups: ['platform-security'] },
    hits: {},
    now: o.now ?? (() => Math.floor(Date.now() / 1000)),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const u = new URL(req.url ?? '/', url);
      issuer.hits[u.pathname] = (issuer.hits[u.pathname] ?? 0) + 1;
      if (u.pathname === '/.well-known/openid-configuration') {
        return json(res, 200, {
          issuer: url,
          authorization_endpoint: `${url}/authorize`,
          token_endpoint: `${url}/token`,
          jwks_uri: `${url}/jwks`,
          response_types_supported: ['code'],
          id_token_signing_alg_values_supported: ['RS256', 'ES256'],
          code_challenge_methods_supported: ['S256'],
        });
      }
      if (u.pathname === '/jwks') return json(res, 200, { keys: issuer.jwks ? issuer.jwks() : [issuer.rsa.publicJwk, issuer.ec.publicJwk] });
      if (u.pathname === '/authorize') {
        const q = u.searchParams;
        issuer.lastAuthorize = q;
        const redirect = q.get('redirect_uri') ?? '';
        if (q.get('client_id') !== issuer.clientId || !redirect) return json(res, 400, { error: 'invalid_request' });
        if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) return json(res, 400, { error: 'invalid_request', error_description: 'PKCE S256 required' });
        const code = randomBytes(16).toString('hex');
        codes.set(code, { clientId: issuer.clientId, redirectUri: redirect, challenge: q.get('code_challenge')!, nonce: q.get('nonce') ?? '', used: false });
        const back = new URL(redirect);
        back.searchParams.set('code', code);
        back.searchParams.set('state', q.get('state') ?? '');
        res.writeHead(302, { location: back.toString() }).end();
        return;
      }
      if (u.pathname === '/token' && req.method === 'POST') {
        const form = new URLSearchParams(await body(req));
        if (issuer.clientSecret !== undefined) {
          const want = `Basic ${Buffer.from(`${issuer.clientId}:${issuer.clientSecret}`).toString('base64')}`;
          if (req.headers.authorization !== want) return json(res, 401, { error: 'invalid_client' });
        }
        const c = codes.get(form.get('code') ?? '');
        if (!c || c.used) return json(res, 400, { error: 'invalid_grant', error_description: 'unknown or used code' });
        c.used = true;
        if (form.get('client_id') !== c.clientId || form.get('redirect_uri') !== c.redirectUri) return json(res, 400, { error: 'invalid_grant', error_description: 'client or redirect mismatch' });
        const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
        if (challenge !== c.challenge) return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
        const now = issuer.now();
        const claims = { iss: url, aud: issuer.clientId, iat: now, exp: now + 300, nonce: c.nonce, ...issuer.user };
        const k = issuer.signWith === 'rsa' ? issuer.rsa : issuer.ec;
        const idToken = issuer.mint ? issuer.mint(claims, (h, cl, kk) => signJwt(h, cl, kk ?? k)) : signJwt({ alg: k.alg, kid: k.kid, typ: 'JWT' }, claims, k);
        return json(res, 200, { access_token: 'at-' + randomBytes(8).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: idToken });
      }
      json(res, 404, { error: 'not_found' });
    })().catch(() => {
      if (!res.headersSent) json(res, 500, { error: 'server_error' });
    });
  });
  return issuer;
}
