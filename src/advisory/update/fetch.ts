// HTTP downloads with timeouts (AbortSignal.timeout), retries with exponential backoff, and
// streaming to a file while hashing.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { PortcullisError } from '../../core/errors.js';

export interface FetchOptions {
  timeoutMs: number;
  retries: number;
  /** first backoff delay; doubles each retry */
  backoffMs: number;
  maxBytes: number;
  log?: (m: string) => void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    url: string,
  ) {
    super(`HTTP ${status} for ${url}`);
  }
}

function retryable(e: unknown): boolean {
  if (e instanceof HttpError) return e.status >= 500 || e.status === 408 || e.status === 429;
  if (e instanceof PortcullisError) return false;
  return true; // network errors, timeouts, truncated bodies
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function withRetries<T>(what: string, opts: FetchOptions, f: () => Promise<T>): Promise<T> {
  let last: unknown;
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    try {
      return await f();
    } catch (e) {
      last = e;
      if (!retryable(e) || attempt === opts.retries) break;
      const delay = opts.backoffMs * 2 ** attempt;
      opts.log?.(`${what}: ${(e as Error).message}; retrying in ${delay} ms`);
      await sleep(delay);
    }
  }
  if (last instanceof HttpError && last.status >= 400 && last.status < 500) {
    throw new PortcullisError('NOT_FOUND', `${what}: ${last.message}`, { cause: last, subject: what });
  }
  if (last instanceof PortcullisError) throw last;
  throw new PortcullisError('NETWORK', `${what}: ${(last as Error)?.message ?? 'failed'} (after ${opts.retries + 1} attempts)`, { cause: last, subject: what });
}

/** GET a small text resource (a .sha256 file); undefined on 404. */
export async function fetchText(url: string, opts: FetchOptions): Promise<string | undefined> {
  try {
    return await withRetries(url, opts, async () => {
      const res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs), redirect: 'follow' });
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        throw new HttpError(res.status, url);
      }
      const text = await res.text();
      if (text.length > 64 * 1024) throw new Error(`${url}: response too large`);
      return text;
    });
  } catch (e) {
    // an absent optional file: 404, or 403 as object stores answer for missing keys
    if (e instanceof PortcullisError && e.cause instanceof HttpError && e.cause.status >= 400 && e.cause.status < 500 && e.cause.status !== 408 && e.cause.status !== 429) {
      return undefined;
    }
    throw e;
  }
}

/**
 * Streams `url` into `dest` (overwritten), returning its sha256 hex and size. `timeoutMs` is an idle
 * timeout: the request fails when no headers or no body bytes arrive for that long, so a large
 * download on a slow but live connection is not cut off.
 */
export async function downloadTo(url: string, dest: string, opts: FetchOptions): Promise<{ sha256: string; bytes: number }> {
  return withRetries(url, opts, async () => {
    const ac = new AbortController();
    let timer = setTimeout(() => ac.abort(new Error(`no data for ${opts.timeoutMs} ms`)), opts.timeoutMs);
    const poke = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => ac.abort(new Error(`no data for ${opts.timeoutMs} ms`)), opts.timeoutMs);
    };
    try {
      const res = await fetch(url, { signal: ac.signal, redirect: 'follow' });
      if (!res.ok || !res.body) {
        await res.body?.cancel().catch(() => undefined);
        throw new HttpError(res.status, url);
      }
      poke();
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (declared > opts.maxBytes) throw new PortcullisError('LIMIT_EXCEEDED', `${url}: ${declared} bytes exceeds the ${opts.maxBytes}-byte limit`);
      const hash = createHash('sha256');
      let bytes = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          poke();
          bytes += chunk.length;
          if (bytes > opts.maxBytes) return cb(new PortcullisError('LIMIT_EXCEEDED', `${url}: more than ${opts.maxBytes} bytes`));
          hash.update(chunk);
          cb(null, chunk);
        },
      });
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), meter, createWriteStream(dest));
      if (Number.isFinite(declared) && declared !== bytes) throw new Error(`${url}: truncated, got ${bytes} of ${declared} bytes`);
      return { sha256: hash.digest('hex'), bytes };
    } catch (e) {
      if (ac.signal.aborted && !(e instanceof PortcullisError)) throw new Error(`${url}: ${(ac.signal.reason as Error)?.message ?? 'aborted'}`, { cause: e });
      throw e;
    } finally {
      clearTimeout(timer);
    }
  });
}

/** First 64-hex token of a `sha256sum`-style file. */
export function parseSha256File(text: string): string | undefined {
  const m = /\b([0-9a-fA-F]{64})\b/.exec(text);
  return m ? (m[1] as string).toLowerCase() : undefined;
}
