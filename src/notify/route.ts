// Owners routing: who gets which part of a decision's notification.
//
// - A policy's `spec.notify` URLs get the whole notification when that policy fails or warns (as before).
// - Each violation and warning goes to its owners: the last matching rule of the owners file (--owners,
//   `owners:` in portcullis.yaml), together with the last matching `spec.owners` entry of the policy it
//   came from (the policy's owners are kept whatever the file says). Each owner's URL receives ONE
//   message with only its share (`routed` says so), the actions that concern that share included.
// - What nobody owns goes to the default recipients (--notify, `notify:` in portcullis.yaml); with no
//   owners anywhere, that is everything, and the message is the whole one, as before.
// - A URL that would get everything gets the whole message; a URL is sent at most one message.
// Order is deterministic: policies' URLs, then owners in the order of the decision's items, then the
// defaults. Pure: sending is deliver()'s (index.ts), which never changes the verdict.
import type { ScanReport, Violation } from '../core/report.js';
import type { Finding, PackageRef } from '../core/findings.js';
import type { Policy } from '../policy/schema.js';
import { imageOf } from '../policy/evaluate.js';
import { imageMatchesAny } from '../policy/imageref.js';
import { globMatch } from '../core/glob.js';
import { lastMatch, pathGlob, type ItemFacts, type OwnersFile, type Recipient } from './owners.js';
import { deliver, notificationPayload, PAYLOAD_VERSION, slackPayload, type JsonPayload, type NotifyOptions } from './index.js';

export interface Routing {
  /** the owners file, when one is given */
  owners?: OwnersFile;
  /** the policies in force: their `spec.notify` and `spec.owners` */
  policies: readonly Policy[];
  /** where what nobody owns goes (--notify) */
  defaults: readonly string[];
}

export interface Delivery {
  url: string;
  payload: JsonPayload;
}

/** The file in the image a finding is about, when it has one. */
function pathOf(f: Finding | undefined): string | undefined {
  if (!f) return undefined;
  switch (f.kind) {
    case 'vulnerability':
    case 'license':
      return f.package.path;
    case 'secret':
    case 'malware':
    case 'config':
      return f.path ?? f.package?.path;
    case 'coverage-gap':
      return f.package?.path;
    default:
      return undefined;
  }
}

const packageKey = (p: PackageRef): string => `${p.purl}\n${p.path ?? ''}`;

function packageOf(f: Finding | undefined): PackageRef | undefined {
  return f && 'package' in f ? f.package : undefined;
}

/** The policy's owners of an item: its last `spec.owners` entry whose images, paths and origin all match. */
function policyOwners(p: Policy | undefined, item: ItemFacts): Recipient[] {
  const entries = p?.spec.owners ?? [];
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (e.images && !imageMatchesAny(e.images, item.image)) continue;
    if (e.paths && !(item.path?.startsWith('/') && e.paths.some((g) => globMatch(pathGlob(g) ?? g, item.path!)))) continue;
    if (e.origin && item.origin !== e.origin) continue;
    const team = e.team === undefined ? undefined : e.team.startsWith('@') ? e.team : `@${e.team}`;
    return e.notify.map((url) => ({ ...(team ? { team } : {}), url, at: `policy ${p!.metadata.name} spec.owners[${i}]` }));
  }
  return [];
}

/** Who gets what for this report: one delivery per URL, and notes (an owner's variable that is not set). */
export function route(report: ScanReport, r: Routing, reportUrl?: string): { deliveries: Delivery[]; notes: string[] } {
  const d = report.decision;
  const whole = notificationPayload(report, reportUrl);
  if (!d || !whole) return { deliveries: [], notes: [] };
  const items: Violation[] = [...d.violations, ...d.warnings];
  const findings = new Map<string, Finding>([...report.findings, ...(d.derivedFindings ?? [])].map((f) => [f.id, f]));
  const byName = new Map(r.policies.map((p) => [p.metadata.name, p]));
  const image = imageOf(report);

  const told = new Set(items.map((v) => v.policy));
  const wholeUrls = new Set(r.policies.filter((p) => told.has(p.metadata.name)).flatMap((p) => p.spec.notify ?? []));

  // url → the items it owns (indices into `items`) and the teams it stands for
  const shares = new Map<string, { items: Set<number>; teams: Set<string> }>();
  const notes = new Set<string>();
  const give = (url: string, i: number, team?: string) => {
    const s = shares.get(url) ?? { items: new Set<number>(), teams: new Set<string>() };
    s.items.add(i);
    if (team) s.teams.add(team);
    shares.set(url, s);
  };
  const unowned: number[] = [];
  items.forEach((v, i) => {
    const f = v.findingId !== undefined ? findings.get(v.findingId) : undefined;
    const facts: ItemFacts = { image, path: pathOf(f), origin: f?.origin };
    const recipients = [...(r.owners ? (lastMatch(r.owners, facts)?.owners ?? []) : []), ...policyOwners(byName.get(v.policy), facts)];
    let reached = false;
    for (const x of recipients) {
      if (x.url === undefined) {
        notes.add(`owners ${x.at}: ${x.team ? `${x.team}: ` : ''}$${x.missing} is not set: no notification to it`);
        continue;
      }
      give(x.url, i, x.team);
      reached = true;
    }
    if (!reached) unowned.push(i);
  });
  for (const url of r.defaults) for (const i of unowned) give(url, i);

  const deliveries: Delivery[] = [...wholeUrls].map((url) => ({ url, payload: whole }));
  for (const [url, s] of shares) {
    if (wholeUrls.has(url)) continue;
    if (s.items.size === items.length) {
      deliveries.push({ url, payload: whole });
      continue;
    }
    const mine = [...s.items].sort((a, b) => a - b);
    const packages = new Set(mine.flatMap((i) => {
      const v = items[i]!;
      const p = packageOf(v.findingId !== undefined ? findings.get(v.findingId) : undefined);
      return p ? [packageKey(p)] : [];
    }));
    const n = d.violations.length;
    const payload = notificationPayload(report, reportUrl, {
      violations: mine.filter((i) => i < n).map((i) => items[i]!),
      warnings: mine.filter((i) => i >= n).map((i) => items[i]!),
      owners: [...s.teams].sort(),
      keepAction: (a) => packages.has(packageKey(a.package)),
    })!;
    deliveries.push({ url, payload });
  }
  return { deliveries, notes: [...notes] };
}

/**
 * Route and send: one message per URL (Slack or signed JSON, see deliver()). Returns one line per
 * failure and per note, for stderr. Never throws: a notification never changes the verdict.
 */
export async function notifyOwners(report: ScanReport, r: Routing, opts: NotifyOptions & { secret?: string } = {}): Promise<string[]> {
  const { deliveries, notes } = route(report, r, opts.reportUrl);
  const out = [...notes];
  for (const x of deliveries) {
    const { failures } = await deliver([{ url: x.url, ...(opts.secret ? { secret: opts.secret } : {}) }], { json: x.payload, slack: slackPayload(x.payload), event: PAYLOAD_VERSION }, opts);
    out.push(...failures.map((f) => `${f} (the verdict is unchanged)`));
  }
  return out;
}
