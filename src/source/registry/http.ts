// One HTTP exchange over node:http/https (not fetch: we need our own CA list, manual redirects and a
// socket idle timeout). The caller decides about retries, redirects and credentials (client.ts).
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { PortcullisError } from '../../core/errors.js';

export interface HttpResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: IncomingMessage;
  url: URL;
}

export interface HttpRequest {
  method?: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH';
  headers?: Record<string, string>;
  body?: Buffer;
  /** no response headers or body bytes for this long fails the request */
  idleTimeoutMs: number;
  ca?: string[];
  signal?: AbortSignal;
}

/** A transport-level failure (connection refused, reset, TLS, idle timeout): retryable. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly tls = false,
  ) {
    super(message);
  }
}

const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem', '/etc/ssl/ca-bundle.pem'];

let systemCas: string[] | undefined;

/** Node's bundled roots plus the system bundle ($SSL_CERT_FILE or the distribution's file). */
export function systemCaList(env: NodeJS.ProcessEnv = process.env): string[] {
  if (systemCas) return systemCas;
  const out = [...rootCertificates];
  for (const f of [env.SSL_CERT_FILE, ...SYSTEM_BUNDLES]) {
    if (!f) continue;
    try {
      out.push(readFileSync(f, 'utf8'));
      break;
    } catch {
      // not on this system
    }
  }
  systemCas = out;
  return out;
}

/**
 * One TLS context and one keep-alive agent per CA list (by identity: a client keeps its list). Passing
 * `ca` on each request made Node parse every certificate of it again for each TLS connection (~40 ms for
 * the ~290 roots) and build the agent's pool key by joining them (~4 ms a request); a connection is
 * reused only by requests trusting the same list.
 */
const tlsByCa = new WeakMap<string[], { context: SecureContext; agent: https.Agent }>();

function tlsFor(ca: string[]): { context: SecureContext; agent: https.Agent } {
  let t = tlsByCa.get(ca);
  if (!t) {
    t = { context: createSecureContext({ ca }), agent: new https.Agent({ keepAlive: true }) };
    tlsByCa.set(ca, t);
  }
  return t;
}

/** Read a PEM file given with --ca-cert (one line error when it is not one). */
export function loadCaFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new PortcullisError('BAD_INPUT', `--ca-cert ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  if (!/-----BEGIN CERTIFICATE-----/.test(text)) throw new PortcullisError('BAD_INPUT', `--ca-cert ${path}: not a PEM certificate file`);
  return text;
}

function tlsOptions(ca: string[]): { secureContext: SecureContext; agent: https.Agent } {
  const t = tlsFor(ca);
  return { secureContext: t.context, agent: t.agent };
}

const TLS_CODES = /^(ERR_SSL|EPROTO|CERT_|UNABLE_TO|SELF_SIGNED|DEPTH_ZERO|ERR_TLS|HOSTNAME_MISMATCH)/;

export function request(url: URL, req: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { 'User-Agent': 'portcullis', ...req.headers };
    if (req.body) headers['Content-Length'] = String(req.body.length);
    const r = mod.request(
      url,
      {
        method: req.method ?? 'GET',
        headers,
        timeout: req.idleTimeoutMs,
        ...(url.protocol === 'https:' ? tlsOptions(req.ca ?? systemCaList()) : {}),
        ...(req.signal ? { signal: req.signal } : {}),
      },
      (res) => {
        // the idle timeout keeps running on the socket while the body streams
        const sock = res.socket;
        const onIdle = (): void => {
          res.destroy(new TransportError(`${url.host}: no data for ${req.idleTimeoutMs} ms`));
        };
        sock.setTimeout(req.idleTimeoutMs);
        sock.on('timeout', onIdle);
        res.once('close', () => sock.off('timeout', onIdle));
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url });
      },
    );
    r.on('timeout', () => r.destroy(new TransportError(`${url.host}: no response for ${req.idleTimeoutMs} ms`)));
    r.on('error', (e: NodeJS.ErrnoException) => {
      if (e instanceof TransportError) return reject(e);
      if (e.name === 'AbortError') return reject(new PortcullisError('INTERNAL', `${url.host}: aborted`, { cause: e }));
      const tls = TLS_CODES.test(e.code ?? '') || /certificate|SSL|TLS|wrong version number/i.test(e.message);
      reject(new TransportError(`${url.host}: ${e.code ?? ''}${e.code ? ' ' : ''}${e.message}`.replace(/\s+/g, ' '), tls));
    });
    r.end(req.body);
  });
}

/** Read a whole body, refusing more than `max` bytes. */
export async function readBody(res: HttpResponse, max: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers['content-length'] ?? NaN);
  if (declared > max) {
    res.body.destroy();
    throw new PortcullisError('LIMIT_EXCEEDED', `${what}: ${declared} bytes, more than the ${max} allowed`);
  }
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of res.body as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > max) {
        res.body.destroy();
        throw new PortcullisError('LIMIT_EXCEEDED', `${what}: more than the ${max} bytes allowed`);
      }
      chunks.push(c);
    }
  } catch (e) {
    if (e instanceof PortcullisError) throw e;
    throw e instanceof TransportError ? e : new TransportError(`${what}: ${(e as Error).message}`);
  }
  if (Number.isFinite(declared) && declared !== n) throw new TransportError(`${what}: body cut short (${n} of ${declared} bytes)`);
  return Buffer.concat(chunks);
}

/** Drain and discard a body we do not need (keeps sockets reusable, never throws). */
export function discard(res: HttpResponse): void {
  res.body.resume();
  res.body.on('error', () => undefined);
}

/** Retry-After as milliseconds (delta-seconds or an HTTP date), capped; undefined when absent/invalid. */
export function retryAfterMs(v: string | string[] | undefined, now: number, capMs: number): number | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return undefined;
  if (/^\d+$/.test(s.trim())) return Math.min(Number(s.trim()) * 1000, capMs);
  const t = Date.parse(s);
  if (Number.isNaN(t)) return undefined;
  return Math.min(Math.max(0, t - now), capMs);
}
