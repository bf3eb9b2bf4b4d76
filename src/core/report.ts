// The value every stage hands to the next, and what reporters render. Extend with optional members.
import type {
  AnalyzerStatus,
  CheckStatus,
  Finding,
  DependencyStep,
  ImageConfig,
  LayerRef,
  Origin,
  PackageRef,
  Severity,
  ImageRef,
  LayerInfo,
  OsInfo,
  Package,
  Platform,
} from './types.js';

export const REPORT_SCHEMA_VERSION = '1';

export interface ImageSummary {
  ref: ImageRef;
  /** the name shown to users: first repo tag, else the input */
  name: string;
  repoTags: string[];
  manifestDigest?: string;
  configDigest?: string;
  platform: Platform;
  config: ImageConfig;
  layers: LayerInfo[];
  annotations: Record<string, string>;
}

export interface Inventory {
  image: ImageSummary;
  os?: OsInfo;
  packages: Package[];
  analyzers: AnalyzerStatus[];
  /** problems found while reading (unreadable files, limits hit): become coverage-gap findings */
  gaps: Finding[];
}

export interface DbSourceMeta {
  name: string;
  kind: string;
  /** newest `modified` (or the feed's own timestamp) of the records it contributed */
  updatedAt?: string;
  records: number;
  checksum?: string;
  /** where `updatedAt` comes from: the feed's own records, or declared at build time (`db build --fetched-at`) */
  timeSource?: 'feed' | 'declared';
  /**
   * OSV ecosystems this source has records for (e.g. `Debian:12`, `npm`), so freshness can be judged per
   * source for the ecosystems an image needs. Absent for enrichment feeds (KEV, EPSS) and in DBs built
   * before it was recorded: such an advisory source is judged as serving every ecosystem.
   */
  ecosystems?: string[];
}

export interface DbMeta {
  schemaVersion: number;
  builtAt: string;
  sources: DbSourceMeta[];
  /** OSV ecosystem names with records, e.g. `Debian:12`, `npm`, `Alpine:v3.10` */
  ecosystems: string[];
}

export interface BaseImageRef {
  name: string;
  digest?: string;
  /** layer count of the base */
  layers: number;
  /** when the base image was built (its config `created`), if known */
  created?: string;
  /** image config digest (the image id), when known from the catalog */
  configDigest?: string;
  /** the catalog's `approved` flag, when the base is in the base catalog */
  approved?: boolean;
}

export interface Lineage {
  method: 'layer-match' | 'declared' | 'unknown';
  confidence: 'high' | 'medium' | 'low';
  /** nearest first: [corp/base, debian:12-slim] */
  chain: BaseImageRef[];
  /** number of image layers that belong to the nearest base (or look inherited, when unknown) */
  baseLayers: number;
  detail?: string;
  advice?: BaseAdvice[];
}

export interface BaseAdvice {
  name: string;
  digest?: string;
  kind: 'rebuild' | 'upgrade';
  fixes: number;
  remaining: number;
  /** packages of the candidate that could not be checked against the DB (coverage gaps): `fixes` may be too high, `remaining` too low */
  unchecked?: number;
  /** the Dockerfile line to use: `FROM name@sha256:…` (digest-pinned when the catalog records the manifest digest) */
  from?: string;
  /** the policies in force whose `baseImage.approved` accept it; empty: no policy in force, the catalog's approval only */
  approvedBy?: string[];
}

export type Verdict = 'pass' | 'fail' | 'error';

export interface Violation {
  policy: string;
  control: string;
  findingId?: string;
  message: string;
  remediation?: string;
  enforcement: 'block' | 'audit';
  /** what the finding is about, e.g. `CVE-2021-44906 in minimist 1.2.0 (pkg:npm/minimist@1.2.0)` */
  subject?: string;
  /** vulnerabilities.fixWithinDays: when this warning becomes a violation (or became one) */
  deadline?: string;
}

export interface Suppression {
  findingId: string;
  by: 'exception' | 'vex' | 'policy-ignore' | 'ignore-unfixed' | 'grace-period' | 'allowlist' | 'app-only';
  ruleId: string;
  policy?: string;
  reason?: string;
  expires?: string;
  /** for `by: exception` and `allowlist`: who owns it (the entry's `owner`) */
  owner?: string;
  /** for `by: exception`: the file (and line) the exception was read from; for `by: vex`: the VEX file */
  source?: string;
  /** what the suppressed finding is about, e.g. `CVE-2021-44906 in minimist 1.2.0 (pkg:npm/minimist@1.2.0)` */
  subject?: string;
  /** for `by: vex`: the statement that suppressed it (OpenVEX justification names, or the format's own) */
  vex?: VexSuppression;
}

export interface VexSuppression {
  document: string;
  author: string;
  status: 'not_affected' | 'fixed';
  justification?: string;
  impact?: string;
}

export interface Decision {
  verdict: Verdict;
  pipeline: string;
  policies: string[];
  violations: Violation[];
  warnings: Violation[];
  suppressed: Suppression[];
  /** notes about exceptions: expired, expiring soon, unused */
  notices: string[];
  evaluatedAt: string;
  /** findings created by the evaluation itself (base image, root user, labels, denied packages, DB age) */
  derivedFindings?: Finding[];
  /** the image the decision is about, as matched by policies and exceptions */
  image?: {
    name?: string;
    tag?: string;
    digest?: string;
    /** the image config digest (image ID), when known: the content address a `docker save` archive has */
    configDigest?: string;
  };
  /** set when an allowlist entry passed the image regardless of findings */
  allowlisted?: { image: string; reason: string; owner: string; expires: string };
}

/** One change to one package that fixes its vulnerabilities (scan/actions.ts). */
export interface Action {
  package: PackageRef;
  kind: 'upgrade' | 'rebuild' | 'no-fix';
  /** the version to move to: the lowest that no matching advisory still calls affected (or, when none, the one leaving the fewest) */
  to?: string;
  /** one line a developer acts on: "upgrade qs 6.7.0 → 6.14.2" */
  text: string;
  fixes: { ids: string[]; bySeverity: Partial<Record<Severity, number>> };
  /** advisories `to` does not fix (all of them for no-fix) */
  remaining: string[];
  /** the package has a finding that violates a policy */
  decides: boolean;
  kev: boolean;
  severity: Severity;
  layer?: LayerRef;
  origin?: Origin;
  /**
   * Where the package comes from, for language packages: a direct dependency of the project, transitive
   * (`path` from the direct dependency to upgrade, down to the package), or unknown (Go binaries, jars,
   * trees without a manifest: never guessed). Absent for OS packages.
   */
  dependency?: { status: 'direct' | 'transitive' | 'unknown'; path?: DependencyStep[] };
}

export interface ScanReport {
  schemaVersion: string;
  scanner: { name: string; version: string };
  createdAt: string;
  inventory: Inventory;
  findings: Finding[];
  db?: DbMeta;
  lineage?: Lineage;
  decision?: Decision;
  /**
   * Every check of CHECK_NAMES with how completely it ran. A report without it (older versions, other
   * producers) is read as "no check ran": policy controls over checks are then not evaluated.
   */
  checks?: CheckStatus[];
  /** one action per vulnerable package, most important first */
  actions?: Action[];
}

export interface RenderOptions {
  /** colour output (table); false when not a TTY or --no-color */
  color: boolean;
  /** table: the width to fit (terminal columns; default 120): long titles wrap at word boundaries */
  width?: number;
  /** table: full titles, one line each, whatever the width (`--wide`) */
  wide?: boolean;
  /** `sbom` renders the inventory only; `scan` renders findings (and the decision when present) */
  mode: 'sbom' | 'scan';
  /** the Dockerfile given to `scan --dockerfile`, as typed (repository-relative): where SARIF locates image-level findings */
  dockerfile?: string;
}

/** One output format. Deterministic: sorted output, times from the report (fixed clock in tests). */
export interface Reporter {
  format: string;
  /** which commands offer it */
  modes: ReadonlyArray<'sbom' | 'scan'>;
  render(report: ScanReport, out: NodeJS.WritableStream, opts: RenderOptions): Promise<void>;
}
