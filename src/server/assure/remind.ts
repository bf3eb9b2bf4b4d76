// Reminders before an exception (or allowlist entry) expires: once per entry and expiry, when it comes
// within `days` of its end, each owning team is told (the `spec.notify` URLs of the active policies whose
// pipelines the entry applies to; all of them for an entry of every pipeline). Sent reminders are
// recorded in the append-only audit log (action `remind`), which is also what keeps them from repeating;
// a reminder that could not be delivered to any URL is not recorded, so the next round tries again.
import { createHash } from 'node:crypto';
import type { Store } from '../store/db.js';
import { activeObjects, appendAudit, listAudit } from '../store/objects.js';
import { expiryInstant, expiryLabel } from '../../policy/exceptions.js';
import { globMatch } from '../../core/glob.js';
import { deliver } from '../../notify/index.js';

export const REMINDER_VERSION = 'portcullis.reminder/v1';
export const DEFAULT_REMIND_DAYS = 7;

export interface Expiring {
  /** `exception` or `allowlist` */
  type: 'exception' | 'allowlist';
  id: string;
  /** the Exceptions document it is in */
  document: string;
  /** as written (`2026-12-31`: valid through that day) */
  expires: string;
  /** the instant it stops applying */
  endsAt: string;
  daysLeft: number;
  owner?: string;
  reason?: string;
  finding?: string;
  pipelines: string[];
}

interface Entry {
  id?: string;
  image?: string;
  finding?: string;
  expires?: string;
  ttl?: string;
  created?: string;
  owner?: string;
  reason?: string;
  pipelines?: string[];
}

/** Entries of the active Exceptions documents that end within `days` of `now` (not yet ended). */
export async function expiringEntries(store: Store, now: Date, days = DEFAULT_REMIND_DAYS): Promise<Expiring[]> {
  const out: Expiring[] = [];
  for (const o of await activeObjects(store, 'Exceptions')) {
    const body = o.body as { exceptions?: Entry[]; allowlist?: Entry[] };
    const each = (type: Expiring['type'], list: Entry[] | undefined) => {
      for (const e of list ?? []) {
        let end: number;
        try {
          end = expiryInstant(e);
        } catch {
          continue;
        }
        if (!Number.isFinite(end) || end <= now.getTime() || end - now.getTime() > days * 86_400_000) continue;
        const x: Expiring = { type, id: e.id ?? e.image ?? '?', document: o.name, expires: expiryLabel(e), endsAt: new Date(end).toISOString(), daysLeft: Math.ceil((end - now.getTime()) / 86_400_000), pipelines: e.pipelines ?? [] };
        if (e.owner) x.owner = e.owner;
        if (e.reason) x.reason = e.reason;
        if (e.finding) x.finding = e.finding;
        out.push(x);
      }
    };
    each('exception', body.exceptions);
    each('allowlist', body.allowlist);
  }
  return out.sort((a, b) => a.endsAt.localeCompare(b.endsAt) || a.id.localeCompare(b.id));
}

/** The notify URLs of the active policies that apply to an entry's pipelines. */
async function targetsFor(store: Store): Promise<(e: Expiring) => string[]> {
  const policies = (await activeObjects(store, 'AssurancePolicy')).map((o) => o.body as { spec?: { notify?: string[]; appliesTo?: { pipelines?: string[] } } });
  return (e) => {
    const urls = new Set<string>();
    for (const p of policies) {
      const scope = p.spec?.appliesTo?.pipelines;
      const overlaps = e.pipelines.length === 0 || !scope || scope.length === 0 || e.pipelines.some((x) => scope.some((s) => globMatch(s, x) || globMatch(x, s)));
      if (overlaps) for (const u of p.spec?.notify ?? []) urls.add(u);
    }
    return [...urls].sort();
  };
}

/** The key a reminder is recorded under: one per entry, document and expiry (a renewed entry is reminded again). */
export function reminderKey(e: Expiring): string {
  return `${e.type}:${e.document}:${e.id}@${e.endsAt}`;
}

export interface RemindOptions {
  days?: number;
  secret?: string;
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** Send the reminders due now; returns how many entries were reminded. */
export async function sendReminders(store: Store, now: Date, o: RemindOptions = {}): Promise<number> {
  const due = await expiringEntries(store, now, o.days ?? DEFAULT_REMIND_DAYS);
  if (due.length === 0) return 0;
  const targets = await targetsFor(store);
  let sent = 0;
  for (const e of due) {
    const key = reminderKey(e);
    if ((await listAudit(store, { limit: 1, action: 'remind', kind: 'Exceptions', name: key })).length > 0) continue;
    const urls = targets(e);
    if (urls.length === 0) {
      o.log?.(`reminder: ${e.type} ${e.id} (${e.document}) expires ${e.expires}: no policy names a notify URL for its pipelines`);
      continue;
    }
    const payload = { version: REMINDER_VERSION, kind: `${e.type}-expiring`, ...e };
    const text = `Portcullis: ${e.type} ${e.id}${e.finding ? ` (${e.finding})` : ''} in ${e.document} expires ${e.expires} (ends ${e.endsAt}, in ${e.daysLeft} day(s)); owner ${e.owner ?? 'unknown'}. Renew it with a reason, or fix what it covers.`;
    const { delivered, failures } = await deliver(
      urls.map((url) => ({ url, ...(o.secret ? { secret: o.secret } : {}) })),
      { json: payload, slack: { text }, event: REMINDER_VERSION },
      o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {},
    );
    for (const f of failures) o.log?.(`reminder: ${f}`);
    if (delivered === 0) continue;
    await appendAudit(store.db, { at: now.toISOString(), actor: { name: 'portcullis:reminders' }, action: 'remind', kind: 'Exceptions', name: key, after: { urls: urls.map((u) => createHash('sha256').update(u).digest('hex').slice(0, 12)), delivered, daysLeft: e.daysLeft } });
    sent++;
  }
  return sent;
}
