// What the layer analysis cache keeps of one layer, enough to replay it through the walker without
// reading it again: every entry as the overlay and the content checks see it (name, type, size, mode,
// owners, link target, PAX records), and for each file that was read, what reading it produced: its
// length, its content when small enough that a later link may point at it, each analyzer's facts and
// status calls, and each content check's per-file outcome (ContentSink.save()). Secrets are never
// stored in plain text (the secrets check saves a digest and the redacted excerpt).
import { createHash } from 'node:crypto';
import type { Analyzer, EntryType, LayerRef, WalkLimits } from '../core/types.js';
import type { AnalyzedFile } from './types.js';

/** Bump when the walker's replay or the record format changes (3: one entry per line, decoded as it is replayed). */
export const RECORD_FORMAT = 3;

/** One analyzer's run over one file: facts (layer references as LAYER_MARK), ctx calls, a thrown message. */
export interface AnalyzerRun {
  /** analyzer name */
  a: string;
  /** JSON of the facts, the entry's layer reference replaced by LAYER_MARK */
  f: string;
  /** ctx calls in order: 0 warn, 1 partial, 2 fail */
  c?: [0 | 1 | 2, string][];
  /** what it threw */
  e?: string;
}

export interface ReadRecord {
  /** the entry could not be read (a per-file problem): the message */
  skip?: string;
  /** length of the content collected for analyzers; absent when nothing was collected (over the cap, or only checks read it) */
  len?: number;
  /** the content (base64) when kept for link resolution */
  body?: string;
  /** one per analyzer that took the file, in order: its name alone when it found nothing and said nothing (most) */
  runs?: (AnalyzerRun | string)[];
  /** content checks' per-file outcomes, by check name (ContentSink.save) */
  sinks?: Record<string, unknown>;
}

export interface EntryRecord {
  /** name as in the layer (cut after maxPathLength + 1 characters) */
  n: string;
  t: EntryType;
  s: number;
  m: number;
  u?: number;
  g?: number;
  l?: string;
  x?: Record<string, string>;
  r?: ReadRecord;
}

export interface LayerRecord {
  format: number;
  diffId: string;
  /** uncompressed bytes of the layer */
  bytes: number;
  entries: EntryRecord[];
}

/** Replaces the entry's LayerRef in stored facts. */
export const LAYER_MARK = '\u0000layer';

const TYPES = new Set<EntryType>(['file', 'dir', 'symlink', 'hardlink', 'other']);
export const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isStr = (v: unknown): v is string => typeof v === 'string';

function checkRead(r: unknown): boolean {
  if (!r || typeof r !== 'object') return false;
  const o = r as ReadRecord;
  if (o.skip !== undefined && !isStr(o.skip)) return false;
  if (o.len !== undefined && !isInt(o.len)) return false;
  if (o.body !== undefined && !isStr(o.body)) return false;
  if (o.runs !== undefined) {
    if (!Array.isArray(o.runs)) return false;
    for (const x of o.runs) {
      if (isStr(x)) continue;
      if (!x || typeof x !== 'object' || !isStr(x.a) || !isStr(x.f)) return false;
      if (x.e !== undefined && !isStr(x.e)) return false;
      if (x.c !== undefined && !(Array.isArray(x.c) && x.c.every((c) => Array.isArray(c) && c.length === 2 && (c[0] === 0 || c[0] === 1 || c[0] === 2) && isStr(c[1])))) return false;
    }
  }
  if (o.sinks !== undefined && (o.sinks === null || typeof o.sinks !== 'object' || Array.isArray(o.sinks))) return false;
  return true;
}

/** Is `v` an entry as a record holds it? (a sealed file of the wrong shape is a damaged or foreign one) */
export function checkEntry(v: unknown): v is EntryRecord {
  const e = v as EntryRecord | null;
  if (!e || typeof e !== 'object' || !isStr(e.n) || !TYPES.has(e.t) || !isInt(e.s) || !isInt(e.m)) return false;
  if ((e.u !== undefined && !isInt(e.u)) || (e.g !== undefined && !isInt(e.g)) || (e.l !== undefined && !isStr(e.l))) return false;
  if (e.x !== undefined && (typeof e.x !== 'object' || e.x === null || !Object.values(e.x).every(isStr))) return false;
  return e.r === undefined || checkRead(e.r);
}

/** What the analysis of a layer depends on besides its bytes: the part of the key the caller gives (content checks' versions and rule digests, the scanner version). */
export interface CacheSalt {
  /** e.g. the scanner version and every content check's name, version and rules digest */
  parts: unknown[];
}

/** The cache key of a layer: its diff_id, the record format, analyzers (names, versions, caps, order), limits and the caller's salt. */
export function layerKey(diffId: string, analyzers: Analyzer[], limits: WalkLimits, salt: unknown[]): string {
  const doc = JSON.stringify([RECORD_FORMAT, diffId, analyzers.map((a) => [a.name, a.version, a.maxFileBytes ?? null]), limits, salt]);
  return createHash('sha256').update(doc).digest('hex');
}

/** The entry's LayerRef in facts → LAYER_MARK; a copy of it (which replay could not re-point) makes the facts unstorable. */
export function storeFacts(facts: AnalyzedFile['facts'], layer: LayerRef): string | undefined {
  let copied = false;
  const json = JSON.stringify(facts, (_k, v: unknown) => {
    if (v === layer) return LAYER_MARK;
    if (v !== null && typeof v === 'object' && (v as LayerRef).diffId === layer.diffId && typeof (v as LayerRef).index === 'number') copied = true;
    return v;
  });
  return copied ? undefined : json;
}

/** LAYER_MARK as JSON.stringify writes it inside a string */
const MARK_JSON = JSON.stringify(LAYER_MARK).slice(1, -1);

export function loadFacts(json: string, layer: LayerRef): AnalyzedFile['facts'] {
  // a reviver costs a call per value: only facts that hold the mark need it
  if (!json.includes(MARK_JSON)) return JSON.parse(json) as AnalyzedFile['facts'];
  return JSON.parse(json, (_k, v: unknown) => (v === LAYER_MARK ? layer : v)) as AnalyzedFile['facts'];
}
