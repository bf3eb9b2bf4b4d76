// Public types of the advisory database.
import type { DbMeta, DbSourceMeta } from '../core/report.js';
import type { CvssScore, OsvRecord, Severity } from '../core/types.js';

export interface VendorSeverity {
  /** who rated it: ghsa, debian, almalinux, ... */
  source: string;
  severity: Severity;
  /** the vendor's own word: MODERATE, Important, unimportant, ... */
  label?: string;
}

export interface StoredAdvisory {
  record: OsvRecord;
  /** who published the record: ghsa, go, pypa, rustsec, almalinux, debian, alpine, ossf-malicious, ... */
  source: string;
  /** the DB source (feed) it came from, as named in DbMeta.sources */
  feed?: string;
  /** a malicious-package report (OSV MAL-*), not a vulnerability */
  malicious: boolean;
  vendorSeverity?: VendorSeverity;
  /** scores of the record's own vectors, then those borrowed from aliases; best first */
  cvss: CvssScore[];
  kev?: { dateAdded: string; dueDate?: string; ransomware?: boolean };
  epss?: { score: number; percentile: number; date?: string };
}

export interface PackageKey {
  ecosystem: string;
  name: string;
}

export interface AdvisoryDb {
  meta(): DbMeta;
  /** true when the DB has vulnerability advisories (not only malicious-package reports) for exactly this ecosystem string */
  covers(ecosystem: string): boolean;
  byPackage(ecosystem: string, name: string): StoredAdvisory[];
  /** keyed by `${ecosystem}\u0000${normalisedName}` (see packageKey) */
  byPackages(keys: PackageKey[]): Map<string, StoredAdvisory[]>;
  byId(id: string): StoredAdvisory | undefined;
  /** every advisory whose id, alias or upstream id is `id` (e.g. all records about one CVE), by id */
  byAlias(id: string): StoredAdvisory[];
  /** SQLite `PRAGMA quick_check`: `ok`, or the first problems found (db status) */
  integrity?(): { ok: boolean; problems: string[] };
  /** per ecosystem: vulnerability advisories, and malicious-package reports */
  counts(): Record<string, { advisories: number; malicious: number }>;
  close(): void;
}

export type SourceKind = 'osv' | 'alpine-secdb' | 'debian-tracker' | 'kev' | 'epss';

export interface BuildSummary {
  output: string;
  /** advisories stored (after de-duplication) */
  records: number;
  malicious: number;
  /** vulnerability advisories per ecosystem (an advisory counts once in each ecosystem it names) */
  ecosystems: Record<string, number>;
  /** malicious-package reports per ecosystem (they do not make an ecosystem covered) */
  maliciousByEcosystem: Record<string, number>;
  kev: number;
  epss: number;
  /** records or entries skipped because of bad input */
  skipped: number;
  /** duplicate ids replaced or dropped (the newest `modified` wins) */
  duplicates: number;
  warnings: number;
  sources: DbSourceMeta[];
  bytes: number;
  durationMs: number;
}

/** What importers yield. */
export type ImportItem =
  | { type: 'advisory'; record: OsvRecord; malicious?: boolean; vendorSeverity?: VendorSeverity; origin: string }
  | { type: 'kev'; cve: string; dateAdded: string; dueDate?: string; ransomware?: boolean }
  | { type: 'epss'; cve: string; score: number; percentile: number; date?: string };

export interface ImportContext {
  /** a per-record problem: skipped, counted, reported */
  warn(message: string): void;
  /** the feed's own timestamp, when it has one (KEV dateReleased, EPSS score_date, file time) */
  setUpdatedAt(iso: string): void;
  limits: ImportLimits;
}

export interface ImportLimits {
  /** largest single JSON record / file accepted */
  maxRecordBytes: number;
  /** largest uncompressed zip entry */
  maxEntryBytes: number;
  /** total uncompressed bytes read from one zip */
  maxZipTotalBytes: number;
  /** entries read from one zip or directory tree */
  maxEntries: number;
  /** largest whole-file feed (Debian tracker JSON, KEV JSON, EPSS CSV, secdb YAML) */
  maxFeedBytes: number;
  /** zips up to this size are read from memory, larger ones through the file descriptor */
  maxInMemoryZipBytes: number;
}

export const DEFAULT_LIMITS: ImportLimits = {
  maxRecordBytes: 8 * 1024 * 1024,
  maxEntryBytes: 8 * 1024 * 1024,
  maxZipTotalBytes: 8 * 1024 * 1024 * 1024,
  maxEntries: 5_000_000,
  maxFeedBytes: 512 * 1024 * 1024,
  maxInMemoryZipBytes: 256 * 1024 * 1024,
};
