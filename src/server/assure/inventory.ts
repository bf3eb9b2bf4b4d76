// Stored inventories (issue 24): what the server keeps of each uploaded report so a new advisory DB can
// re-match it without pulling the image, and the index package key → inventory that makes re-evaluation
// cost grow with what changed. One row per distinct inventory (content-addressed), shared by every
// pipeline that scanned the image; one assured_images row per (pipeline, image) holds its current decision.
import { createHash } from 'node:crypto';
import type { CheckStatus, Finding } from '../../core/types.js';
import type { Decision, Inventory, Lineage, ScanReport } from '../../core/report.js';
import { matchKeys } from '../../match/keys.js';
import { normalisePackageName } from '../../advisory/index.js';
import { canonicalJson } from '../../policy/load.js';
import { expiryInstant } from '../../policy/exceptions.js';

const INSERT_CHUNK = 400;
import type { Store } from '../store/db.js';

/** Coverage-gap reasons the matcher and the DB-freshness judgement produce (re-derived on every re-match). */
export const MATCH_GAP_REASONS: ReadonlySet<string> = new Set(['package-unidentified', 'ecosystem-not-covered', 'version-unparsable', 'range-not-evaluable', 'db-stale']);

export interface StoredInventory {
  inventory: Inventory;
  /** findings of the content checks (secrets, malware signatures, config, their gaps): not DB-dependent */
  content: Finding[];
  checks?: CheckStatus[];
  /** lineage as detected at scan time, without the DB-dependent base advice */
  lineage?: Lineage;
  scanner: { name: string; version: string };
}

/** Was this finding derived from the advisory DB (and so re-derived by re-matching)? */
export function fromDb(f: Finding, inventoryGapIds: ReadonlySet<string>): boolean {
  if (inventoryGapIds.has(f.id)) return true; // re-added from the inventory by scanInventory
  if (f.kind === 'vulnerability') return true;
  if (f.kind === 'malware') return f.engine === 'advisory-db';
  if (f.kind === 'coverage-gap') return MATCH_GAP_REASONS.has(f.reason);
  return false;
}

export function storedInventoryOf(report: ScanReport): StoredInventory {
  const gapIds = new Set(report.inventory.gaps.map((g) => g.id));
  const content = report.findings.filter((f) => !fromDb(f, gapIds)).map((f) => {
    const { origin: _o, ...rest } = f as Finding & { origin?: unknown };
    return rest as Finding;
  });
  let lineage: Lineage | undefined;
  if (report.lineage) {
    const { advice: _a, ...rest } = report.lineage;
    lineage = rest;
  }
  return { inventory: report.inventory, content, ...(report.checks ? { checks: report.checks } : {}), ...(lineage ? { lineage } : {}), scanner: report.scanner };
}

/** (ecosystem, normalised name) keys the matcher looks up for this inventory; `name: ''` marks an ecosystem it needs. */
export function packageKeysOf(inv: Inventory): { ecosystem: string; name: string }[] {
  const out = new Map<string, { ecosystem: string; name: string }>();
  for (const p of inv.packages) {
    // OS-owned language packages are indexed too: a superset of what matching reads is always safe
    const { ecosystem, keys } = matchKeys(p, inv.os);
    if (!ecosystem) continue;
    out.set(`${ecosystem}\u0001`, { ecosystem, name: '' });
    for (const k of keys) {
      const name = normalisePackageName(k.ecosystem, k.name);
      out.set(`${k.ecosystem}\u0001${name}`, { ecosystem: k.ecosystem, name });
      out.set(`${k.ecosystem}\u0001`, { ecosystem: k.ecosystem, name: '' });
    }
  }
  return [...out.values()].sort((a, b) => (a.ecosystem + '\u0001' + a.name < b.ecosystem + '\u0001' + b.name ? -1 : 1));
}

/** What a Decision and an uploaded decision record have in common. */
export type DecisionLike = Pick<Decision, 'verdict' | 'evaluatedAt' | 'suppressed' | 'allowlisted' | 'warnings'>;

/** The earliest instant at which the decision changes by the clock alone (a suppression or allowlist entry ending). */
export function nextExpiry(d: DecisionLike | undefined): string | null {
  if (!d) return null;
  const times = [...d.suppressed.map((s) => s.expires), d.allowlisted?.expires]
    .filter((e): e is string => e !== undefined)
    .map((e) => expiryInstant({ expires: e }))
    .filter((t) => Number.isFinite(t));
  // a warning with a fix-within deadline turns into a violation then
  for (const w of d.warnings ?? []) if (w.deadline !== undefined && Date.parse(w.deadline) > Date.parse(d.evaluatedAt)) times.push(Date.parse(w.deadline));
  return times.length ? new Date(Math.min(...times)).toISOString() : null;
}


/** The key first-seen dates are kept under: the repository, else the image. */
export function firstSeenKey(repository: string | null | undefined, imageKey: string): string {
  return repository ?? `image:${imageKey}`;
}

/**
 * Record when each vulnerability of the report was first seen in the repository (the first record
 * wins), and return the repository's first-seen dates for the report's vulnerabilities.
 */
export async function trackFirstSeen(store: Store, key: string, report: ScanReport, at: Date): Promise<Record<string, string>> {
  const ids = [...new Set(report.findings.flatMap((f) => (f.kind === 'vulnerability' ? [f.advisoryId] : [])))].sort();
  const out: Record<string, string> = {};
  for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
    const chunk = ids.slice(i, i + INSERT_CHUNK);
    await store.db.insertInto('first_seen').values(chunk.map((v) => ({ repository: key, vulnerability: v, at: at.toISOString() }))).onConflict((oc) => oc.doNothing()).execute();
    for (const r of await store.db.selectFrom('first_seen').select(['vulnerability', 'at']).where('repository', '=', key).where('vulnerability', 'in', chunk).execute()) out[r.vulnerability] = r.at;
  }
  return out;
}

/** trackFirstSeen without writing (a dryRun re-judgement): what is recorded, and `at` for the rest. */
export async function readFirstSeen(store: Store, key: string, report: ScanReport, at: Date): Promise<Record<string, string>> {
  const ids = [...new Set(report.findings.flatMap((f) => (f.kind === 'vulnerability' ? [f.advisoryId] : [])))].sort();
  const out: Record<string, string> = Object.fromEntries(ids.map((v) => [v, at.toISOString()]));
  for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
    for (const r of await store.db.selectFrom('first_seen').select(['vulnerability', 'at']).where('repository', '=', key).where('vulnerability', 'in', ids.slice(i, i + INSERT_CHUNK)).execute()) out[r.vulnerability] = r.at;
  }
  return out;
}

/** Store the inventory (once per content) and its index rows; returns its id. */
export async function putInventory(store: Store, s: StoredInventory, now: Date): Promise<number> {
  const body = canonicalJson(s);
  const digest = 'sha256:' + createHash('sha256').update(body).digest('hex');
  return store.db.transaction().execute(async (trx) => {
    const found = await trx.selectFrom('inventories').select('id').where('digest', '=', digest).executeTakeFirst();
    if (found) return Number(found.id);
    await trx.insertInto('inventories').values({ digest, body, created_at: now.toISOString() }).onConflict((oc) => oc.column('digest').doNothing()).execute();
    const row = await trx.selectFrom('inventories').select('id').where('digest', '=', digest).executeTakeFirstOrThrow();
    const id = Number(row.id);
    const keys = packageKeysOf(s.inventory).map((k) => ({ ...k, inventory_id: id }));
    for (let i = 0; i < keys.length; i += INSERT_CHUNK) {
      await trx.insertInto('inventory_packages').values(keys.slice(i, i + INSERT_CHUNK)).onConflict((oc) => oc.doNothing()).execute();
    }
    return id;
  });
}

export async function getInventory(store: Store, id: number): Promise<StoredInventory | undefined> {
  const r = await store.db.selectFrom('inventories').select('body').where('id', '=', id).executeTakeFirst();
  return r ? (JSON.parse(r.body) as StoredInventory) : undefined;
}

export interface AssureInput {
  pipeline: string;
  scanId: number;
  repository?: string;
  tag?: string;
  digest?: string;
  report: ScanReport;
  /** the decision uploaded with the report (its verdict is the image's until the server re-evaluates it) */
  decision?: DecisionLike;
}

/**
 * Record the latest scan of (pipeline, image): the inventory, and the uploaded decision as the current
 * one. A rescan of the same image replaces the row's scan and decision (a new baseline, not a change).
 */
export async function assureScan(store: Store, a: AssureInput, now: Date): Promise<number> {
  const inventoryId = await putInventory(store, storedInventoryOf(a.report), now);
  const imageKey = a.digest ?? `scan:${a.scanId}`;
  await trackFirstSeen(store, firstSeenKey(a.repository, imageKey), a.report, Number.isNaN(Date.parse(a.report.createdAt)) ? now : new Date(a.report.createdAt));
  const values = {
    repository: a.repository ?? null,
    tag: a.tag ?? null,
    digest: a.digest ?? null,
    inventory_id: inventoryId,
    scan_id: a.scanId,
    verdict: a.decision?.verdict ?? null,
    decision: a.decision ? JSON.stringify(a.decision) : null,
    evaluated_at: a.decision?.evaluatedAt ?? now.toISOString(),
    next_expiry: nextExpiry(a.decision),
  };
  await store.db
    .insertInto('assured_images')
    .values({ pipeline: a.pipeline, image_key: imageKey, revision: 1, ...values })
    .onConflict((oc) => oc.columns(['pipeline', 'image_key']).doUpdateSet((eb) => ({ ...values, revision: eb('assured_images.revision', '+', 1) })))
    .execute();
  const row = await store.db.selectFrom('assured_images').select('id').where('pipeline', '=', a.pipeline).where('image_key', '=', imageKey).executeTakeFirstOrThrow();
  return Number(row.id);
}
