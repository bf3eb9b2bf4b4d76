// The layer walker: one streamed pass over each layer, in order. Entry names are normalised; whiteouts
// and opaque directories are applied as they stream by to decide which analyzed files are `effective`;
// analyzers get only the regular files their `required()` selects (buffered up to maxFileBytes);
// required symlinks and hard links are resolved inside the image after the pass. See README.md.
import { constants, promises as fsp, realpathSync } from 'node:fs';
import { sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import type { Analyzer, AnalyzerStatus, EntryInfo, EntryType, LayerInfo, LayerRef, ResolvedImage, WalkLimits } from '../core/types.js';
import { PortcullisError } from '../core/errors.js';
import { asReadError } from '../source/streams.js';
import { walkFs } from './fswalk.js';
import { baseOf, normaliseEntryPath, parentOf, resolveInRoot } from './path.js';
import { PathIndex } from './pathindex.js';
import { DEFAULT_LIMITS, type AnalyzedFile, type WalkOptions, type WalkProblem, type WalkResult } from './types.js';

export * from './types.js';
export { normaliseEntryPath, resolveInRoot } from './path.js';

/** Small required files are kept (up to this much in total) so required links can be resolved to them. */
const RETAIN_FILE_MAX = 1024 * 1024;
const RETAIN_TOTAL_MAX = 64 * 1024 * 1024;

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

/** Collect an entry's content; undefined (content dropped, stream drained) when larger than `max`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function readEntry(e: { on(ev: string, fn: (...a: any[]) => void): unknown }, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    let over = false;
    e.on('data', (c: Buffer) => {
      if (over) return;
      n += c.length;
      if (n > max) {
        over = true;
        chunks.length = 0;
      } else chunks.push(c);
    });
    e.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    e.on('error', reject);
  });
}

/** Thrown by a source's read callback when one file cannot be read (a per-file problem). */
class SkipFile extends Error {}

class Walk {
  readonly limits: WalkLimits;
  readonly files: AnalyzedFile[] = [];
  readonly problems: WalkProblem[] = [];
  readonly status = new Map<string, AnalyzerStatus>();
  readonly stats = { layers: 0, entries: 0, bytes: 0, analyzedFiles: 0 };
  private readonly live = new PathIndex<FileRec>();
  private readonly links = new PathIndex<LinkRec>();
  private readonly kept = new PathIndex<Kept>();
  private keptBytes = 0;
  private readonly pending: PendingLink[] = [];
  /** records of required links not (yet) analyzed: dropped from the result when never resolved */
  readonly placeholders = new Set<AnalyzedFile>();
  private fsRoot: string | undefined;

  constructor(
    readonly image: ResolvedImage,
    readonly analyzers: Analyzer[],
    readonly opts: WalkOptions,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...(opts.limits ?? {}) };
    for (const a of analyzers) this.status.set(a.name, { analyzer: a.name, files: 0, warnings: [] });
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
    const msg = `${path}: ${describe(e)}`;
    this.status.get(a.name)?.warnings.push(msg);
    this.problem({ reason: 'analyzer-error', subject: path, detail: `analyzer ${a.name} failed: ${describe(e)}`, layer });
  }

  private async runAnalyzers(list: Analyzer[], path: string, entry: EntryInfo, content: Buffer, layer: LayerRef, recs?: AnalyzedFile[]): Promise<AnalyzedFile[]> {
    const out: AnalyzedFile[] = [];
    for (const [i, a] of list.entries()) {
      const st = this.status.get(a.name)!;
      const ctx = { layer, limits: this.limits, warn: (m: string) => st.warnings.push(`${path}: ${m}`) };
      st.files++;
      let facts: AnalyzedFile['facts'] = [];
      try {
        facts = await a.analyze({ path, entry, content, layer }, ctx);
      } catch (e) {
        this.analyzerError(a, path, layer, e);
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

  private kill(fn: (ix: PathIndex<Tracked>) => Tracked[]): void {
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

  /**
   * One entry, whatever the source. `read(max)` returns the content, or undefined when larger than max.
   * Returns without reading when no analyzer wants the entry.
   */
  async entry(l: LayerInfo, rawName: string, info: Omit<EntryInfo, 'path'>, read: (max: number) => Promise<Buffer | undefined>): Promise<void> {
    this.checkAbort();
    this.countEntry(l);
    const layer = layerRef(l);
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
    if (applyOverlay(path, info.type, l.index, (fn) => this.kill(fn)) === 'whiteout') return;
    const entry: EntryInfo = { path, ...info };
    if (info.type === 'symlink' && info.linkTarget !== undefined) this.links.add(path, { layer: l.index, target: info.linkTarget, hard: false });
    if (info.type === 'hardlink' && info.linkTarget !== undefined) this.links.add(path, { layer: l.index, target: info.linkTarget, hard: true });
    if (info.type !== 'file' && info.type !== 'symlink' && info.type !== 'hardlink') return;
    const wanted = this.wanted(path, entry, layer);
    if (wanted.length === 0) return;
    if (info.type !== 'file') {
      if (info.linkTarget === undefined) return;
      const recs = wanted.map((a) => ({ path, layer, analyzer: a.name, facts: [], effective: true }));
      for (const r of recs) this.placeholders.add(r);
      this.record(recs, l.index);
      this.pending.push({ entry, layer, layerIdx: l.index, analyzers: wanted, recs });
      return;
    }
    if (info.size > this.limits.maxFileBytes) {
      this.problem({ reason: 'file-too-large', subject: path, detail: `${info.size} bytes, more than the ${this.limits.maxFileBytes} analyzers may read (wanted by ${wanted.map((a) => a.name).join(', ')})`, layer });
      return;
    }
    // an analyzer's own cap (Analyzer.maxFileBytes): a gap for it, the file is not buffered for it
    for (const a of wanted) {
      if (a.maxFileBytes !== undefined && info.size > a.maxFileBytes) {
        this.problem({ reason: 'file-too-large', subject: path, detail: `${info.size} bytes, more than the ${a.maxFileBytes} ${a.name} accepts`, layer });
      }
    }
    const accepted = wanted.filter((a) => a.maxFileBytes === undefined || info.size <= a.maxFileBytes);
    if (accepted.length === 0) return;
    let content: Buffer | undefined;
    try {
      content = await read(this.limits.maxFileBytes);
    } catch (e) {
      if (e instanceof SkipFile) {
        this.problem({ reason: 'layer-unreadable', subject: path, detail: e.message, layer });
        return;
      }
      throw e;
    }
    if (content === undefined) {
      this.problem({ reason: 'file-too-large', subject: path, detail: `more than the ${this.limits.maxFileBytes} bytes analyzers may read`, layer });
      return;
    }
    this.stats.analyzedFiles++;
    if (content.length <= RETAIN_FILE_MAX && this.keptBytes + content.length <= RETAIN_TOTAL_MAX) {
      this.kept.add(path, { layer: l.index, content, entry });
      this.keptBytes += content.length;
    }
    this.record(await this.runAnalyzers(accepted, path, entry, content, layer), l.index);
  }

  async walkTar(l: LayerInfo, stream: Readable): Promise<void> {
    const what = this.label(l);
    const limits = this.limits;
    const stats = this.stats;
    const counter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        stats.bytes += chunk.length;
        if (stats.bytes > limits.maxTotalBytes) {
          cb(new PortcullisError('LIMIT_EXCEEDED', `${what}: more than ${limits.maxTotalBytes} uncompressed bytes in the image (decompression bomb?)`, { subject: l.diffId }));
        } else cb(null, chunk);
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
        let consumed = false;
        await this.entry(l, h.name, info, async (max) => {
          consumed = true;
          return readEntry(e, max);
        });
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
      await this.entry(l, info.path, rest, async (max) => {
        let buf: Buffer | undefined;
        try {
          buf = await readRegular(abs, max);
        } catch (e) {
          throw new SkipFile(`cannot read: ${describe(e)}`);
        }
        if (buf !== undefined) this.stats.bytes += buf.length;
        return buf;
      });
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
        this.problem({ reason: 'file-too-large', subject: pl.entry.path, detail: `link target ${target} is larger than ${this.limits.maxFileBytes} bytes`, layer: pl.layer });
        continue;
      }
      if (!got) continue; // dangling link: the file the analyzer asked for does not exist in the image
      const entry: EntryInfo = { ...got.entry, path: pl.entry.path, linkTarget: target };
      this.stats.analyzedFiles++;
      await this.runAnalyzers(pl.analyzers, pl.entry.path, entry, got.content, pl.layer, pl.recs);
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
    let content;
    try {
      content = await image.openLayer(l.diffId, opts.signal);
    } catch (e) {
      throw w.layerError(l, e);
    }
    if (content.kind === 'fs') await w.walkDir(l, content.root);
    else await w.walkTar(l, content.stream);
    w.stats.layers++;
    opts.onLayer?.(w.stats.layers, total);
  }
  await w.resolvePending();
  const files = w.files.filter((f) => !w.placeholders.has(f)).sort((a, b) => a.layer.index - b.layer.index || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || (a.analyzer < b.analyzer ? -1 : a.analyzer > b.analyzer ? 1 : 0));
  return {
    files,
    analyzers: [...w.status.values()].sort((a, b) => (a.analyzer < b.analyzer ? -1 : 1)),
    problems: w.problems,
    stats: w.stats,
  };
}
