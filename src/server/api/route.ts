// The route table's types: every API route declares its roles and JSON schemas, from which the
// authorisation hook, the request validation and the OpenAPI document are all derived.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.js';
import { anyGlobMatch } from '../../core/glob.js';
import type { Store } from '../store/db.js';
import type { Actor } from '../store/objects.js';
import type { Role, TokenInfo } from '../store/tokens.js';
import type { Metrics } from '../ops.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type JsonSchema = Record<string, unknown>;

export interface Ctx {
  store: Store;
  clock: Clock;
  metrics: Metrics;
  /** the in-process job runner (SQLite, or a server that also works the queue): woken when jobs are queued */
  jobs?: { kick(): void; rulesChanged?(): void };
}

export interface Call {
  token: TokenInfo;
  actor: Actor;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  body: unknown;
  now: Date;
  req: FastifyRequest;
  reply: FastifyReply;
}

export interface Route {
  method: Method;
  url: string;
  summary: string;
  tag: string;
  roles: readonly Role[];
  params?: JsonSchema;
  query?: JsonSchema;
  body?: JsonSchema;
  /** status of a success (default 200) */
  status?: number;
  handler(ctx: Ctx, call: Call): Promise<unknown>;
}

/** An error with an HTTP status and a one-line message (no internals). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const ALL_ROLES: readonly Role[] = ['admin', 'security', 'ci', 'viewer'];
export const EDITORS: readonly Role[] = ['admin', 'security'];
export const READERS: readonly Role[] = ['admin', 'security', 'viewer'];

/** A token scoped to pipelines may act only on those (anchored globs); an unscoped token on all. */
export function mayUsePipeline(token: TokenInfo, pipeline: string): boolean {
  return token.pipelines.length === 0 || anyGlobMatch(token.pipelines, pipeline);
}

export function requirePipeline(token: TokenInfo, pipeline: string): void {
  if (!mayUsePipeline(token, pipeline)) throw new HttpError(403, `this token is not scoped to pipeline ${pipeline}`);
}

export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';
export const nameParam = (key = 'name'): JsonSchema => ({
  type: 'object',
  required: [key],
  additionalProperties: false,
  properties: { [key]: { type: 'string', pattern: NAME_PATTERN } },
});

export function notFound(what: string): HttpError {
  return new HttpError(404, `${what} not found`);
}
