// The walker's state and its one path for every entry, whatever the source (tar stream, directory
// tree, cached record): name checks, overlay (whiteouts, opaque directories, replacements), content
// checks fed once, analyzers given the files they require, link records for after the pass. The
// drivers are beside it: tarwalk.ts, dirwalk.ts, links.ts, replay.ts (the layer cache); index.ts runs them.
import type { Analyzer, EntryInfo, EntryType, LayerInfo, LayerRef, ResolvedImage, WalkLimits } from '../core/types.js';
import { PortcullisError } from '../core/errors.js';
import { asReadError } from '../core/errors.js';
import { baseOf, normaliseEntryPath, parentOf } from './path.js';
import { PathIndex } from './pathindex.js';
import { StatusBook } from './status.js';
import { DEFAULT_LIMITS, type AnalyzedFile, type ContentSink, type EntryExtra, type EntryObserver, type WalkOptions, type WalkProblem } from './types.js';
import { SinkFan } from './sinks.js';
import { loadFacts, storeFacts, type AnalyzerRun, type EntryRecord, type ReadRecord } from './record.js';
import type { RecordWriter } from './recordwriter.js';

/** Small required files are kept (up to this much in total) so required links can be resolved to them. */
const RETAIN_FILE_MAX = 1024 * 1024;
const RETAIN_TOTAL_MAX = 64 * 1024 * 1024;
/** a layer whose record would hold more than this (roughly) is not cached: it would not pay to keep it in memory */
const MAX_RECORDING_BYTES = 256 * 1024 * 1024;

export interface Tracked {
  layer: number;
}
interface FileRec extends Tracked {
  file: AnalyzedFile;
}
interface LinkRec extends Tracked {
  target: string;
  hard: boolean;
}
export interface Kept extends Tracked {
  content: Buffer;
  entry: EntryInfo;
}
export interface PendingLink {
  entry: EntryInfo;
  layer: LayerRef;
  layerIdx: number;
  analyzers: Analyzer[];
  recs: AnalyzedFile[];
}

export function layerRef(l: LayerInfo): LayerRef {
  const r: LayerRef = { index: l.index, diffId: l.diffId };
  if (l.createdBy) r.createdBy = l.createdBy;
  return r;
}

export function describe(e: unknown): string {
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

/** Thrown by a source's read callback when one file cannot be read (a per-file problem). */
export class SkipFile extends Error {}

/** What a replayed read yields instead of content: the record of the cold read (layer cache). */
export class Replayed {
  constructor(readonly r: ReadRecord) {}
}

export class Walk {
  readonly limits: WalkLimits;
  readonly files: AnalyzedFile[] = [];
  readonly problems: WalkProblem[] = [];
  readonly book: StatusBook;
  readonly stats = { layers: 0, entries: 0, bytes: 0, analyzedFiles: 0, cachedLayers: 0, notDownloaded: 0, recordedLayers: 0 };
  readonly live = new PathIndex<FileRec>();
  readonly links = new PathIndex<LinkRec>();
  readonly kept = new PathIndex<Kept>();
  keptBytes = 0;
  readonly pending: PendingLink[] = [];
  readonly observers: EntryObserver[];
  /** records of required links not (yet) analyzed: dropped from the result when never resolved */
  readonly placeholders = new Set<AnalyzedFile>();
  fsRoot: string | undefined;
  /** layer cache: the record of the layer being walked, written as its entries complete */
  recording: RecordWriter | undefined;
  /**
   * The layer being recorded: `recordable` false once something in it cannot be replayed (a check that
   * failed, a fact holding a layer copy). One object per layer, so an outcome that arrives after the walk
   * moved on (the malware worker's) marks its own layer.
   */
  layerState = { recordable: true };
  get recordable(): boolean {
    return this.layerState.recordable;
  }
  set recordable(v: boolean) {
    this.layerState.recordable = v;
  }
  /** layer records being stored while the walk goes on (awaited at the end of the walk) */
  readonly stores: Promise<void>[] = [];
  /** content checks' outcomes still being computed for the layer being recorded (awaited before it is stored) */
  pendingSaves: Promise<void>[] = [];
  /** rough size of the record being made */
  recordBytes = 0;

  constructor(
    readonly image: ResolvedImage,
    readonly analyzers: Analyzer[],
    readonly opts: WalkOptions,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...(opts.limits ?? {}) };
    this.observers = opts.observers ?? [];
    this.book = new StatusBook(analyzers);
  }

  /** one LayerRef per layer, shared by its entries' facts and findings (an object per entry was garbage) */
  private readonly refs: LayerRef[] = [];
  refOf(l: LayerInfo): LayerRef {
    return (this.refs[l.index] ??= layerRef(l));
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
  capOf(a: Analyzer): number {
    return Math.min(a.maxFileBytes ?? this.limits.maxFileBytes, this.limits.maxFileBytes);
  }

  /** `path` (`size` bytes) is over the cap of some of `wanted`: a file-too-large problem naming the cap each, and those analyzers partial. Returns the rest. */
  overCap(wanted: Analyzer[], path: string, size: number, layer: LayerRef, what = `${size} bytes`): Analyzer[] {
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

  async runAnalyzers(list: Analyzer[], path: string, entry: EntryInfo, content: Buffer, layer: LayerRef, recs?: AnalyzedFile[], runs?: (AnalyzerRun | string)[]): Promise<AnalyzedFile[]> {
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
        // nothing found, said or thrown (most runs): its name is enough
        runs.push(run.f === '[]' && run.c === undefined && run.e === undefined ? run.a : run);
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
    const layer = this.refOf(l);
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
      if (saved instanceof Promise) {
        const layerState = this.layerState;
        const writer = this.recording!;
        writer.hold(er!);
        this.pendingSaves.push(
          saved.then((v) => {
            if (v) rr.sinks = v;
            else layerState.recordable = false;
            writer.release(er!);
          }),
        );
      } else if (saved) rr.sinks = saved;
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
    const list = fits.filter((a) => length <= this.capOf(a));
    // Kept for link resolution in later layers: small files some analyzer would also take through a link
    // (a link to another file is resolved by a second read after the walk: links.ts). A record holds the
    // body of the same files, so a replay keeps what a walk keeps.
    if (replayed) {
      if (replayed.body !== undefined) this.keep(path, l.index, entry, Buffer.from(replayed.body, 'base64'));
      this.record(this.replayRuns(list, path, entry, layer, replayed.runs ?? []), l.index);
      return;
    }
    // may be a view of the layer stream's memory, valid until the walk reads on (tarwalk.ts readEntry)
    const content = got as Buffer;
    const linkable = length <= RETAIN_FILE_MAX && this.linkable(list, path, entry);
    if (linkable) this.keep(path, l.index, entry, Buffer.from(content));
    if (rr) {
      rr.len = length;
      if (linkable) {
        rr.body = content.toString('base64');
        this.recordBytes += rr.body.length;
      }
      rr.runs = [];
    }
    this.record(await this.runAnalyzers(list, path, entry, content, layer, undefined, rr?.runs), l.index);
  }

  private keep(path: string, layer: number, entry: EntryInfo, content: Buffer): void {
    if (this.keptBytes + content.length > RETAIN_TOTAL_MAX) return;
    this.kept.add(path, { layer, content, entry });
    this.keptBytes += content.length;
  }

  /** Layer cache: the record of an entry of the layer being recorded (pushed to it). */
  private recordEntry(rawName: string, info: Omit<EntryInfo, 'path'>, extra: EntryExtra): EntryRecord {
    const er: EntryRecord = { n: rawName.length > this.limits.maxPathLength ? rawName.slice(0, this.limits.maxPathLength + 1) : rawName, t: info.type, s: info.size, m: info.mode };
    if (info.uid !== undefined) er.u = info.uid;
    if (info.gid !== undefined) er.g = info.gid;
    if (info.linkTarget !== undefined) er.l = info.linkTarget;
    if (extra.pax) er.x = extra.pax;
    this.recording!.add(er);
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
  private replayRuns(list: Analyzer[], path: string, entry: EntryInfo, layer: LayerRef, runs: (AnalyzerRun | string)[]): AnalyzedFile[] {
    const out: AnalyzedFile[] = [];
    for (const [i, a] of list.entries()) {
      this.book.get(a.name).files++;
      const run = runs[i];
      let facts: AnalyzedFile['facts'] = [];
      if (run === a.name) {
        // found nothing, said nothing
      } else if (typeof run !== 'object' || run.a !== a.name) this.analyzerError(a, path, layer, 'the layer cache holds no result of this analyzer for the file');
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

  tooManyBytes(l: LayerInfo): PortcullisError {
    return new PortcullisError('LIMIT_EXCEEDED', `${this.label(l)}: more than ${this.limits.maxTotalBytes} uncompressed bytes in the image (decompression bomb?)`, { subject: l.diffId });
  }

  layerError(l: LayerInfo, e: unknown): PortcullisError {
    if (e instanceof PortcullisError) return e;
    const code = (e as NodeJS.ErrnoException)?.code;
    if ((typeof code === 'string' && code.startsWith('Z_')) || /zstd/.test(describe(e))) return asReadError(e, this.label(l));
    return new PortcullisError('IMAGE_UNREADABLE', `${this.label(l)}: not a valid tar stream (${describe(e)})`, { cause: e, subject: l.diffId });
  }
}
