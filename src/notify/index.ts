// Notifications: when a policy fails or warns, POST a summary to each `--notify URL` (or `notify:` in
// portcullis.yaml). Slack incoming-webhook URLs get Slack's `text`/`blocks`; every other URL gets the
// versioned JSON payload below, signed with HMAC-SHA256 when a secret is configured
// (`X-Portcullis-Signature: sha256=<hex of HMAC(secret, body)>`). A notification that fails is reported
// on stderr and never changes the verdict or the exit code. Payload: docs/notifications.md. Who gets
// which share of a notification (owners files, spec.owners): route.ts.
import { createHmac } from 'node:crypto';
import type { Action, ScanReport, Violation } from '../core/report.js';
import { actionLine } from '../report/describe.js';

export const PAYLOAD_VERSION = 'portcullis.notification/v1';

export interface NotifyTarget {
  url: string;
  /** HMAC secret for the JSON payload */
  secret?: string;
}

export interface NotifyOptions {
  timeoutMs?: number;
  retries?: number;
  /** link to the full report (CI artifact URL), when known */
  reportUrl?: string;
  /** injected for tests */
  fetchImpl?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

export interface JsonPayload {
  version: typeof PAYLOAD_VERSION;
  verdict: 'fail' | 'warn';
  image: { name: string; digest?: string };
  pipeline: string;
  policies: string[];
  violations: { policy: string; control: string; message: string; fix?: string; deadline?: string }[];
  warnings: number;
  /** warnings that become violations at a deadline (vulnerabilities.fixWithinDays), soonest first */
  deadlines?: { subject: string; deadline: string; policy: string }[];
  actions: string[];
  reportUrl?: string;
  evaluatedAt: string;
  /**
   * Present when the message carries one owner's share of the violations and warnings only (owners
   * routing, docs/notifications.md): who it is for, and how many the whole decision has.
   */
  routed?: { owners: string[]; of: { violations: number; warnings: number } };
}

/** One owner's share of a decision: its violations and warnings, and which actions concern them. */
export interface Share {
  violations: Violation[];
  warnings: Violation[];
  /** the teams it goes to (`@orders`); empty for URLs named without a team */
  owners: string[];
  keepAction(a: Action): boolean;
}

/**
 * undefined when nothing is worth telling (a pass without warnings, or no policy). With a `share`, the
 * payload carries only that share's violations, warnings, deadlines and actions (the verdict is the
 * decision's), and says so in `routed`.
 */
export function notificationPayload(r: ScanReport, reportUrl?: string, share?: Share): JsonPayload | undefined {
  const d = r.decision;
  if (!d) return undefined;
  const verdict = d.verdict === 'pass' ? (d.warnings.length > 0 ? 'warn' : undefined) : 'fail';
  if (!verdict) return undefined;
  const violations = share ? share.violations : d.violations;
  const warnings = share ? share.warnings : d.warnings;
  const img = r.inventory.image;
  const p: JsonPayload = {
    version: PAYLOAD_VERSION,
    verdict,
    image: { name: img.name, digest: img.manifestDigest ?? img.configDigest },
    pipeline: d.pipeline,
    policies: d.policies,
    violations: violations.slice(0, 50).map((v) => ({ policy: v.policy, control: v.control, message: v.message, ...(v.remediation ? { fix: v.remediation } : {}), ...(v.deadline ? { deadline: v.deadline } : {}) })),
    warnings: warnings.length,
    actions: (r.actions ?? []).filter((a) => a.kind !== 'no-fix' && (!share || share.keepAction(a))).slice(0, 20).map(actionLine),
    evaluatedAt: d.evaluatedAt,
  };
  const due = warnings
    .filter((w) => w.deadline !== undefined)
    .map((w) => ({ subject: w.subject ?? w.findingId ?? w.control, deadline: w.deadline!, policy: w.policy }))
    .sort((a, b) => (a.deadline < b.deadline ? -1 : a.deadline > b.deadline ? 1 : a.subject < b.subject ? -1 : 1))
    .slice(0, 50);
  if (due.length) p.deadlines = due;
  if (reportUrl) p.reportUrl = reportUrl;
  if (share) p.routed = { owners: share.owners, of: { violations: d.violations.length, warnings: d.warnings.length } };
  return p;
}

export function isSlackUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.hostname === 'hooks.slack.com' || u.pathname.startsWith('/services/');
  } catch {
    return false;
  }
}

export function slackPayload(p: JsonPayload): { text: string; blocks: unknown[] } {
  const mine = p.routed ? ` — for ${p.routed.owners.length ? p.routed.owners.join(', ') : 'you'}: ${p.violations.length} of ${p.routed.of.violations} violation(s), ${p.warnings} of ${p.routed.of.warnings} warning(s)` : '';
  const head = `${p.verdict === 'fail' ? ':x: Failed' : ':warning: Passed with warnings'}: ${p.image.name} (${p.pipeline})${mine}`;
  const lines = [
    ...p.violations.slice(0, 10).map((v) => `• *${v.control}*: ${v.message}${v.fix ? ` — fix: ${v.fix}` : ''}`),
    ...(p.violations.length > 10 ? [`… and ${p.violations.length - 10} more`] : []),
    ...(p.deadlines ?? []).slice(0, 5).map((x) => `• due ${x.deadline.slice(0, 10)}: ${x.subject}`),
  ];
  const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text: `*${head}*\n\`${p.image.digest ?? 'no digest'}\`` } }];
  if (lines.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n').slice(0, 2900) } });
  if (p.actions.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*What to change*\n${p.actions.slice(0, 8).map((a) => `• ${a}`).join('\n')}`.slice(0, 2900) } });
  if (p.reportUrl) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${p.reportUrl}|Full report>` }] });
  return { text: head, blocks };
}

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** URL without credentials or query (for messages: a webhook URL is itself a secret). */
function shown(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.length > 1 ? '/…' : ''}`;
  } catch {
    return '(invalid URL)';
  }
}

async function postOnce(fetchImpl: typeof fetch, url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  const res = await fetchImpl(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  await res.arrayBuffer().catch(() => undefined);
  return res.status;
}

/** One message as each kind of receiver gets it: Slack webhooks `slack`, the others `json` (signed), with its event name. */
export interface Message {
  json: unknown;
  slack: unknown;
  event: string;
}

/**
 * POST a message to every target, each retried with backoff (not after a 4xx other than 429), never
 * following a redirect; returns how many accepted it and one line per failure. Never throws.
 */
export async function deliver(targets: NotifyTarget[], m: Message, opts: NotifyOptions = {}): Promise<{ delivered: number; failures: string[] }> {
  const fetchImpl = opts.fetchImpl ?? fetch;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((res) => setTimeout(res, ms)));
  const retries = opts.retries ?? 2;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const failures: string[] = [];
  let delivered = 0;
  for (const t of targets) {
    const slack = isSlackUrl(t.url);
    const body = JSON.stringify(slack ? m.slack : m.json);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'portcullis' };
    if (!slack) headers['x-portcullis-event'] = m.event;
    if (t.secret && !slack) headers['x-portcullis-signature'] = signature(t.secret, body);
    let last = '';
    let ok = false;
    for (let attempt = 0; attempt <= retries && !ok; attempt++) {
      if (attempt > 0) await sleep(250 * 2 ** (attempt - 1));
      try {
        const status = await postOnce(fetchImpl, t.url, body, headers, timeoutMs);
        if (status >= 200 && status < 300) ok = true;
        else last = `HTTP ${status}`;
        if (status >= 400 && status < 500 && status !== 429) break; // the receiver refused: retrying will not help
      } catch (e) {
        last = (e as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e as Error).message;
      }
    }
    if (ok) delivered++;
    else failures.push(`notification to ${shown(t.url)} failed: ${last}`);
  }
  return { delivered, failures };
}

/** Send to every target; returns one line per failure (for stderr). Never throws. */
export async function notify(r: ScanReport, targets: NotifyTarget[], opts: NotifyOptions = {}): Promise<string[]> {
  const payload = notificationPayload(r, opts.reportUrl);
  if (!payload || targets.length === 0) return [];
  const { failures } = await deliver(targets, { json: payload, slack: slackPayload(payload), event: PAYLOAD_VERSION }, opts);
  return failures.map((f) => `${f} (the verdict is unchanged)`);
}
