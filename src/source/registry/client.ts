// OCI Distribution API client: authentication (anonymous, basic, bearer token), retries with backoff
// honouring Retry-After, redirects without credentials to other hosts, HTTPS with system CAs plus
// --ca-cert, plain HTTP only for loopback or --insecure-registry hosts, mirrors tried in order.
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md
import { PortcullisError } from '../../core/errors.js';
import { basicHeader, parseChallenges, repoScope, tokenFrom, tokenUrl, type Challenge, type Credential } from './auth.js';
import type { CredentialLookup } from './credentials.js';
import { discard, readBody, request, retryAfterMs, systemCaList, TransportError, type HttpResponse } from './http.js';

export interface ClientOptions {
  /** hosts where plain HTTP (and, failing HTTPS, no TLS verification) is allowed besides loopback */
  insecure?: string[];
  /** extra CA certificates (PEM text), added to the system ones */
  caCerts?: string[];
  credentials?: CredentialLookup;
  /** mirrors (host[:port] or http(s)://host[:port]) tried in order before the registry itself */
  mirrors?: string[];
  retries?: number;
  backoffMs?: number;
  maxRetryAfterMs?: number;
  idleTimeoutMs?: number;
  log?: (m: string) => void;
  signal?: AbortSignal;
}

export interface SendOptions {
  method?: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH';
  headers?: Record<string, string>;
  body?: Buffer;
  push?: boolean;
  /** statuses returned to the caller instead of being turned into errors */
  accept?: number[];
}

/** Bytes received from registries in this process (for benchmarks and --debug). */
export const transferStats = { bytes: 0, requests: 0 };

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new PortcullisError('INTERNAL', 'aborted'));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new PortcullisError('INTERNAL', 'aborted'));
    }, { once: true });
  });

export function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** docker.io is served by registry-1.docker.io. */
export function apiHost(host: string): string {
  return host === 'docker.io' || host === 'index.docker.io' ? 'registry-1.docker.io' : host;
}

interface Endpoint {
  host: string; // host[:port] as used in URLs and credential lookups
  scheme?: 'https' | 'http';
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class RegistryClient {
  private readonly endpoints: Endpoint[];
  private readonly auth = new Map<string, string>(); // `${host} ${scope}` → Authorization header
  private readonly challenges = new Map<string, Challenge>();
  private readonly ca: string[];
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly idleTimeoutMs: number;
  private readonly insecure: Set<string>;

  constructor(
    readonly registry: string,
    private readonly opts: ClientOptions = {},
  ) {
    this.insecure = new Set((opts.insecure ?? []).map((h) => h.toLowerCase()));
    this.ca = opts.caCerts && opts.caCerts.length > 0 ? [...systemCaList(), ...opts.caCerts] : systemCaList();
    this.retries = opts.retries ?? 4;
    this.backoffMs = opts.backoffMs ?? 500;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 60_000;
    this.endpoints = [...(opts.mirrors ?? []).map((m) => this.endpointOf(m)), { host: apiHost(registry.toLowerCase()) }];
  }

  private endpointOf(m: string): Endpoint {
    const u = /^https?:\/\//i.test(m) ? new URL(m) : new URL(`https://${m}`);
    const e: Endpoint = { host: u.host.toLowerCase() };
    if (/^http:/i.test(m)) {
      if (!this.plainAllowed(e.host)) throw new PortcullisError('BAD_INPUT', `--registry-mirror ${m}: plain HTTP only for loopback or --insecure-registry hosts`);
      e.scheme = 'http';
    }
    return e;
  }

  plainAllowed(host: string): boolean {
    const h = host.toLowerCase();
    return isLoopback(h) || this.insecure.has(h) || this.insecure.has(h.replace(/:\d+$/, ''));
  }

  private log(m: string): void {
    this.opts.log?.(m);
  }

  /**
   * One request to `path` (`/v2/...`) on the first endpoint that answers, with auth, retries and
   * redirects. Returns a 2xx response (or one whose status is in `accept`) with its body unread.
   */
  async send(repo: string, path: string, o: SendOptions = {}): Promise<HttpResponse> {
    let last: unknown;
    for (const [i, ep] of this.endpoints.entries()) {
      try {
        return await this.sendTo(ep, repo, path, o);
      } catch (e) {
        last = e;
        if (i < this.endpoints.length - 1) this.log(`${ep.host}: ${(e as Error).message}; trying ${this.endpoints[i + 1]!.host}`);
      }
    }
    throw last;
  }

  private async sendTo(ep: Endpoint, repo: string, path: string, o: SendOptions): Promise<HttpResponse> {
    const what = `${ep.host}/${repo}`;
    let lastErr: unknown;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      let waitMs = this.backoffMs * 2 ** attempt;
      try {
        const res = await this.exchange(ep, repo, path, o);
        if (res.status >= 200 && res.status < 300) return res;
        if (o.accept?.includes(res.status)) return res;
        const text = await readBody(res, 64 * 1024, what).catch(() => Buffer.alloc(0));
        if (res.status === 429 || res.status === 408 || res.status >= 500) {
          waitMs = retryAfterMs(res.headers['retry-after'], Date.now(), this.opts.maxRetryAfterMs ?? 60_000) ?? waitMs;
          throw new HttpStatusError(res.status, `HTTP ${res.status}${registryErrors(text)}`);
        }
        throw statusError(res.status, text, what, path);
      } catch (e) {
        lastErr = e;
        const retryable = e instanceof TransportError || e instanceof HttpStatusError;
        if (!retryable || attempt === this.retries) break;
        this.log(`${what}: ${(e as Error).message}; retrying in ${waitMs} ms`);
        await sleep(waitMs, this.opts.signal);
      }
    }
    if (lastErr instanceof PortcullisError) throw lastErr;
    throw new PortcullisError('NETWORK', `${what}: ${(lastErr as Error).message} (after ${this.retries + 1} attempts)`, { cause: lastErr, subject: what });
  }

  /** Scheme for an endpoint: https, falling back to http only where plain HTTP is allowed. */
  private async url(ep: Endpoint, path: string): Promise<URL> {
    return new URL(`${ep.scheme ?? 'https'}://${ep.host}${path}`);
  }

  private async raw(url: URL, o: SendOptions, authz: string | undefined): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...o.headers };
    if (authz) headers.Authorization = authz;
    transferStats.requests++;
    return request(url, {
      method: o.method ?? 'GET',
      headers,
      ...(o.body ? { body: o.body } : {}),
      idleTimeoutMs: this.idleTimeoutMs,
      ca: this.ca,
      ...(this.opts.signal ? { signal: this.opts.signal } : {}),
    });
  }

  /** Request + redirects (credentials only ever go to the endpoint's own host) + one auth round. */
  private async exchange(ep: Endpoint, repo: string, path: string, o: SendOptions): Promise<HttpResponse> {
    const scope = repoScope(repo, o.push);
    let url = await this.url(ep, path);
    let res: HttpResponse;
    try {
      res = await this.raw(url, o, this.auth.get(`${ep.host} ${scope}`));
    } catch (e) {
      if (e instanceof TransportError && e.tls && ep.scheme === undefined && this.plainAllowed(ep.host)) {
        this.log(`${ep.host}: no HTTPS there; using plain HTTP (loopback or --insecure-registry)`);
        ep.scheme = 'http';
        url = await this.url(ep, path);
        res = await this.raw(url, o, this.auth.get(`${ep.host} ${scope}`));
      } else throw e;
    }
    if (ep.scheme === undefined) ep.scheme = url.protocol === 'https:' ? 'https' : 'http';
    if (res.status === 401) {
      const ch = parseChallenges(res.headers['www-authenticate']);
      discard(res);
      const header = await this.authorize(ep, repo, scope, ch);
      res = await this.raw(url, o, header);
      if (res.status === 401) {
        discard(res);
        throw new PortcullisError('BAD_INPUT', `${ep.host}/${repo}: authentication failed (${header ? 'credentials were refused' : 'the registry needs credentials: docker login, --username with --password-stdin, or PORTCULLIS_REGISTRY_USERNAME/PASSWORD'})`);
      }
    }
    for (let hops = 0; res.status >= 300 && res.status < 400 && res.headers.location; hops++) {
      if (hops >= 5) throw new PortcullisError('NETWORK', `${ep.host}/${repo}: too many redirects`);
      discard(res);
      const next = new URL(res.headers.location, url);
      if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new PortcullisError('NETWORK', `${ep.host}/${repo}: redirect to a ${next.protocol} URL refused`);
      if (next.protocol === 'http:' && url.protocol === 'https:' && !this.plainAllowed(next.host)) {
        throw new PortcullisError('NETWORK', `${ep.host}/${repo}: redirect from HTTPS to plain HTTP (${next.host}) refused`);
      }
      // blob redirects to storage are normal: follow them, but never with our credentials
      const same = next.host.toLowerCase() === ep.host && next.protocol === url.protocol;
      url = next;
      const method = res.status === 303 ? 'GET' : o.method;
      res = await this.raw(url, { ...o, method }, same ? this.auth.get(`${ep.host} ${scope}`) : undefined);
    }
    return res;
  }

  /** Turns a challenge into an Authorization header (cached per host and scope). */
  private async authorize(ep: Endpoint, repo: string, scope: string, chs: Challenge[]): Promise<string | undefined> {
    const cred = await this.opts.credentials?.(ep.host === 'registry-1.docker.io' ? 'docker.io' : ep.host);
    const bearer = chs.find((c) => c.scheme === 'bearer');
    const basic = chs.find((c) => c.scheme === 'basic');
    let header: string | undefined;
    if (bearer) {
      header = `Bearer ${await this.token(ep, bearer, scope, cred)}`;
      this.challenges.set(ep.host, bearer);
    } else if (basic) {
      if (!cred || !('password' in cred)) {
        throw new PortcullisError('BAD_INPUT', `${ep.host}/${repo}: the registry needs a username and password (docker login, --username with --password-stdin, or PORTCULLIS_REGISTRY_USERNAME/PASSWORD)`);
      }
      header = basicHeader(cred);
    } else {
      throw new PortcullisError('NETWORK', `${ep.host}/${repo}: HTTP 401 without a supported authentication challenge`);
    }
    this.auth.set(`${ep.host} ${scope}`, header);
    return header;
  }

  private async token(ep: Endpoint, ch: Challenge, scope: string, cred: Credential | undefined): Promise<string> {
    const u = tokenUrl(ch, scope);
    if (!u) throw new PortcullisError('NETWORK', `${ep.host}: bearer challenge without a valid realm`);
    if (u.protocol === 'http:' && !this.plainAllowed(u.host)) throw new PortcullisError('NETWORK', `${ep.host}: token realm ${u.host} is plain HTTP; refused (credentials would travel in clear)`);
    let res: HttpResponse;
    if (cred && 'identityToken' in cred) {
      // OAuth2 refresh token flow (docker login with an identity token)
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: cred.identityToken, client_id: 'portcullis', scope });
      if (ch.params.service) form.set('service', ch.params.service);
      const tu = new URL(u.origin + u.pathname);
      res = await this.raw(tu, { method: 'POST', body: Buffer.from(form.toString()), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }, undefined);
    } else {
      res = await this.raw(u, {}, cred && 'password' in cred ? basicHeader(cred) : undefined);
    }
    const body = await readBody(res, 256 * 1024, `${u.host} token`).catch((e: unknown) => {
      if (e instanceof PortcullisError) throw e;
      return Buffer.alloc(0);
    });
    if (res.status === 401 || res.status === 403) throw new PortcullisError('BAD_INPUT', `${ep.host}: authentication failed at the token service ${u.host} (wrong username or password?)`);
    if (res.status === 429 || res.status >= 500) throw new HttpStatusError(res.status, `token service ${u.host}: HTTP ${res.status}`);
    if (res.status < 200 || res.status >= 300) throw new PortcullisError('NETWORK', `${ep.host}: token service ${u.host} answered HTTP ${res.status}`);
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      json = undefined;
    }
    const t = tokenFrom(json);
    if (!t) throw new PortcullisError('NETWORK', `${ep.host}: token service ${u.host} returned no token`);
    return t;
  }
}

/** ` (CODE: message; ...)` from a registry's JSON error body, for messages. */
export function registryErrors(body: Buffer): string {
  try {
    const v = JSON.parse(body.toString('utf8')) as { errors?: { code?: unknown; message?: unknown }[] };
    const parts = (v.errors ?? []).slice(0, 3).map((e) => `${String(e.code ?? '')}${e.message ? `: ${String(e.message)}` : ''}`);
    return parts.length > 0 ? ` (${parts.join('; ').replace(/[\r\n]+/g, ' ').slice(0, 300)})` : '';
  } catch {
    return '';
  }
}

function statusError(status: number, body: Buffer, what: string, path: string): PortcullisError {
  const detail = registryErrors(body);
  const obj = path.replace(/^\/v2\/.*?\/(manifests|blobs)\//, '$1 ');
  if (status === 404) return new PortcullisError('NOT_FOUND', `${what}: ${obj.startsWith('manifests ') ? `${obj.slice(10)} not found` : `${obj} not found`}${detail}`, { subject: what });
  if (status === 403) return new PortcullisError('BAD_INPUT', `${what}: access denied (HTTP 403)${detail}`, { subject: what });
  return new PortcullisError('NETWORK', `${what}: HTTP ${status} for ${obj}${detail}`, { subject: what });
}
