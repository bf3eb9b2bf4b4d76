// What one walk over an image produces: the facts of every analyzed file, per layer, and whether that
// file is still present in the final filesystem (not overwritten, deleted by a whiteout or hidden by an
// opaque directory in a later layer). Inventory building (scan/inventory.ts) merges these.
import type { FileTracker } from './tracker.js';
import type { LayerCache } from './layercache.js';
import type { EntryInfo, Fact, LayerRef, WalkLimits, AnalyzerStatus, GapReason } from '../core/types.js';

export interface AnalyzedFile {
  path: string;
  layer: LayerRef;
  analyzer: string;
  facts: Fact[];
  /** true when this version of the file is the one visible in the final image */
  effective: boolean;
}

export interface WalkProblem {
  reason: GapReason;
  /** the path or layer the problem is about */
  subject: string;
  detail: string;
  layer?: LayerRef;
  /** the analyzer the problem is about (analyzer-error), so two analyzers failing on one file are two gaps */
  analyzer?: string;
}

export interface WalkResult {
  files: AnalyzedFile[];
  analyzers: AnalyzerStatus[];
  problems: WalkProblem[];
  stats: {
    layers: number;
    entries: number;
    bytes: number;
    analyzedFiles: number;
    /** layers replayed from the layer analysis cache */
    cachedLayers: number;
    /** of those, layers whose blob was not even read (registry, pinned blob known to the cache) */
    notDownloaded: number;
    /** layers walked and whose record the layer cache stored (with cachedLayers: every layer is in the cache) */
    recordedLayers: number;
  };
}

export interface WalkOptions {
  limits?: Partial<WalkLimits>;
  signal?: AbortSignal;
  /** called after each layer, for progress display */
  onLayer?: (done: number, total: number) => void;
  /** content checks riding the same pass (every entry, streamed content of regular files) */
  observers?: EntryObserver[];
  /** the tracker whose `track()` the observers use: the walker applies whiteouts and overwrites to it */
  tracker?: FileTracker;
  /** the layer analysis cache (layercache.ts): layers found there are replayed, not walked; others are recorded */
  cache?: WalkCache;
}

export interface WalkCache {
  store: LayerCache;
  /** what the analysis depends on besides analyzers and limits: scanner version, content checks' names, versions and rule digests */
  salt: unknown[];
  /** a cache problem worth a --debug line (a record not stored, ...) */
  onNote?: (message: string) => void;
}

export const DEFAULT_LIMITS: WalkLimits = {
  maxFileBytes: 256 * 1024 * 1024,
  maxTotalBytes: 64 * 1024 * 1024 * 1024,
  maxEntries: 5_000_000,
  maxPathLength: 4096,
  maxLinkDepth: 40,
};

// ---------------------------------------------------------------------------------------------
// Observers: content checks (secrets, malware, config) ride the same pass. See src/checks/types.ts.

/** Where a path an observer cares about stands in the final image; the walker updates it as later layers apply. */
export interface TrackedFile {
  readonly path: string;
  readonly layer: LayerRef;
  /** still visible in the final image */
  effective: boolean;
  /** the first later layer whose entry (whiteout, replacement, opaque directory) hid it */
  removedIn?: LayerRef;
}

/** Facts about an entry beyond EntryInfo, when the layer format carries them. */
export interface EntryExtra {
  /** PAX extended header records of a tar entry, e.g. `SCHILY.xattr.security.capability` (values as read) */
  pax?: Record<string, string>;
  /** false when the source cannot carry extended attributes (dir: sources): `pax` then says nothing about them */
  xattrsKnown?: boolean;
  /**
   * A large regular file in a layer the walk reads from a local file (LayerStream.readAt): its last `n`
   * bytes (n at most its size), read apart from the stream before the stream reaches them, for a sink that
   * needs a file's end before its middle (the malware check: no zip end record there, no middle needed).
   * The layer's digest check covers them as it covers the stream. Rejects when they cannot be read.
   */
  readTail?(n: number): Promise<Buffer>;
}

/** Receives one regular file's content as it streams by. */
export interface ContentSink {
  /**
   * chunks in order; a returned promise is awaited before the next chunk (backpressure, e.g. clamd). A
   * chunk is valid until write returns or its promise settles: its memory may then hold the next chunk
   * (a layer read into the hash worker's ring), so a sink that keeps bytes copies them.
   */
  write(chunk: Buffer): void | Promise<void>;
  /** every byte of the file has been given, or every sink said it was done (done()) */
  end(): void | Promise<void>;
  /**
   * After a write: true when this sink needs none of the file's remaining bytes. When every sink of a
   * file says so (and no analyzer reads it), the walker stops reading it, skips the rest and calls end().
   */
  done?(): boolean;
  /** the file could not be read to its end (the walker names the reason); what was given is partial */
  abort(reason: string): void;
  /**
   * Layer analysis cache: after end() or abort(), what this file contributed to the check, as JSON-able
   * data holding no secret (it is written to disk), or a promise of it while the outcome is still being
   * computed (resolving to undefined: none). A sink without save() makes its layer uncacheable.
   */
  save?(): unknown;
  /** Layer analysis cache: apply what save() returned for the same file, instead of write()/end(). */
  restore?(saved: unknown): void | Promise<void>;
}

/** Sees every entry of every layer in order (whiteout markers excluded), including entries a later layer hides. */
export interface EntryObserver {
  /** for problems the walker records on the observer's behalf */
  name: string;
  /** return a sink to receive a regular file's content, or undefined; called for every entry: keep it cheap */
  onEntry(entry: EntryInfo, layer: LayerRef, extra: EntryExtra): ContentSink | undefined;
}
