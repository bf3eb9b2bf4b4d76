// Content checks: scanners that are not package matching (secrets, malware, image configuration).
// They ride the walker's single pass over each layer: every entry of every layer is shown to them
// (including entries a later layer deletes), and a regular file's content streams to the sinks they
// return, read once for all checks and analyzers. After the walk, `finish` gets the inventory built
// from the same pass and returns findings plus a status that says how completely the check ran.
import type { CheckName, CheckStatus, Finding, ImageConfig, LayerInfo, LayerRef } from '../core/types.js';
import type { Inventory } from '../core/report.js';
import type { EntryObserver, TrackedFile } from '../walker/types.js';

export type { ContentSink, EntryExtra, TrackedFile } from '../walker/types.js';

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

/**
 * One check's work on one image: an EntryObserver (`onEntry` sees every entry of every layer in order,
 * whiteout markers excluded, including entries a later layer hides; it returns a sink to receive a
 * regular file's content, or undefined — called for every entry, so keep it cheap), then `finish`.
 */
export interface CheckRun extends EntryObserver {
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
  /** Release what the check holds beyond a scan (the malware worker thread); called once the scan is over. */
  close?(): Promise<void>;
}

/** Settings a user gives checks (flags, portcullis.yaml); each check reads its own. */
export interface CheckOptions {
  /** environment, for defaults such as the cache dir */
  env: Record<string, string | undefined>;
  /** checks to skip entirely (`--skip-check NAME`); a skipped check reports `not-run` */
  skip?: string[];
  /** the Dockerfile the image was built from (--dockerfile), for Dockerfile lint checks */
  dockerfile?: { path: string; text: string };
  /** secrets: a gitleaks configuration file (`--secret-config`); the default rules when absent */
  secretConfig?: string;
  /** secrets: files larger than this are not scanned and reported as a gap (`--secret-max-file-size`) */
  secretMaxFileSize?: number;
  /** secrets: anchored globs of paths never scanned (`--secret-skip-path`) */
  secretSkipPaths?: string[];
  /** secrets: anchored globs of paths always scanned, even under an allowlisted path such as node_modules (`--secret-scan-path`) */
  secretScanPaths?: string[];
  /** ClamAV signature databases, files or directories (`--malware-signatures`, repeatable) */
  malwareSignatures?: string[];
  /** an RSA public key file the .cvd digital signatures must verify with (`--malware-cvd-key`) */
  malwareCvdKey?: string;
  /** a running clamd to stream every file to: `tcp://HOST:PORT` or `unix:/path` (`--clamd`) */
  clamd?: string;
  /** bytes sent to clamd per file at most (its StreamMaxLength; `--clamd-stream-max-length`) */
  clamdStreamMaxLength?: number;
}

/** Registered in registry.ts: loads rules before the image is read, so a broken rule file fails fast. */
export interface CheckFactory {
  name: ContentCheck['name'];
  prepare(opts: CheckOptions): Promise<ContentCheck>;
}
