// Content checks: scanners that are not package matching (secrets, malware, image configuration).
// They ride the walker's single pass over each layer: every entry of every layer is shown to them
// (including entries a later layer deletes), and a regular file's content streams to the sinks they
// return, read once for all checks and analyzers. After the walk, `finish` gets the inventory built
// from the same pass and returns findings plus a status that says how completely the check ran.
import type { CheckName, CheckStatus, EntryInfo, Finding, ImageConfig, LayerInfo, LayerRef } from '../core/types.js';
import type { Inventory } from '../core/report.js';

/** Where a file a check cares about stands in the final image; the walker updates it as later layers apply. */
export interface TrackedFile {
  readonly path: string;
  readonly layer: LayerRef;
  /** still visible in the final image */
  effective: boolean;
  /** the layer whose entry (whiteout, replacement, opaque directory) hid it */
  removedIn?: LayerRef;
}

/** Facts about an entry beyond EntryInfo, when the layer format carries them. */
export interface EntryExtra {
  /** PAX extended header records of a tar entry, e.g. `SCHILY.xattr.security.capability` (values as read) */
  pax?: Record<string, string>;
}

/** Receives one regular file's content as it streams by. */
export interface ContentSink {
  /** chunks in order; a returned promise is awaited before the next chunk (backpressure, e.g. clamd) */
  write(chunk: Buffer): void | Promise<void>;
  /** every byte of the file has been given */
  end(): void | Promise<void>;
  /** the file could not be read to its end (the walker names the reason); what was given is partial */
  abort(reason: string): void;
}

export interface CheckContext {
  config: ImageConfig;
  layers: readonly LayerInfo[];
  /** follow a path through later layers: finish() then knows whether it survived and which layer removed it */
  track(path: string, layer: LayerRef): TrackedFile;
  signal?: AbortSignal;
}

export interface CheckResult {
  findings: Finding[];
  status: CheckStatus;
}

/** One check's work on one image. */
export interface CheckRun {
  /**
   * Every entry of every layer, in order (whiteout markers excluded; links carry linkTarget). Return a sink
   * to receive a regular file's content, or undefined. Called for every entry: keep it cheap.
   */
  onEntry(entry: EntryInfo, layer: LayerRef, extra: EntryExtra): ContentSink | undefined;
  /** After the walk, with the inventory from the same pass (packages, OS, image config). */
  finish(inventory: Inventory): Promise<CheckResult>;
}

/** A check with its rules/signatures loaded. */
export interface ContentCheck {
  name: Exclude<CheckName, 'vulnerabilities' | 'licenses'>;
  /** bump to invalidate cached layer results */
  version: number;
  /** digest of the rules/signatures/options in use (layer cache key, decision record) */
  rulesDigest: string;
  start(ctx: CheckContext): CheckRun;
}

/** Settings a user gives checks (flags, portcullis.yaml); each check reads its own. */
export interface CheckOptions {
  /** environment, for defaults such as the cache dir */
  env: Record<string, string | undefined>;
  /** checks to skip entirely (`--skip-check NAME`); a skipped check reports `not-run` */
  skip?: string[];
}

/** Registered in registry.ts: loads rules before the image is read, so a broken rule file fails fast. */
export interface CheckFactory {
  name: ContentCheck['name'];
  prepare(opts: CheckOptions): Promise<ContentCheck>;
}
