// The Kubernetes validating admission webhook over TLS (node:https): every container image of a Pod or
// pod-templated workload must have a valid passing decision under the cluster's pipeline.
//   POST /validate            mode from the namespace globs, else the default mode
//   POST /validate/enforce|warn|audit   mode chosen by the webhook entry (namespaceSelector in the cluster)
//   GET  /healthz, /readyz, /metrics (Prometheus: answers by mode and result, handling time)
// enforce: deny; warn: admit with AdmissionReview warnings; audit: admit, record in the audit log.
// Internal errors (registry, store, deadline) follow `onError` (deny = fail closed, the default).
// A break-glass annotation admits until its expiry and is written to the audit log; dryRun never writes
// (no audit entry, no scan on admission, a re-judged decision is not stored).
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../core/clock.js';
import { describeError, isPortcullisError } from '../core/errors.js';
import { globMatch } from '../core/glob.js';
import type { Judge, Judgement } from './judge.js';
import { annotationsOf, containerImages, judgedKind, MAX_REVIEW_BYTES, objectName, parseReview, reviewResponse, type ReviewRequest, type ReviewResponse } from './review.js';
import { parseImage, type ImageName } from './resolve.js';
import type { ScanQueue } from './scanq.js';

export const MODES = ['enforce', 'warn', 'audit'] as const;
export type Mode = (typeof MODES)[number];
export const BREAK_GLASS = 'portcullis.dev/break-glass';
export const BREAK_GLASS_EXPIRES = 'portcullis.dev/break-glass-expires';

export interface AuditEntry {
  at: string;
  actor: string;
  action: 'admission.break-glass' | 'admission.audit' | 'admission.error-admitted';
  name: string;
  after: unknown;
  requestId: string;
}

export interface WebhookOptions {
  judge: Judge;
  resolver: { resolve(img: ImageName): Promise<string> };
  clock: Clock;
  mode: Mode;
  /** first matching namespace glob sets the mode (a /validate/<mode> path wins over it) */
  namespaceModes?: { pattern: string; mode: Mode }[];
  /** namespaces never judged (default kube-system) */
  exempt?: string[];
  /** no valid decision for a digest: deny (default), warn (admit with a warning), or scan (with `scanner`) */
  noDecision?: 'deny' | 'warn' | 'scan';
  /** scan on admission (noDecision: scan) */
  scanner?: ScanQueue;
  /** internal errors: deny (fail closed, default) or allow (fail open, with a warning and an audit entry) */
  onError?: 'deny' | 'allow';
  /** deadline for judging one request (default 8000 ms; keep it below the webhook's timeoutSeconds) */
  timeoutMs?: number;
  /** longest break-glass window (default 24 h) */
  breakGlassMaxHours?: number;
  audit?: (e: AuditEntry) => Promise<void>;
  log?: (line: string) => void;
}

class InternalError extends Error {}

function deadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => (t = setTimeout(() => rej(new InternalError(`no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

/** Decide one AdmissionReview request. Exported for tests and the bench. */
export async function admit(req: ReviewRequest, pathMode: Mode | undefined, o: WebhookOptions): Promise<ReviewResponse> {
  const ns = req.namespace ?? '';
  if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return { allowed: true };
  if ((o.exempt ?? ['kube-system']).some((g) => globMatch(g, ns))) return { allowed: true, auditAnnotations: { decision: `namespace ${ns} is exempt` } };
  // a subresource other than ephemeralcontainers (status, scale, ...) does not change images
  if (req.subResource !== undefined && req.subResource !== 'ephemeralcontainers') return { allowed: true };
  const mode = pathMode ?? o.namespaceModes?.find((m) => globMatch(m.pattern, ns))?.mode ?? o.mode;
  const now = o.clock.now();
  const actor = req.user ?? '(unknown user)';
  const what = objectName(req);
  const write = async (e: Omit<AuditEntry, 'at' | 'actor' | 'requestId'>): Promise<void> => {
    if (req.dryRun || !o.audit) return;
    await o.audit({ ...e, at: now.toISOString(), actor, requestId: req.uid });
  };
  if (!judgedKind(req.kind.kind)) return failure(o, write, what, `kind ${req.kind.kind} has no pod template: Portcullis does not judge it (check the webhook's rules)`);
  let images: string[];
  try {
    images = [...new Set(containerImages(req).map((c) => c.image))];
  } catch (e) {
    return { allowed: false, code: 400, message: describeError(e) };
  }
  const notes: string[] = [];
  let glass = breakGlass(annotationsOf(req), now, o.breakGlassMaxHours ?? 24);
  if (glass.ok && !o.audit) glass = { ok: false, problem: 'no audit log is configured, and break-glass is only honoured when it is audited' };
  if (glass.ok) {
    try {
      await write({ action: 'admission.break-glass', name: what, after: { reason: glass.reason, expires: glass.expires, images, mode } });
    } catch (e) {
      return failure(o, write, what, `break-glass could not be written to the audit log: ${describeError(e)}`);
    }
    return {
      allowed: true,
      warnings: [`Portcullis: break-glass by ${actor} until ${glass.expires}: ${glass.reason} (audited; images not judged: ${images.join(', ')})`],
      auditAnnotations: { decision: 'break-glass', reason: glass.reason.slice(0, 256) },
    };
  }
  if (glass.problem) notes.push(`break-glass refused: ${glass.problem}`);
  let judged: Judgement[];
  try {
    judged = await deadline(Promise.all(images.map((i) => judgeImage(i, o, req.dryRun === true))), o.timeoutMs ?? 8000);
  } catch (e) {
    return failure(o, write, what, describeError(e));
  }
  const bad = judged.filter((j) => j.outcome === 'fail' || (j.outcome === 'missing' && o.noDecision !== 'warn'));
  const warned = judged.filter((j) => j.outcome === 'missing' && o.noDecision === 'warn');
  const warnings = [...warned.map((j) => `Portcullis: ${j.message} (admitted: no-decision is warn)`), ...notes.map((n) => `Portcullis: ${n}`)];
  if (bad.length === 0) {
    const passed = judged.filter((j) => j.outcome === 'pass').map((j) => j.message);
    return { allowed: true, warnings, auditAnnotations: { decision: passed.join('; ').slice(0, 1024) || 'no images judged' } };
  }
  const message = bad.map((j) => j.message).join('\n');
  if (mode === 'enforce') return { allowed: false, code: 403, message: notes.length ? `${message}\n${notes.join('\n')}` : message, warnings: warned.map((j) => `Portcullis: ${j.message}`) };
  if (mode === 'warn') return { allowed: true, warnings: [...bad.map((j) => `Portcullis (warn mode, would deny): ${j.message}`), ...warnings] };
  try {
    await write({ action: 'admission.audit', name: what, after: { wouldDeny: bad.map((j) => j.message) } });
  } catch (e) {
    o.log?.(`audit log write failed: ${describeError(e)}`);
  }
  return { allowed: true, auditAnnotations: { decision: `audit mode, would deny: ${message}`.slice(0, 1024) } };
}

async function judgeImage(image: string, o: WebhookOptions, dryRun: boolean): Promise<Judgement> {
  let img: ImageName;
  try {
    img = parseImage(image);
  } catch (e) {
    return { outcome: 'fail', refused: [], message: `${image.slice(0, 200)}: ${isPortcullisError(e) ? e.message : 'not a valid image reference'}` };
  }
  // a pinned digest is what the kubelet pulls and verifies: its decision counts without the registry
  // (an index digest has none of its own and is resolved to the nodes' platform below)
  if (img.digest !== undefined) {
    try {
      const pinned = await o.judge.judge(image, img.name, img.digest, { dryRun });
      if (pinned.outcome !== 'missing' || pinned.rejudged === 'pending') return pinned;
    } catch (e) {
      throw new InternalError(`${image}: cannot look up its decision: ${describeError(e)}`);
    }
  }
  let digest: string;
  try {
    digest = await o.resolver.resolve(img);
  } catch (e) {
    throw new InternalError(`${image}: cannot resolve its digest: ${describeError(e)}`);
  }
  let j: Judgement;
  try {
    j = await o.judge.judge(image, img.name, digest, { dryRun });
  } catch (e) {
    throw new InternalError(`${image}: cannot look up its decision: ${describeError(e)}`);
  }
  if (j.outcome !== 'missing' || o.noDecision !== 'scan' || !o.scanner) return j;
  // a scan stores its decision: a dryRun request does not start one; a re-judgement still running will store one
  if (dryRun) return { ...j, message: `${j.message}; not scanned on admission: a dryRun request writes nothing` };
  if (j.rejudged === 'pending') return j;
  let made: unknown;
  try {
    made = await o.scanner.decide(img.name, digest);
  } catch (e) {
    throw new InternalError(`${image}: scan on admission failed: ${describeError(e)}`);
  }
  if (made === 'deadline') return { ...j, message: `${j.message}; a scan on admission started and did not finish within ${o.scanner.deadlineMs} ms: it goes on, retry shortly` };
  return o.judge.judgeRecord(image, digest, made);
}

async function failure(o: WebhookOptions, write: (e: Omit<AuditEntry, 'at' | 'actor' | 'requestId'>) => Promise<void>, what: string, why: string): Promise<ReviewResponse> {
  o.log?.(`internal error for ${what}: ${why}`);
  if ((o.onError ?? 'deny') === 'deny') return { allowed: false, code: 500, message: `Portcullis could not judge ${what}: ${why} (fail closed: --on-error deny)` };
  try {
    await write({ action: 'admission.error-admitted', name: what, after: { error: why } });
  } catch {
    // failing open was chosen explicitly; the warning still says it
  }
  return { allowed: true, warnings: [`Portcullis could not judge ${what}: ${why}; admitted because --on-error allow`] };
}

/** The break-glass annotations: a reason and an expiry within the allowed window. */
export function breakGlass(a: Record<string, string>, now: Date, maxHours: number): { ok: true; reason: string; expires: string } | { ok: false; problem?: string } {
  const reason = a[BREAK_GLASS];
  if (reason === undefined) return { ok: false };
  if (reason.trim() === '') return { ok: false, problem: `${BREAK_GLASS} needs a reason` };
  const exp = a[BREAK_GLASS_EXPIRES];
  if (exp === undefined) return { ok: false, problem: `${BREAK_GLASS} needs ${BREAK_GLASS_EXPIRES}: an RFC 3339 time at most ${maxHours}h ahead` };
  const t = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(exp) ? Date.parse(exp) : NaN;
  if (!Number.isFinite(t)) return { ok: false, problem: `${BREAK_GLASS_EXPIRES}: not an RFC 3339 time: ${exp.slice(0, 64)}` };
  if (t <= now.getTime()) return { ok: false, problem: `break-glass expired at ${exp}` };
  if (t > now.getTime() + maxHours * 3_600_000) return { ok: false, problem: `${BREAK_GLASS_EXPIRES} ${exp} is more than ${maxHours}h ahead` };
  return { ok: true, reason: [...reason].map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? ' ' : c)).join('').slice(0, 1024), expires: new Date(t).toISOString() };
}

export interface Webhook {
  port: number;
  metrics: AdmissionMetrics;
  close(): Promise<void>;
}

const BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** Prometheus counters of answers by mode and result, and a histogram of handling time (body read to answer). */
export class AdmissionMetrics {
  private readonly counts = new Map<string, number>();
  private readonly buckets = new Array<number>(BUCKETS_MS.length + 1).fill(0);
  private sumMs = 0;
  private n = 0;
  observe(mode: string, result: 'allowed' | 'denied' | 'bad-request', ms: number): void {
    const k = `mode="${mode}",result="${result}"`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    const i = BUCKETS_MS.findIndex((b) => ms <= b);
    this.buckets[i === -1 ? BUCKETS_MS.length : i]!++;
    this.sumMs += ms;
    this.n++;
  }
  /** the smallest bucket bound at or above the p-th percentile of handling time (ms) */
  percentileBound(p: number): number {
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= (p / 100) * this.n) return BUCKETS_MS[i] ?? Infinity;
    }
    return Infinity;
  }
  render(): string {
    const out = ['# HELP portcullis_admission_requests_total AdmissionReview answers by mode and result', '# TYPE portcullis_admission_requests_total counter'];
    for (const [k, v] of [...this.counts].sort()) out.push(`portcullis_admission_requests_total{${k}} ${v}`);
    out.push('# HELP portcullis_admission_duration_seconds time from the request body to the answer', '# TYPE portcullis_admission_duration_seconds histogram');
    let cum = 0;
    BUCKETS_MS.forEach((b, i) => out.push(`portcullis_admission_duration_seconds_bucket{le="${b / 1000}"} ${(cum += this.buckets[i]!)}`));
    out.push(`portcullis_admission_duration_seconds_bucket{le="+Inf"} ${this.n}`, `portcullis_admission_duration_seconds_sum ${(this.sumMs / 1000).toFixed(6)}`, `portcullis_admission_duration_seconds_count ${this.n}`);
    return out.join('\n') + '\n';
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

async function handle(req: IncomingMessage, res: ServerResponse, o: WebhookOptions, metrics: AdmissionMetrics): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://x');
  if (req.method === 'GET' && (url.pathname === '/healthz' || url.pathname === '/readyz')) return send(res, 200, { status: 'ok' });
  if (req.method === 'GET' && url.pathname === '/metrics') return void res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.render());
  const m = /^\/validate(?:\/(enforce|warn|audit))?$/.exec(url.pathname);
  if (!m) return send(res, 404, { error: 'no such route' });
  if (req.method !== 'POST') return send(res, 405, { error: 'POST an AdmissionReview' });
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n <= MAX_REVIEW_BYTES) chunks.push(c);
    else if (n > 4 * MAX_REVIEW_BYTES) break; // drained enough to answer; the connection is closed below
  }
  if (n > MAX_REVIEW_BYTES) {
    res.setHeader('connection', 'close');
    return send(res, 413, { error: `AdmissionReview larger than ${MAX_REVIEW_BYTES} bytes` });
  }
  const t0 = process.hrtime.bigint();
  const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
  let review: ReviewRequest;
  try {
    review = parseReview(Buffer.concat(chunks));
  } catch (e) {
    metrics.observe(m[1] ?? 'default', 'bad-request', ms());
    return send(res, 400, { error: describeError(e) });
  }
  const r = await admit(review, m[1] as Mode | undefined, o);
  send(res, 200, reviewResponse(review.uid, r));
  metrics.observe(m[1] ?? 'default', r.allowed ? 'allowed' : 'denied', ms());
}

/** Listen on host:port with TLS (port 0: a free one). */
export async function startWebhook(o: WebhookOptions & { tls: { cert: string | Buffer; key: string | Buffer }; host?: string; port?: number }): Promise<Webhook> {
  const metrics = new AdmissionMetrics();
  const server = https.createServer({ cert: o.tls.cert, key: o.tls.key, keepAlive: true }, (req, res) => {
    handle(req, res, o, metrics).catch((e: unknown) => {
      o.log?.(`request failed: ${describeError(e)}`);
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    metrics,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
