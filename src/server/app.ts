// The assurance server: Fastify with the /api/v1 route table, token authentication and role checks
// on every route, per-token rate limits, body size limits, security headers, no CORS, JSON logs with
// request ids, /healthz, /readyz, /metrics, and the OpenAPI document.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.js';
import { PortcullisError } from '../core/errors.js';
import { ROUTES } from './api/routes.js';
import { HttpError, type Ctx, type Route } from './api/route.js';
import { openApiDocument } from './api/openapi.js';
import { ping, type Store } from './store/db.js';
import { actorName, verifyToken, type TokenInfo } from './store/tokens.js';
import { Metrics, RateLimiter, securityHeaders } from './ops.js';
import { defaultConsoleDir, registerConsole } from './console/serve.js';
import { CALLBACK_PATH, type OidcConfig } from './oidc/config.js';
import { registerOidc } from './oidc/routes.js';

export interface ServerOptions {
  store: Store;
  clock: Clock;
  /** JSON log lines go here (default: none) */
  log?: NodeJS.WritableStream;
  /** largest request body in bytes (default 16 MiB: a scan report of a big image) */
  bodyLimit?: number;
  /** requests per minute per token (default 1200; 0 = unlimited) */
  rateLimit?: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** the web console's built bundle (default: dist/server/console/assets); none: /console/ says how to build it */
  consoleDir?: string;
  /** continuous assurance in this process: told when jobs are queued and when rules change */
  jobs?: Ctx['jobs'];
  /** SSO login for people (OpenID Connect): groups mapped to roles, sessions in the token store */
  oidc?: OidcConfig;
}

export const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;
const RULES_ROUTE = /^\/api\/v1\/(policies|exceptions|documents|vex)(\/|$)/;
const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

declare module 'fastify' {
  interface FastifyRequest {
    token?: TokenInfo;
    startedAt?: bigint;
  }
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h.trim());
  return m?.[1];
}

/** The request as logged: no query string on the SSO callback (its code and state are single-use secrets). */
function logRequest(req: { method: string; url: string; ip?: string; id?: string }): Record<string, unknown> {
  const url = req.url.startsWith(CALLBACK_PATH) ? req.url.replace(/\?.*$/, '?(redacted)') : req.url;
  return { method: req.method, url, remoteAddress: req.ip };
}

function statusOf(e: unknown): { status: number; message: string } {
  if (e instanceof HttpError) return { status: e.status, message: e.message };
  if (e instanceof PortcullisError) {
    const status = e.code === 'NOT_FOUND' ? 404 : e.code === 'DB_LOCKED' ? 409 : e.code === 'BAD_INPUT' || e.code === 'POLICY_INVALID' ? 400 : 500;
    return { status, message: status === 500 ? 'internal error' : e.message };
  }
  const f = e as { statusCode?: number; code?: string; validation?: unknown; message?: string };
  if (f.validation) return { status: 400, message: `invalid request: ${f.message ?? ''}` };
  if (f.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, message: 'request body too large' };
  if (typeof f.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) return { status: f.statusCode, message: f.message ?? 'bad request' };
  return { status: 500, message: 'internal error' };
}

export interface Server {
  app: FastifyInstance;
  ctx: Ctx;
  /** stop accepting, finish in-flight requests, close the database */
  close(): Promise<void>;
}

export async function buildServer(opts: ServerOptions): Promise<Server> {
  const metrics = new Metrics();
  const ctx: Ctx = { store: opts.store, clock: opts.clock, metrics, ...(opts.jobs ? { jobs: opts.jobs } : {}) };
  const limiter = new RateLimiter(opts.rateLimit ?? 1200, () => Date.now());
  let closing = false;
  const app = Fastify({
    logger: opts.log ? { level: 'info', stream: opts.log, serializers: { req: logRequest } } : false,
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    genReqId: (req) => {
      const h = req.headers['x-request-id'];
      return typeof h === 'string' && REQUEST_ID_RE.test(h) ? h : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
    return503OnClosing: true,
    ...(opts.tls ? { https: { cert: opts.tls.cert, key: opts.tls.key } } : {}),
  }) as unknown as FastifyInstance;
  const headers = securityHeaders(opts.tls !== undefined);

  app.addHook('onRequest', async (req, reply) => {
    req.startedAt = process.hrtime.bigint();
    reply.headers(headers);
    reply.header('x-request-id', req.id);
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const seconds = req.startedAt ? Number(process.hrtime.bigint() - req.startedAt) / 1e9 : 0;
    metrics.observeRequest(req.method, route, reply.statusCode, seconds);
  });
  app.setErrorHandler(async (err, req, reply) => {
    const { status, message } = statusOf(err);
    if (status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(status).send({ error: message, requestId: req.id });
  });
  app.setNotFoundHandler(async (req, reply) => reply.code(404).send({ error: 'no such route', requestId: req.id }));

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    if (closing) return reply.code(503).send({ status: 'shutting down' });
    return (await ping(opts.store)) ? { status: 'ready', database: opts.store.dialect } : reply.code(503).send({ status: 'database unreachable' });
  });
  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4').send(metrics.render()));
  app.get('/api/v1/openapi.json', async () => openApiDocument());
  registerConsole(app, opts.consoleDir ?? defaultConsoleDir());
  registerOidc(app, { store: opts.store, clock: opts.clock, limiter, tls: opts.tls !== undefined, ...(opts.oidc ? { oidc: opts.oidc } : {}) });

  for (const r of ROUTES) register(app, ctx, r, limiter);

  await app.ready();
  return {
    app,
    ctx,
    close: async () => {
      closing = true;
      await app.close();
      await opts.store.close();
    },
  };
}

function register(app: FastifyInstance, ctx: Ctx, r: Route, limiter: RateLimiter): void {
  app.route({
    method: r.method,
    url: r.url,
    schema: { ...(r.params ? { params: r.params } : {}), ...(r.query ? { querystring: r.query } : {}), ...(r.body ? { body: r.body } : {}) },
    // authentication and the role check run before the body is parsed or validated
    onRequest: async (req: FastifyRequest, reply: FastifyReply) => {
      const presented = bearer(req);
      if (presented === undefined) {
        if (!limiter.take(`ip:${req.ip}`)) return reply.code(429).header('retry-after', '60').send({ error: 'rate limit exceeded', requestId: req.id });
        return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'authentication required: Authorization: Bearer <token>', requestId: req.id });
      }
      const v = await verifyToken(ctx.store, presented, ctx.clock.now());
      if (!v.ok) {
        if (!limiter.take(`ip:${req.ip}`)) return reply.code(429).header('retry-after', '60').send({ error: 'rate limit exceeded', requestId: req.id });
        return reply.code(401).header('www-authenticate', 'Bearer error="invalid_token"').send({ error: v.why, requestId: req.id });
      }
      if (!limiter.take(`token:${v.token.id}`)) return reply.code(429).header('retry-after', '60').send({ error: 'rate limit exceeded for this token', requestId: req.id });
      if (!r.roles.includes(v.token.role)) return reply.code(403).send({ error: `role ${v.token.role} may not ${r.method} ${r.url}`, requestId: req.id });
      req.token = v.token;
    },
    handler: async (req: FastifyRequest, reply: FastifyReply) => {
      const token = req.token!;
      const result = await r.handler(ctx, {
        token,
        actor: { name: actorName(token), requestId: req.id },
        params: req.params as Record<string, string>,
        query: req.query as Record<string, string | undefined>,
        body: req.body,
        now: ctx.clock.now(),
        req,
        reply,
      });
      if (reply.statusCode === 200 && r.status) reply.code(r.status);
      // a policy, exception or VEX document changed: every stored image is judged again under the new revision
      if (r.method !== 'GET' && RULES_ROUTE.test(r.url)) ctx.jobs?.rulesChanged?.();
      return result;
    },
  });
}
