// The identity provider as the server sees it: discovery (`/.well-known/openid-configuration`, its
// issuer must be ours exactly), the JWKS (cached; fetched again when a token names a kid we do not
// know, at most once a minute), and the authorization-code exchange (client_secret_basic when a secret
// is configured, PKCE always). Every failure is one line naming the URL and the problem; no secret,
// code or token is ever put in a message.
import { PortcullisError } from '../../core/errors.js';
import type { Clock } from '../../core/clock.js';
import type { OidcConfig } from './config.js';
import { decodeJws, headerAlgorithm, selectKey, verifyIdToken, type Expected, type IdTokenClaims, type Jwk } from './jwt.js';

export interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  code_challenge_methods_supported?: string[];
}

const MAX_BODY = 1024 * 1024;
const TIMEOUT_MS = 10_000;
const DISCOVERY_TTL_MS = 60 * 60_000;
const JWKS_TTL_MS = 60 * 60_000;
/** a token naming an unknown kid may make us fetch the JWKS again, but not more often than this */
export const JWKS_REFETCH_MS = 60_000;

const network = (what: string, why: string, cause?: unknown) => new PortcullisError('NETWORK', `identity provider: ${what}: ${why}`, cause === undefined ? {} : { cause });

/** The body, read no further than MAX_BODY bytes (a provider, or something in its place, cannot fill memory). */
async function readCapped(res: Response, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of res.body ?? []) {
      size += (c as Uint8Array).byteLength;
      if (size > MAX_BODY) {
        await res.body?.cancel().catch(() => undefined);
        throw network(what, `answer larger than ${MAX_BODY} bytes`);
      }
      chunks.push(Buffer.from(c as Uint8Array));
    }
  } catch (e) {
    if (e instanceof PortcullisError) throw e;
    throw network(what, `answer cut off (${(e as Error).message})`, e);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(url: string, what: string, init: RequestInit = {}): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    throw network(`${what} ${url}`, `unreachable (${(e as Error).message})`, e);
  }
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY) throw network(`${what} ${url}`, `answer larger than ${MAX_BODY} bytes`);
  const text = await readCapped(res, `${what} ${url}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    // OAuth errors are {error, error_description}: the error code is shown; the free-text description
    // is not (a provider may echo the code or client id in it)
    const e = json as { error?: unknown } | undefined;
    const detail = typeof e?.error === 'string' && /^[\x20-\x7e]{1,64}$/.test(e.error) ? `: ${e.error}` : '';
    throw network(`${what} ${url}`, `HTTP ${res.status}${detail}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw network(`${what} ${url}`, 'answer is not a JSON object');
  return json as Record<string, unknown>;
}

function endpoint(doc: Record<string, unknown>, key: string, issuer: string): string {
  const v = doc[key];
  if (typeof v !== 'string') throw network(`discovery of ${issuer}`, `no ${key}`);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw network(`discovery of ${issuer}`, `${key} is not a URL`);
  }
  const loopback = u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) throw network(`discovery of ${issuer}`, `${key} must be https://`);
  return v;
}

export class OidcProvider {
  private discovery?: { doc: Discovery; at: number };
  private jwks?: { keys: Jwk[]; at: number };
  private lastJwksFetch = -Infinity;

  constructor(
    readonly config: OidcConfig,
    private readonly clock: Clock,
  ) {}

  private now(): number {
    return this.clock.now().getTime();
  }

  async discover(): Promise<Discovery> {
    if (this.discovery && this.now() - this.discovery.at < DISCOVERY_TTL_MS) return this.discovery.doc;
    const url = `${this.config.issuer}/.well-known/openid-configuration`;
    const doc = await readJson(url, 'discovery');
    if (doc.issuer !== this.config.issuer) throw network(`discovery ${url}`, `issuer ${JSON.stringify(String(doc.issuer)).slice(0, 200)} is not ${this.config.issuer}`);
    const methods = doc.code_challenge_methods_supported;
    if (Array.isArray(methods) && !methods.includes('S256')) throw network(`discovery ${url}`, 'the provider does not support PKCE with S256');
    const d: Discovery = {
      issuer: this.config.issuer,
      authorization_endpoint: endpoint(doc, 'authorization_endpoint', this.config.issuer),
      token_endpoint: endpoint(doc, 'token_endpoint', this.config.issuer),
      jwks_uri: endpoint(doc, 'jwks_uri', this.config.issuer),
    };
    this.discovery = { doc: d, at: this.now() };
    return d;
  }

  private async fetchJwks(): Promise<Jwk[]> {
    const { jwks_uri } = await this.discover();
    this.lastJwksFetch = this.now();
    const doc = await readJson(jwks_uri, 'JWKS');
    if (!Array.isArray(doc.keys)) throw network(`JWKS ${jwks_uri}`, 'no keys array');
    const keys = doc.keys.filter((k): k is Jwk => typeof k === 'object' && k !== null && !Array.isArray(k));
    this.jwks = { keys, at: this.now() };
    return keys;
  }

  /** The keys to check this token with: cached, fetched when stale, fetched again (rate limited) when it names a key we do not have. */
  private async keysFor(header: Record<string, unknown>): Promise<Jwk[]> {
    let keys = this.jwks && this.now() - this.jwks.at < JWKS_TTL_MS ? this.jwks.keys : await this.fetchJwks();
    if (!selectKey(keys, header) && this.now() - this.lastJwksFetch >= JWKS_REFETCH_MS) keys = await this.fetchJwks();
    return keys;
  }

  /** Verify an ID token of this issuer (see jwt.ts). */
  async verify(idToken: string, want: Omit<Expected, 'issuer' | 'clientId'>): Promise<IdTokenClaims> {
    const { header } = decodeJws(idToken);
    headerAlgorithm(header);
    const keys = await this.keysFor(header);
    return verifyIdToken(idToken, keys, { ...want, issuer: this.config.issuer, clientId: this.config.clientId });
  }

  async authorizeUrl(p: { state: string; nonce: string; challenge: string }): Promise<string> {
    const d = await this.discover();
    const u = new URL(d.authorization_endpoint);
    const q = u.searchParams;
    q.set('response_type', 'code');
    q.set('client_id', this.config.clientId);
    q.set('redirect_uri', this.config.redirectUrl);
    q.set('scope', this.config.scopes.join(' '));
    q.set('state', p.state);
    q.set('nonce', p.nonce);
    q.set('code_challenge', p.challenge);
    q.set('code_challenge_method', 'S256');
    return u.toString();
  }

  /** Exchange the code for tokens; returns the ID token (unverified). */
  async exchange(code: string, verifier: string): Promise<string> {
    const d = await this.discover();
    const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: this.config.redirectUrl, code_verifier: verifier, client_id: this.config.clientId });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (this.config.clientSecret !== undefined) {
      // RFC 6749 2.3.1: both parts form-urlencoded before base64
      const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
      headers.authorization = `Basic ${Buffer.from(`${enc(this.config.clientId)}:${enc(this.config.clientSecret)}`).toString('base64')}`;
    }
    const res = await readJson(d.token_endpoint, 'token endpoint', { method: 'POST', headers, body: form.toString() });
    if (typeof res.id_token !== 'string') throw network(`token endpoint ${d.token_endpoint}`, 'no id_token in the answer (is the openid scope granted?)');
    return res.id_token;
  }
}
