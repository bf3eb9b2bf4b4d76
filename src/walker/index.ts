// The layer walker: one streamed pass over each layer, in order. Entry names are normalised; whiteouts
// and opaque directories are applied as they stream by to decide which analyzed files are `effective`;
// analyzers get only the regular files their `required()` selects (buffered up to maxFileBytes);
// required symlinks and hard links are resolved inside the image after the pass. See README.md.
import { constants, promises as fsp, realpathSync } from 'node:fs';
import { sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import type { Analyzer, EntryInfo, EntryType, LayerInfo, LayerRef, ResolvedImage, WalkLimits } from '../core/types.js';
import { PortcullisError } from '../core/errors.js';
import { asReadError } from '../core/errors.js';
import { walkFs } from './fswalk.js';
import { baseOf, normaliseEntryPath, parentOf, resolveInRoot } from './path.js';
import { PathIndex } from './pathindex.js';
import { StatusBook } from './status.js';
import { expandSparse, sparseInfo, type SparseInfo } from './sparse.js';
import { DEFAULT_LIMITS, type AnalyzedFile, type ContentSink, type EntryExtra, type EntryObserver, type WalkOptions, type WalkProblem, type WalkResult } from './types.js';
import { SinkFan } from './sinks.js';
import { LAYER_MARK, layerKey, RECORD_FORMAT, type AnalyzerRun, type EntryRecord, type LayerRecord, type ReadRecord } from './record.js';

export * from './types.js';
export { FileTracker } from './tracker.js';
export { normaliseEntryPath, resolveInRoot } from './path.js';
export { DEFAULT_CACHE_MAX_BYTES, defaultLayerCacheDir, LayerCache, type LayerCacheStats } from './layercache.js';

/** Small required files are kept (up to this much in total) so required links can be resolved to them. */
const RETAIN_FILE_MAX = 1024 * 1024;
const RETAIN_TOTAL_MAX = 64 * 1024 * 1024;
/** a layer whose record would hold more than this (roughly) is not cached: it would not pay to keep it in memory */
const MAX_RECORDING_BYTES = 256 * 1024 * 1024;

interface Tracked {
  layer: number;
}
interface FileRec extends Tracked {
  file: AnalyzedFile;
}
interface LinkRec extends Tracked {
  target: string;
  hard: boolean;
}
interface Kept extends Tracked {
  content: Buffer;
  entry: EntryInfo;
}
interface PendingLink {
  entry: EntryInfo;
  layer: LayerRef;
  layerIdx: number;
  analyzers: Analyzer[];
  recs: AnalyzedFile[];
}

function layerRef(l: LayerInfo): LayerRef {
  const r: LayerRef = { index: l.index, diffId: l.diffId };
  if (l.createdBy) r.createdBy = l.createdBy;
  return r;
}

function tarType(t: tar.Header['type'] | null | undefined): EntryType {
  if (t === 'file' || t === 'contiguous-file' || t === null || t === undefined) return 'file';
  if (t === 'directory') return 'dir';
  if (t === 'symlink') return 'symlink';
  if (t === 'link') return 'hardlink';
  return 'other';
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}


/**
 * Apply one entry of layer `layerIdx` to overlay state held in PathIndexes (`kill` runs the removal on
 * each): `.wh.NAME` removes NAME and everything under it from lower layers; `.wh..wh..opq` removes
 * everything under its directory from lower layers; any other entry replaces what was at its path
 * (in lower layers or earlier in the same layer) and, unless it is a directory, everything under it.
 */
export function applyOverlay(path: string, type: EntryType, layerIdx: number, kill: (fn: (ix: PathIndex<Tracked>) => Tracked[]) => void): 'whiteout' | 'entry' {
  const base = baseOf(path);
  const lower = (t: Tracked): boolean => t.layer < layerIdx;
  const upTo = (t: Tracked): boolean => t.layer <= layerIdx;
  if (base.startsWith('.wh.')) {
    const dir = parentOf(path);
    if (base === '.wh..wh..opq') kill((ix) => ix.killBelow(dir, lower));
    else if (!base.startsWith('.wh..wh.')) {
      const target = dir === '/' ? `/${base.slice(4)}` : `${dir}/${base.slice(4)}`;
      kill((ix) => [...ix.killAt(target, lower), ...ix.killBelow(target, lower)]);
    }
    return 'whiteout';
  }
  kill((ix) => ix.killAt(path, upTo));
  if (type !== 'dir') kill((ix) => ix.killBelow(path, upTo));
  return 'entry';
}

/**
 * Read an entry once: its chunks go to `fan` (content checks) as they arrive, and are collected up to
 * `max` bytes for analyzers. Returns undefined (content dropped, stream drained) when larger than `max`,
 * or when `max` is negative (nothing to collect).
 */
async function readEntry(e: AsyncIterable<unknown>, max: number, fan?: SinkFan): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let n = 0;
  let over = max < 0;
  try {
    for await (const x of e) {
      const c = x as Buffer;
      if (!over) {
        n += c.length;
        if (n > max) {
          over = true;
          chunks.length = 0;
        } else chunks.push(c);
      }
      if (fan) await fan.write(c);
    }
  } catch (err) {
    fan?.abort(`read failed: ${describe(err)}`);
    throw err;
  }
  if (fan) await fan.end();
  return over ? undefined : Buffer.concat(chunks);
}

/** Thrown by a source's read callback when one file cannot be read (a per-file problem). */
class SkipFile extends Error {}

/** What a replayed read yields instead of content: the record of the cold read (layer cache). */
class Replayed {
  constructor(readonly r: ReadRecord) {}
}

/** The entry's LayerRef in facts → LAYER_MARK; a copy of it (which replay could not re-point) makes the facts unstorable. */
function storeFacts(facts: AnalyzedFile['facts'], layer: LayerRef): string | undefined {
  let copied = false;
  const json = JSON.stringify(facts, (_k, v: unknown) => {
    if (v === layer) return LAYER_MARK;
    if (v !== null && typeof v === 'object' && (v as LayerRef).diffId === layer.diffId && typeof (v as LayerRef).index === 'number') copied = true;
    return v;
  });
  return copied ? undefined : json;
}

function loadFacts(json: string, layer: LayerRef): AnalyzedFile['facts'] {
  return JSON.parse(json, (_k, v: unknown) => (v === LAYER_MARK ? layer : v)) as AnalyzedFile['facts'];
}

class Walk {
  readonly limits: WalkLimits;
  readonly files: AnalyzedFile[] = [];
  readonly problems: WalkProblem[] = [];
  readonly book: StatusBook;
  readonly stats = { layers: 0, entries: 0, bytes: 0, analyzedFiles: 0, cachedLayers: 0, notDownloaded: 0 };
  private readonly live = new PathIndex<FileRec>();
  private readonly links = new PathIndex<LinkRec>();
  private readonly kept = new PathIndex<Kept>();
  private keptBytes = 0;
  private readonly pending: PendingLink[] = [];
  private readonly observers: EntryObserver[];
  /** records of required links not (yet) analyzed: dropped from the result when never resolved */
  readonly placeholders = new Set<AnalyzedFile>();
  private fsRoot: string | undefined;
  /** layer cache: the entries of the layer being walked, while it is recorded */
  private recording: EntryRecord[] | undefined;
  /** false once something in the layer being recorded cannot be replayed (a check that failed, a fact holding a layer copy) */
  private recordable = true;
  /** rough size of the record being made */
  private recordBytes = 0;

  constructor(
    readonly image: ResolvedImage,
    readonly analyzers: Analyzer[],
    readonly opts: WalkOptions,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...(opts.limits ?? {}) };
    this.observers = opts.observers ?? [];
    this.book = new StatusBook(analyzers);
  }

  label(l: LayerInfo): string {
    return `${this.image.ref.path ?? this.image.ref.input}: layer ${l.index + 1} (${l.diffId})`;
  }

  problem(p: WalkProblem): void {
    this.problems.push(p);
  }

  private checkAbort(): void {
    if (this.opts.signal?.aborted) throw new PortcullisError('INTERNAL', 'walk aborted');
  }

  private wanted(path: string, entry: EntryInfo, layer: LayerRef): Analyzer[] {
    const out: Analyzer[] = [];
    for (const a of this.analyzers) {
      try {
        if (a.required(path, entry)) out.push(a);
      } catch (e) {
        this.analyzerError(a, path, layer, e);
      }
    }
    return out;
  }

  private analyzerError(a: Analyzer, path: string, layer: LayerRef, e: unknown): void {
    this.book.mark(a.name, path, layer, 'failed', describe(e));
  }

  /** The most an analyzer accepts: its own cap, never above the walker's. */
  private capOf(a: Analyzer): number {
    return Math.min(a.maxFileBytes ?? this.limits.maxFileBytes, this.limits.maxFileBytes);
  }

  /** `path` (`size` bytes) is over the cap of some of `wanted`: a file-too-large problem naming the cap each, and those analyzers partial. Returns the rest. */
  private overCap(wanted: Analyzer[], path: string, size: number, layer: LayerRef, what = `${size} bytes`): Analyzer[] {
    const over = wanted.filter((a) => size > this.capOf(a));
    if (over.length === 0) return wanted;
    const caps = [...new Set(over.map((a) => this.capOf(a)))].sort((x, y) => x - y);
    for (const cap of caps) {
      const names = over.filter((a) => this.capOf(a) === cap).map((a) => a.name);
      const whose = cap === this.limits.maxFileBytes ? 'analyzers may read' : `analyzer ${names.join(', ')} accepts`;
      this.problem({ reason: 'file-too-large', subject: path, detail: `${what}, more than the ${cap} ${whose} (wanted by ${names.join(', ')})`, layer });
    }
    for (const a of over) this.book.mark(a.name, path, layer, 'partial', `not read: ${what}, over the ${this.capOf(a)}-byte cap`, { gap: false });
    return wanted.filter((a) => size <= this.capOf(a));
  }

  private async runAnalyzers(list: Analyzer[], path: string, entry: EntryInfo, content: Buffer, layer: LayerRef, recs?: AnalyzedFile[], runs?: AnalyzerRun[]): Promise<AnalyzedFile[]> {
    const out: AnalyzedFile[] = [];
    for (const [i, a] of list.entries()) {
      let ctx = this.book.context(a, path, layer, this.limits);
      const run: AnalyzerRun = { a: a.name, f: '[]' };
      if (runs) {
        const calls: [0 | 1 | 2, string][] = [];
        const { warn, partial, fail } = ctx;
        ctx = {
          ...ctx,
          warn: (m) => (calls.push([0, m]), warn(m)),
          partial: (m) => (calls.push([1, m]), partial?.(m)),
          fail: (m) => (calls.push([2, m]), fail?.(m)),
        };
        run.c = calls;
      }
      this.book.get(a.name).files++;
      let facts: AnalyzedFile['facts'] = [];
      try {
        facts = await a.analyze({ path, entry, content, layer }, ctx);
      } catch (e) {
        this.analyzerError(a, path, layer, e);
        run.e = describe(e);
      }
      if (runs) {
        const f = storeFacts(facts, layer);
        if (f === undefined) this.recordable = false;
        else {
          run.f = f;
          this.recordBytes += f.length;
        }
        if (run.c?.length === 0) delete run.c;
        runs.push(run);
      }
      const rec = recs?.[i];
      if (rec) {
        this.placeholders.delete(rec);
        rec.facts = facts;
        out.push(rec);
      } else {
        out.push({ path, layer, analyzer: a.name, facts, effective: true });
      }
    }
    return out;
  }

  private kill(fn: (ix: PathIndex<Tracked>) => Tracked[], by: LayerRef): void {
    this.opts.tracker?.kill(fn, by);
    for (const r of fn(this.live as unknown as PathIndex<Tracked>) as FileRec[]) r.file.effective = false;
    fn(this.links as unknown as PathIndex<Tracked>);
    for (const k of fn(this.kept as unknown as PathIndex<Tracked>) as Kept[]) this.keptBytes -= k.content.length;
  }

  private countEntry(l: LayerInfo): void {
    this.stats.entries++;
    if (this.stats.entries > this.limits.maxEntries) {
      throw new PortcullisError('LIMIT_EXCEEDED', `${this.label(l)}: more than ${this.limits.maxEntries} entries in the image`, { subject: l.diffId });
    }
  }

  private record(files: AnalyzedFile[], layerIdx: number): void {
    for (const f of files) {
      this.files.push(f);
      this.live.add(f.path, { layer: layerIdx, file: f });
    }
  }

  /** Show an entry to every observer; the sinks they return for a regular file, fanned out. */
  private observe(entry: EntryInfo, layer: LayerRef, extra: EntryExtra): SinkFan | undefined {
    if (this.observers.length === 0) return undefined;
    const sinks: { name: string; sink: ContentSink }[] = [];
    for (const o of this.observers) {
      try {
        const sink = o.onEntry(entry, layer, extra);
        if (sink && entry.type === 'file') sinks.push({ name: o.name, sink });
      } catch (e) {
        this.observerError(o.name, entry.path, layer, e);
      }
    }
    return sinks.length > 0 ? new SinkFan(sinks, (name, e) => this.observerError(name, entry.path, layer, e)) : undefined;
  }

  private observerError(name: string, path: string, layer: LayerRef, e: unknown): void {
    this.recordable = false;
    this.problem({ reason: 'analyzer-error', subject: path, detail: `check ${name} failed: ${describe(e)}`, layer });
  }

  /**
   * One entry, whatever the source. `read(max, fan)` streams the content to `fan` (content checks) and
   * returns it when at most `max` bytes (undefined when larger, or when `max` < 0: nothing to collect).
   * Returns without reading when neither an analyzer nor a content check wants the entry.
   */
  async entry(
    l: LayerInfo,
    rawName: string,
    info: Omit<EntryInfo, 'path'>,
    read: (max: number, fan?: SinkFan) => Promise<Buffer | undefined | Replayed>,
    extra: EntryExtra = {},
  ): Promise<void> {
    this.checkAbort();
    this.countEntry(l);
    const layer = layerRef(l);
    const er = this.recording ? this.recordEntry(rawName, info, extra) : undefined;
    if (rawName.length > this.limits.maxPathLength) {
      this.problem({ reason: 'limit-exceeded', subject: rawName.slice(0, 200), detail: `entry name longer than ${this.limits.maxPathLength} characters; skipped`, layer });
      return;
    }
    const n = normaliseEntryPath(rawName);
    if (!n.ok) {
      this.problem({ reason: 'layer-unreadable', subject: rawName.slice(0, 200), detail: `${n.reason}; entry skipped (hostile archive?)`, layer });
      return;
    }
    const path = n.path;
    if (path === '/') return;
    if (applyOverlay(path, info.type, l.index, (fn) => this.kill(fn, layer)) === 'whiteout') return;
    const entry: EntryInfo = { path, ...info };
    if (info.type === 'symlink' && info.linkTarget !== undefined) this.links.add(path, { layer: l.index, target: info.linkTarget, hard: false });
    if (info.type === 'hardlink' && info.linkTarget !== undefined) this.links.add(path, { layer: l.index, target: info.linkTarget, hard: true });
    const fan = this.observe(entry, layer, extra);
    if (info.type !== 'file' && info.type !== 'symlink' && info.type !== 'hardlink') return;
    const wanted = this.wanted(path, entry, layer);
    if (wanted.length === 0 && !fan) return;
    if (info.type !== 'file') {
      if (wanted.length === 0) return;
      if (info.linkTarget === undefined) return;
      const recs = wanted.map((a) => ({ path, layer, analyzer: a.name, facts: [], effective: true }));
      for (const r of recs) this.placeholders.add(r);
      this.record(recs, l.index);
      this.pending.push({ entry, layer, layerIdx: l.index, analyzers: wanted, recs });
      return;
    }
    const fits = wanted.length > 0 ? this.overCap(wanted, path, info.size, layer) : [];
    if (fits.length === 0 && !fan) return;
    const max = fits.length > 0 ? Math.max(...fits.map((a) => this.capOf(a))) : -1;
    const rr: ReadRecord | undefined = er ? (er.r = {}) : undefined;
    let got: Buffer | undefined | Replayed;
    try {
      got = await read(max, fan);
    } catch (e) {
      if (e instanceof SkipFile) {
        if (rr) rr.skip = e.message;
        fan?.abort(e.message);
        this.problem({ reason: 'layer-unreadable', subject: path, detail: e.message, layer });
        return;
      }
      throw e;
    }
    if (rr && fan) {
      const saved = fan.saved();
      if (saved) rr.sinks = saved;
      else this.recordable = false;
    }
    if (max < 0) return;
    const replayed = got instanceof Replayed ? got.r : undefined;
    const length = replayed ? replayed.len : (got as Buffer | undefined)?.length;
    if (length === undefined) {
      this.overCap(fits, path, max + 1, layer, `more than ${max} bytes`);
      return;
    }
    this.stats.analyzedFiles++;
    const content = replayed ? (replayed.body !== undefined ? Buffer.from(replayed.body, 'base64') : undefined) : (got as Buffer);
    if (content && content.length <= RETAIN_FILE_MAX && this.keptBytes + content.length <= RETAIN_TOTAL_MAX) {
      this.kept.add(path, { layer: l.index, content, entry });
      this.keptBytes += content.length;
    }
    const list = fits.filter((a) => length <= this.capOf(a));
    if (replayed) {
      this.record(this.replayRuns(list, path, entry, layer, replayed.runs ?? []), l.index);
      return;
    }
    if (rr) {
      rr.len = length;
      // kept for link resolution in later layers: small files some analyzer would also take through a link
      if (length <= RETAIN_FILE_MAX && this.linkable(list, path, entry)) {
        rr.body = content!.toString('base64');
        this.recordBytes += rr.body.length;
      }
      rr.runs = [];
    }
    this.record(await this.runAnalyzers(list, path, entry, content!, layer, undefined, rr?.runs), l.index);
  }

  /** Layer cache: the record of an entry of the layer being recorded (pushed to it). */
  private recordEntry(rawName: string, info: Omit<EntryInfo, 'path'>, extra: EntryExtra): EntryRecord {
    const er: EntryRecord = { n: rawName.length > this.limits.maxPathLength ? rawName.slice(0, this.limits.maxPathLength + 1) : rawName, t: info.type, s: info.size, m: info.mode };
    if (info.uid !== undefined) er.u = info.uid;
    if (info.gid !== undefined) er.g = info.gid;
    if (info.linkTarget !== undefined) er.l = info.linkTarget;
    if (extra.pax) er.x = extra.pax;
    this.recording!.push(er);
    this.recordBytes += 64 + er.n.length;
    if (this.recordBytes > MAX_RECORDING_BYTES) this.recordable = false;
    return er;
  }

  /** Would one of `list` also take `path` through a link? (its content may then serve a later layer's link) */
  private linkable(list: Analyzer[], path: string, entry: EntryInfo): boolean {
    return list.some((a) => {
      try {
        return a.required(path, { ...entry, type: 'symlink', size: 0, linkTarget: path });
      } catch {
        return false;
      }
    });
  }

  /** Layer cache: what `list` did with a file in the recorded run (facts, status calls, failures), applied again. */
  private replayRuns(list: Analyzer[], path: string, entry: EntryInfo, layer: LayerRef, runs: AnalyzerRun[]): AnalyzedFile[] {
    const out: AnalyzedFile[] = [];
    for (const [i, a] of list.entries()) {
      this.book.get(a.name).files++;
      const run = runs[i];
      let facts: AnalyzedFile['facts'] = [];
      if (!run || run.a !== a.name) this.analyzerError(a, path, layer, 'the layer cache holds no result of this analyzer for the file');
      else {
        const ctx = this.book.context(a, path, layer, this.limits);
        for (const [k, m] of run.c ?? []) (k === 0 ? ctx.warn : k === 1 ? ctx.partial : ctx.fail)?.(m);
        if (run.e !== undefined) this.analyzerError(a, path, layer, run.e);
        try {
          facts = loadFacts(run.f, layer);
        } catch (e) {
          this.analyzerError(a, path, layer, e);
        }
      }
      out.push({ path, layer, analyzer: a.name, facts, effective: true });
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Layer cache: look up, replay, record

  private cacheKey(l: LayerInfo): string | undefined {
    const c = this.opts.cache;
    if (!c || this.image.layerIdentity === undefined || l.diffId.startsWith('dir:')) return undefined;
    return layerKey(l.diffId, this.analyzers, this.limits, c.salt);
  }

  /** The cached record of `l`, and whether its bytes need not be read (a registry blob pinned by the manifest we hashed, whose diff_id we recorded). */
  async lookup(l: LayerInfo): Promise<{ rec: LayerRecord; skipRead: boolean } | undefined> {
    const key = this.cacheKey(l);
    if (key === undefined) return undefined;
    const store = this.opts.cache!.store;
    const rec = await store.get(key, l.diffId);
    if (!rec) return undefined;
    const skipRead = this.image.layerIdentity === 'pinned-blob' && l.digest !== undefined && (await store.blobDiffId(l.digest)) === l.diffId;
    return { rec, skipRead };
  }

  /**
   * Replay a cached layer through the same entry path as a walk. Unless the blob is pinned and known,
   * the layer is read and hashed first (the source checks its diff_id): a record counts only for
   * bytes hashed in this run.
   */
  async replayLayer(l: LayerInfo, rec: LayerRecord, skipRead: boolean): Promise<void> {
    if (!skipRead) {
      try {
        const content = await this.image.openLayer(l.diffId, this.opts.signal);
        if (content.kind !== 'tar') throw new PortcullisError('INTERNAL', `${this.label(l)}: not a tar layer`);
        for await (const _ of content.stream) {
          // the source's digest check sees every byte
        }
      } catch (e) {
        throw this.layerError(l, e);
      }
    }
    this.stats.bytes += rec.bytes;
    if (this.stats.bytes > this.limits.maxTotalBytes) throw this.tooManyBytes(l);
    for (const e of rec.entries) {
      const info: Omit<EntryInfo, 'path'> = { type: e.t, size: e.s, mode: e.m };
      if (e.u !== undefined) info.uid = e.u;
      if (e.g !== undefined) info.gid = e.g;
      if (e.l !== undefined) info.linkTarget = e.l;
      await this.entry(
        l,
        e.n,
        info,
        async (_max, fan) => {
          const r = e.r;
          if (!r) throw new SkipFile('the layer cache holds no record of reading this file');
          if (r.skip !== undefined) throw new SkipFile(r.skip);
          if (fan) await fan.restore(r.sinks);
          return new Replayed(r);
        },
        e.x ? { pax: e.x } : {},
      );
    }
  }

  tooManyBytes(l: LayerInfo): PortcullisError {
    return new PortcullisError('LIMIT_EXCEEDED', `${this.label(l)}: more than ${this.limits.maxTotalBytes} uncompressed bytes in the image (decompression bomb?)`, { subject: l.diffId });
  }

  /** Walk a tar layer, recording it for the cache when there is one; the record is stored once the whole layer was read (and so its digests checked). */
  async walkTarCached(l: LayerInfo, stream: Readable): Promise<void> {
    const key = this.cacheKey(l);
    if (key === undefined) return this.walkTar(l, stream);
    const before = this.stats.bytes;
    this.recording = [];
    this.recordable = true;
    this.recordBytes = 0;
    let entries: EntryRecord[];
    try {
      await this.walkTar(l, stream);
    } finally {
      entries = this.recording;
      this.recording = undefined;
    }
    const cache = this.opts.cache!;
    if (!this.recordable) {
      cache.onNote?.(`layer cache: ${this.label(l)} not stored (a result that cannot be replayed, or too large)`);
      return;
    }
    const why = await cache.store.put(key, { format: RECORD_FORMAT, diffId: l.diffId, bytes: this.stats.bytes - before, entries });
    if (why !== undefined) cache.onNote?.(`layer cache: ${this.label(l)} not stored: ${why}`);
    else if (this.image.layerIdentity === 'pinned-blob' && l.digest !== undefined) await cache.store.putBlob(l.digest, l.diffId);
  }

  async walkTar(l: LayerInfo, stream: Readable): Promise<void> {
    const limits = this.limits;
    const stats = this.stats;
    const tooMany = (): PortcullisError => this.tooManyBytes(l);
    const counter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        stats.bytes += chunk.length;
        if (stats.bytes > limits.maxTotalBytes) cb(tooMany());
        else cb(null, chunk);
      },
    });
    const extract = tar.extract();
    let failure: unknown;
    const done = pipeline(stream, counter, extract).catch((e: unknown) => {
      failure ??= e;
    });
    let sawEntry = false;
    try {
      for await (const e of extract) {
        e.on('error', () => {}); // the extract reports the failure
        sawEntry = true;
        const h = e.header;
        const type = tarType(h.type);
        const info: Omit<EntryInfo, 'path'> = { type, size: type === 'file' ? (h.size ?? 0) : 0, mode: h.mode ?? 0 };
        if (h.uid !== undefined) info.uid = h.uid;
        if (h.gid !== undefined) info.gid = h.gid;
        if (h.linkname) info.linkTarget = h.linkname;
        // GNU sparse in PAX: the real name and size are in GNU.sparse.* records (sparse.ts)
        let sparse: SparseInfo | undefined;
        let sparseError: string | undefined;
        try {
          sparse = type === 'file' ? sparseInfo(h.pax as Record<string, string> | undefined) : undefined;
        } catch (err) {
          sparseError = describe(err);
        }
        const name = sparse?.name ?? (h.pax as Record<string, string> | undefined)?.['GNU.sparse.name'] ?? h.name;
        if (sparse) info.size = sparse.realSize;
        let consumed = false;
        await this.entry(
          l,
          name,
          info,
          async (max, fan) => {
            consumed = true;
            if (sparseError !== undefined) {
              await readEntry(e, 0);
              throw new SkipFile(sparseError);
            }
            if (!sparse) return readEntry(e, max, fan);
            // the stored bytes are the map (1.0) and the data regions: at most the real size plus the map
            const cap = max >= 0 ? max : this.limits.maxFileBytes;
            const raw = await readEntry(e, cap + 64 * 1024 * 1024);
            let full: Buffer | undefined;
            try {
              full = raw === undefined ? undefined : expandSparse(raw, sparse, cap);
            } catch (err) {
              throw new SkipFile(describe(err));
            }
            if (fan) {
              if (full === undefined) fan.abort(`sparse file larger than ${cap} bytes; not read`);
              else {
                for (let off = 0; off < full.length; off += 256 * 1024) await fan.write(full.subarray(off, off + 256 * 1024));
                await fan.end();
              }
            }
            return max < 0 ? undefined : full;
          },
          h.pax ? { pax: h.pax as Record<string, string> } : {},
        );
        if (!consumed) e.resume();
      }
    } catch (e) {
      failure ??= e;
      stream.destroy();
    }
    await done;
    if (failure !== undefined) throw this.layerError(l, failure);
    if (!sawEntry) {
      // an empty tar (just the end blocks) is a valid, empty layer; anything tar-stream accepted is fine
    }
  }

  layerError(l: LayerInfo, e: unknown): PortcullisError {
    if (e instanceof PortcullisError) return e;
    const code = (e as NodeJS.ErrnoException)?.code;
    if ((typeof code === 'string' && code.startsWith('Z_')) || /zstd/.test(describe(e))) return asReadError(e, this.label(l));
    return new PortcullisError('IMAGE_UNREADABLE', `${this.label(l)}: not a valid tar stream (${describe(e)})`, { cause: e, subject: l.diffId });
  }

  async walkDir(l: LayerInfo, root: string): Promise<void> {
    this.fsRoot = root;
    const layer = layerRef(l);
    for await (const { info, abs } of walkFs(root, (path, why) => this.problem({ reason: 'layer-unreadable', subject: path, detail: why, layer }))) {
      const { path: _p, ...rest } = info;
      await this.entry(
        l,
        info.path,
        rest,
        async (max, fan) => {
          let got: { content: Buffer | undefined; bytes: number };
          try {
            got = await streamRegular(abs, max, fan);
          } catch (e) {
            throw new SkipFile(`cannot read: ${describe(e)}`);
          }
          this.stats.bytes += got.bytes;
          return got.content;
        },
        { xattrsKnown: false },
      );
    }
  }

  /** After the pass: resolve required links against the final filesystem, then analyze their targets. */
  async resolvePending(): Promise<void> {
    if (this.pending.length === 0) return;
    const lookup = (p: string): string | undefined => {
      const r = this.links.last(p);
      return r && !r.hard ? r.target : undefined;
    };
    const targets = new Map<PendingLink, string>();
    for (const pl of this.pending) {
      const t = pl.entry.linkTarget!;
      const r = pl.entry.type === 'hardlink' ? resolveInRoot('/', t, lookup, this.limits.maxLinkDepth) : resolveInRoot(parentOf(pl.entry.path), t, lookup, this.limits.maxLinkDepth);
      if (!r.ok) {
        this.problem({ reason: 'limit-exceeded', subject: pl.entry.path, detail: `link not followed: ${r.reason}`, layer: pl.layer });
        for (const a of pl.analyzers) this.book.mark(a.name, pl.entry.path, pl.layer, 'failed', `link not followed: ${r.reason}`, { gap: false });
        continue;
      }
      // a hard link may point at another hard link
      let p = r.path;
      for (let d = 0; d < this.limits.maxLinkDepth; d++) {
        const h = this.links.last(p);
        if (!h?.hard) break;
        const r2 = resolveInRoot('/', h.target, lookup, this.limits.maxLinkDepth);
        if (!r2.ok) break;
        p = r2.path;
      }
      targets.set(pl, p);
    }
    const missing = new Set<string>();
    for (const p of targets.values()) if (!this.kept.last(p)) missing.add(p);
    const fetched = missing.size > 0 ? await this.fetch(missing) : new Map<string, { content: Buffer; entry: EntryInfo } | 'too-large'>();
    for (const [pl, target] of targets) {
      const got = this.kept.last(target) ?? fetched.get(target);
      if (got === 'too-large') {
        this.overCap(pl.analyzers, pl.entry.path, this.limits.maxFileBytes + 1, pl.layer, `link target ${target} is larger than ${this.limits.maxFileBytes} bytes`);
        continue;
      }
      if (!got) {
        // dangling link: the file the analyzer asked for does not exist in the image (or is not a file)
        for (const a of pl.analyzers) this.book.mark(a.name, pl.entry.path, pl.layer, 'failed', `link to ${target}, which is not a regular file in the image (dangling link); not read`);
        continue;
      }
      const entry: EntryInfo = { ...got.entry, path: pl.entry.path, linkTarget: target };
      const fits = this.overCap(pl.analyzers, pl.entry.path, got.content.length, pl.layer, `link target ${target}: ${got.content.length} bytes`);
      if (fits.length === 0) continue;
      this.stats.analyzedFiles++;
      await this.runAnalyzers(fits, pl.entry.path, entry, got.content, pl.layer, pl.analyzers.map((a, i) => (fits.includes(a) ? pl.recs[i] : undefined)).filter((r): r is AnalyzedFile => r !== undefined));
    }
  }

  /** Second, targeted pass: the final content of `paths` (only for link targets not already kept). */
  private async fetch(paths: Set<string>): Promise<Map<string, { content: Buffer; entry: EntryInfo } | 'too-large'>> {
    const out = new Map<string, { content: Buffer; entry: EntryInfo } | 'too-large'>();
    if (this.fsRoot !== undefined) {
      const realRoot = realpathSync(this.fsRoot);
      for (const p of paths) {
        const abs = realRoot === '/' ? p : `${realRoot}${p}`;
        try {
          const real = realpathSync(abs);
          if (real !== realRoot && !real.startsWith(realRoot === '/' ? '/' : realRoot + sep)) continue;
          const st = await fsp.lstat(real);
          if (!st.isFile()) continue;
          const buf = await readRegular(real, this.limits.maxFileBytes);
          out.set(p, buf === undefined ? 'too-large' : { content: buf, entry: { path: p, type: 'file', size: st.size, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid } });
        } catch {
          // dangling
        }
      }
      return out;
    }
    const found = new PathIndex<Tracked & { got: { content: Buffer; entry: EntryInfo } | 'too-large' }>();
    for (const l of this.image.layers) {
      const content = await this.image.openLayer(l.diffId, this.opts.signal);
      if (content.kind !== 'tar') continue;
      const extract = tar.extract();
      let failure: unknown;
      const done = pipeline(content.stream, extract).catch((e: unknown) => {
        failure ??= e;
      });
      try {
        for await (const e of extract) {
          e.on('error', () => {}); // the extract reports the failure
          const n = normaliseEntryPath(e.header.name);
          const type = tarType(e.header.type);
          if (!n.ok || applyOverlay(n.path, type, l.index, (fn) => fn(found as unknown as PathIndex<Tracked>)) === 'whiteout' || !paths.has(n.path) || type !== 'file') {
            e.resume();
            continue;
          }
          const path = n.path;
          const size = e.header.size ?? 0;
          const buf = await readEntry(e, this.limits.maxFileBytes);
          const entry: EntryInfo = { path, type: 'file', size, mode: e.header.mode ?? 0 };
          if (e.header.uid !== undefined) entry.uid = e.header.uid;
          if (e.header.gid !== undefined) entry.gid = e.header.gid;
          found.add(path, { layer: l.index, got: buf === undefined ? 'too-large' : { content: buf, entry } });
        }
      } catch (e) {
        failure ??= e;
        content.stream.destroy();
      }
      await done;
      if (failure !== undefined) throw this.layerError(l, failure);
    }
    for (const p of paths) {
      const f = found.last(p);
      if (f) out.set(p, f.got);
    }
    return out;
  }
}

const CHUNK = 256 * 1024;

/**
 * Read a regular file once without following a final symlink: chunks to `fan`, the content collected
 * when at most `max` bytes (undefined when larger or `max` < 0). Sink failures are the fan's business;
 * a read error aborts the sinks and throws.
 */
async function streamRegular(abs: string, max: number, fan?: SinkFan): Promise<{ content: Buffer | undefined; bytes: number }> {
  if (!fan) {
    const content = max < 0 ? undefined : await readRegular(abs, max);
    return { content, bytes: content?.length ?? 0 };
  }
  const fh = await fsp.open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  const chunks: Buffer[] = [];
  let n = 0;
  let over = max < 0;
  try {
    const st = await fh.stat();
    if (st.isFile()) {
      for (;;) {
        const buf = Buffer.allocUnsafe(CHUNK);
        const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
        if (bytesRead === 0) break;
        const c = buf.subarray(0, bytesRead);
        n += bytesRead;
        if (!over) {
          if (n > max) {
            over = true;
            chunks.length = 0;
          } else chunks.push(c);
        }
        await fan.write(c);
      }
    }
  } catch (e) {
    fan.abort(`read failed: ${describe(e)}`);
    throw e;
  } finally {
    await fh.close();
  }
  await fan.end();
  return { content: over ? undefined : Buffer.concat(chunks), bytes: n };
}

/** Read a regular file without following a final symlink; undefined when larger than `max`. */
async function readRegular(abs: string, max: number): Promise<Buffer | undefined> {
  const fh = await fsp.open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) return Buffer.alloc(0);
    if (st.size > max) return undefined;
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const { bytesRead } = await fh.read(buf, off, st.size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return buf.subarray(0, off);
  } finally {
    await fh.close();
  }
}

/**
 * Walk every layer of `image` once, in order, feeding analyzers the files they require.
 * Whole-run failures (unreadable layer, digest mismatch, limits on entries/bytes) throw PortcullisError;
 * per-file problems are returned in `problems` and the analyzers' statuses.
 */
export async function walkImage(image: ResolvedImage, analyzers: Analyzer[], opts: WalkOptions = {}): Promise<WalkResult> {
  const w = new Walk(image, analyzers, opts);
  const total = image.layers.length;
  for (const l of image.layers) {
    if (opts.signal?.aborted) throw new PortcullisError('INTERNAL', 'walk aborted');
    const hit = await w.lookup(l);
    if (hit) {
      await w.replayLayer(l, hit.rec, hit.skipRead);
      w.stats.cachedLayers++;
      if (hit.skipRead) w.stats.notDownloaded++;
    } else {
      let content;
      try {
        content = await image.openLayer(l.diffId, opts.signal);
      } catch (e) {
        throw w.layerError(l, e);
      }
      if (content.kind === 'fs') await w.walkDir(l, content.root);
      else await w.walkTarCached(l, content.stream);
    }
    w.stats.layers++;
    opts.onLayer?.(w.stats.layers, total);
  }
  await w.resolvePending();
  if (opts.cache) opts.cache.onNote?.(`layer cache: ${w.stats.cachedLayers} of ${total} layer(s) replayed from the cache, ${w.stats.notDownloaded} not downloaded`);
  const files = w.files.filter((f) => !w.placeholders.has(f)).sort((a, b) => a.layer.index - b.layer.index || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || (a.analyzer < b.analyzer ? -1 : a.analyzer > b.analyzer ? 1 : 0));
  return {
    files,
    analyzers: w.book.statuses(),
    problems: [...w.problems, ...w.book.problems()],
    stats: w.stats,
  };
}
