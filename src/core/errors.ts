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
