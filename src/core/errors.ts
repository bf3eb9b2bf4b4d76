// Whole-run failures carry a code and a message a user can act on. Per-file problems are not errors.

export type ErrorCode =
  | 'BAD_INPUT'
  | 'IMAGE_UNREADABLE'
  | 'DIGEST_MISMATCH'
  | 'LIMIT_EXCEEDED'
  | 'UNSAFE_PATH'
  | 'NOT_FOUND'
  | 'DB_MISSING'
  | 'DB_INVALID'
  | 'DB_LOCKED'
  | 'POLICY_INVALID'
  | 'NO_POLICY'
  | 'NETWORK'
  | 'INTERNAL';

export class PortcullisError extends Error {
  readonly code: ErrorCode;
  /** the file, layer or record the problem is about, when there is one */
  readonly subject?: string;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; subject?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PortcullisError';
    this.code = code;
    this.subject = options.subject;
  }
}

export function isPortcullisError(e: unknown): e is PortcullisError {
  return e instanceof PortcullisError;
}

/** A one-line description of any thrown value, for stderr. */
export function describeError(e: unknown): string {
  if (e instanceof PortcullisError) return e.message;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

/** Map low-level stream errors (zlib, zstd, fs, aborts) to a one-line PortcullisError naming `what`: used by
 * source/ (archives) and walker/ (layers), so it lives here, below both. */
export function asReadError(err: unknown, what: string): PortcullisError {
  if (err instanceof PortcullisError) return err;
  const e = err as NodeJS.ErrnoException;
  const msg = e?.message ?? String(err);
  if (e?.code === 'ABORT_ERR' || e?.name === 'AbortError') return new PortcullisError('INTERNAL', `${what}: aborted`, { cause: err, subject: what });
  if (e?.code === 'ENOENT') return new PortcullisError('NOT_FOUND', `${what}: file not found`, { cause: err, subject: what });
  if (typeof e?.code === 'string' && e.code.startsWith('Z_')) {
    return new PortcullisError('IMAGE_UNREADABLE', `${what}: compressed data is corrupt or truncated (${msg})`, { cause: err, subject: what });
  }
  if (/zstd/.test(msg)) return new PortcullisError('IMAGE_UNREADABLE', `${what}: zstd data is corrupt or truncated (${msg})`, { cause: err, subject: what });
  if (e?.code === 'ERR_STREAM_PREMATURE_CLOSE') {
    return new PortcullisError('IMAGE_UNREADABLE', `${what}: stream closed early (truncated?)`, { cause: err, subject: what });
  }
  return new PortcullisError('IMAGE_UNREADABLE', `${what}: ${msg}`, { cause: err, subject: what });
}
