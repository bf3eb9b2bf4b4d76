// Types shared by every module. These are contracts: extend them with optional members, never rename.

// ---------------------------------------------------------------------------------------------
// Images

export type Transport = 'docker-archive' | 'oci-archive' | 'oci' | 'dir' | 'registry' | 'sbom' | 'docker-daemon' | 'podman';

/** What the user asked for, parsed. `name` is the normalised repository (docker.io/library/alpine). */
export interface ImageRef {
  input: string;
  transport: Transport;
  /** file or directory for local transports */
  path?: string;
  /** normalised repository name, e.g. `docker.io/library/alpine`, when known */
  name?: string;
  tag?: string;
  digest?: string;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface HistoryEntry {
  created?: string;
  createdBy?: string;
  comment?: string;
  emptyLayer: boolean;
}

export interface ImageConfig {
  user?: string;
  env: string[];
  labels: Record<string, string>;
  entrypoint?: string[];
  cmd?: string[];
  workingDir?: string;
  exposedPorts: string[];
  volumes?: string[];
  healthcheck?: { test?: string[]; interval?: number; timeout?: number; retries?: number };
  stopSignal?: string;
  created?: string;
  author?: string;
  history: HistoryEntry[];
  /** rootfs.diff_ids in order */
  diffIds: string[];
  os?: string;
  architecture?: string;
  variant?: string;
}

export interface LayerInfo {
  /** 0-based position among the non-empty layers */
  index: number;
  /** digest of the blob as stored (compressed); equal to diffId for uncompressed layers */
  digest?: string;
  /** sha256 of the uncompressed tar (rootfs.diff_ids) */
  diffId: string;
  size?: number;
  mediaType?: string;
  /** history[].created_by of the history entry that produced this layer */
  createdBy?: string;
  created?: string;
}

/** A short reference to a layer, carried by packages and findings. */
export interface LayerRef {
  index: number;
  diffId: string;
  createdBy?: string;
}

/** What `openLayer` yields: an uncompressed tar stream, or a directory already unpacked (dir: sources). */
/**
 * A layer's tar bytes in order. A chunk is valid until the next one is asked for (a source may read the
 * next into the same memory): a reader that keeps bytes copies them. `destroy` stops the stream. A
 * Readable is one.
 */
export interface LayerStream extends AsyncIterable<Buffer> {
  destroy(error?: Error): void;
  /**
   * Leave out the next `n` bytes of what the stream gives (the caller does not want them), reading only
   * what is already under way. Only a stream whose digests are checked apart from it has this
   * (openLayerUnchecked): a stream that checks its own bytes must see every one of them.
   */
  skip?(n: number): void;
  /**
   * `length` bytes at `offset` of what the stream gives, read apart from it (a layer in a local file,
   * while the stream is being read: the checks the stream makes of its file cover these bytes too).
   */
  readAt?(offset: number, length: number): Promise<Buffer>;
}

export type LayerContent = { kind: 'tar'; stream: LayerStream } | { kind: 'fs'; root: string };

/** `openLayerUnchecked`: nothing `stream` gives counts before `checked` resolved. */
export interface UncheckedLayer {
  stream: LayerStream;
  checked: Promise<void>;
}

export interface ResolvedImage {
  ref: ImageRef;
  /** `sha256:...` of the manifest, when the source has one */
  manifestDigest?: string;
  configDigest?: string;
  /** repo:tag names recorded in the archive (docker save RepoTags, OCI ref.name annotation) */
  repoTags: string[];
  /** manifest annotations (OCI), e.g. org.opencontainers.image.base.name */
  annotations: Record<string, string>;
  platform: Platform;
  config: ImageConfig;
  layers: LayerInfo[];
  openLayer(diffId: string, signal?: AbortSignal): Promise<LayerContent>;
  /**
   * Read a layer's bytes only to check their digests, as a drained openLayer stream would (resolves when
   * they match; rejects as that stream would fail). For a layer replayed from the layer cache, whose
   * content nobody walks: a source may read it off the main thread. Absent: the walker drains openLayer.
   */
  verifyLayer?(diffId: string, signal?: AbortSignal): Promise<void>;
  /**
   * A layer's tar stream whose digests are checked apart from it: the stream gives the bytes unchecked and
   * `checked` settles once every byte of the layer was hashed in this run (rejects as openLayer's stream
   * would fail: DIGEST_MISMATCH, a short or changed file). A caller counts nothing the stream gave before
   * `checked` resolved. Undefined when the source cannot for this layer (then: openLayer); `signal` stops
   * both. For the walker, so that hashing and walking go at their own pace (source/plainregion.ts).
   */
  openLayerUnchecked?(diffId: string, signal?: AbortSignal): Promise<UncheckedLayer | undefined>;
  /**
   * Start checking now, in layer order, every layer whose digests the source checks apart from its stream
   * (openLayerUnchecked, and verifyLayer of the same layers waits on the same check), `parallel` at once
   * from now on: the walker calls it before it walks, so that hashing runs from the start instead of layer
   * by layer as they are opened, with 1 while it walks a layer itself and 2 while it replays or waits.
   */
  checkAhead?(parallel: number): void;
  close(): Promise<void>;
  /**
   * How a layer's identity is established, for the layer analysis cache (walker/layercache.ts); absent:
   * the layer is never cached. `diff-id`: the stream openLayer gives fails unless its bytes hash to the
   * layer's diffId. `pinned-blob`: that, and each LayerInfo.digest is pinned by a manifest hashed in this
   * run and checked against the blob's bytes (a registry pull): a blob whose diff_id the cache recorded
   * from bytes it hashed need not be downloaded again.
   */
  layerIdentity?: 'diff-id' | 'pinned-blob';
}

export interface ImageSource {
  resolve(signal?: AbortSignal): Promise<ResolvedImage>;
}

// ---------------------------------------------------------------------------------------------
// Walker and analyzers

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

export interface EntryInfo {
  /** absolute, normalised path inside the image, e.g. `/etc/os-release` */
  path: string;
  type: EntryType;
  size: number;
  mode: number;
  uid?: number;
  gid?: number;
  linkTarget?: string;
}

export interface FileInput {
  path: string;
  entry: EntryInfo;
  /**
   * The file's bytes, valid while `analyze()` runs (until its promise settles): the walker may hand out a
   * view of the layer stream's memory, reused once it reads on. An analyzer keeps what it parsed, or a copy.
   */
  content: Buffer;
  layer: LayerRef;
}

export interface AnalyzerContext {
  layer: LayerRef;
  /** per-file problems go here, not into exceptions */
  warn(message: string): void;
  /** the image-wide limits in force */
  limits: WalkLimits;
  /**
   * Something in this file was not read (a stanza or record skipped, a nested archive past a limit, an
   * entry without a version): the analyzer's status becomes at least `partial` and the file an
   * `analyzer-error` coverage gap. Set by the walker; analyzers call it through analyzers/status.ts.
   */
  partial?(reason: string): void;
  /** This file, which the analyzer needed, could not be read at all: status `failed`, and a gap. */
  fail?(reason: string): void;
}

export interface WalkLimits {
  maxFileBytes: number;
  maxTotalBytes: number;
  maxEntries: number;
  maxPathLength: number;
  maxLinkDepth: number;
}

export interface OsInfo {
  /** os-release ID, lower case: alpine, debian, ubuntu, rhel, centos, rocky, almalinux, fedora, ol, amzn, sles, opensuse-leap, photon, mariner, azurelinux, wolfi, chainguard */
  family: string;
  name: string;
  version?: string;
  /** VERSION_ID, e.g. `12`, `3.19.1` */
  versionId?: string;
  codename?: string;
  prettyName?: string;
  /** e.g. `debian` for a distroless image detected from dpkg status.d */
  idLike?: string[];
  /** the file that decided */
  source: string;
}

export type PackageType =
  | 'deb'
  | 'apk'
  | 'rpm'
  | 'npm'
  | 'pypi'
  | 'golang'
  | 'maven'
  | 'gem'
  | 'cargo'
  | 'composer'
  | 'nuget';

export interface PackageLocation {
  path: string;
  layer: LayerRef;
}

/** One package on a dependency path: "express 4.17.1". */
export interface DependencyStep {
  name: string;
  version: string;
}

export interface Package {
  name: string;
  version: string;
  type: PackageType;
  /** built only by core/purl */
  purl: string;
  arch?: string;
  /** for OS packages: the distro, e.g. {id: 'debian', versionId: '12'} */
  distro?: { id: string; versionId?: string; codename?: string };
  /** source package (deb Source:, apk origin, rpm source rpm name/version) */
  source?: { name: string; version: string };
  /** rpm epoch when non-zero / present */
  epoch?: number;
  /** rpm modularity label */
  modularityLabel?: string;
  licenses: string[];
  locations: PackageLocation[];
  /** layer that introduced this name@version (first layer where it appears) */
  layer?: LayerRef;
  foundBy: string;
  /** how sure we are: `high` for package DB / metadata, `low` for file-name guesses */
  confidence?: 'high' | 'medium' | 'low';
  /** files owned by an OS package, as its DB lists them (absolute paths) */
  files?: string[];
  /** for a language package whose files are owned by an OS package */
  ownedBy?: { name: string; purl: string };
  /**
   * Declared by a lockfile or manifest but not installed (present only with `--include-declared`):
   * `os-package`: the lockfile belongs to an OS package (a project's development lockfile shipped in it);
   * `not-installed`: the lockfile sits beside an installed tree that does not hold this package.
   */
  declaredOnly?: 'os-package' | 'not-installed';
  dev?: boolean;
  /**
   * From the project's dependency graph (lockfile or installed tree; analyzers/lang/depgraph.ts): true for
   * a direct dependency of the project, false for a transitive one; absent when unknown (no graph: Go
   * binaries, jars, OS packages, or the graph does not reach it). Never guessed.
   */
  direct?: boolean;
  /** for a transitive dependency: the shortest path from a direct dependency to this package, both included */
  dependencyPath?: DependencyStep[];
  /** purls of the packages it depends on (capped), as the dependency graph resolved them */
  dependsOn?: string[];
  /** Go: the toolchain, main module; Maven: groupId; free-form details per analyzer */
  metadata?: Record<string, string>;
}

export type Fact =
  | { kind: 'os'; os: OsInfo }
  | { kind: 'package'; pkg: Package }
  | { kind: 'owned-files'; owner: { name: string; type: PackageType }; files: string[] }
  | { kind: 'secret'; hit: SecretHit }
  | { kind: 'malware'; hit: MalwareHit }
  | { kind: 'config'; issue: ConfigIssue }
  /**
   * What a manifest in an installed tree declares it depends on (a package.json, a dist-info METADATA):
   * scan/inventory resolves these into the dependency graph once every layer is read. `project`: the
   * project's own manifest (its dependencies are the direct ones), not an installed package's.
   */
  | { kind: 'requires'; ecosystem: PackageType; path: string; names: string[]; project?: boolean };

export interface SecretHit {
  rule: string;
  title: string;
  path: string;
  line?: number;
  /** redacted excerpt */
  match: string;
  severity: Severity;
}

export interface MalwareHit {
  signature: string;
  path: string;
  engine: string;
}

export interface ConfigIssue {
  check: string;
  title: string;
  severity: Severity;
  detail: string;
  path?: string;
}

export interface Analyzer {
  name: string;
  /** bump to invalidate cached layer results */
  version: number;
  /** pure and cheap; called for every file entry */
  required(path: string, entry: EntryInfo): boolean;
  analyze(file: FileInput, ctx: AnalyzerContext): Promise<Fact[]>;
  /**
   * The largest file this analyzer accepts (default and upper bound: WalkLimits.maxFileBytes). The
   * walker neither buffers nor hands it a larger file: a `file-too-large` gap naming this cap instead
   * (a 200 MB package.json is never read into memory).
   */
  maxFileBytes?: number;
}

/** How completely an analyzer or a check ran (as osv-scalibr reports per plugin). */
export type RunState = 'complete' | 'partial' | 'failed';

export interface AnalyzerStatus {
  analyzer: string;
  files: number;
  warnings: string[];
  /**
   * complete: every file it was given was read whole; partial: something was skipped (a stanza, a
   * nested archive past a limit, a file over a cap); failed: a file it needed could not be read at all.
   * Absent in reports written before status existed: read as `complete` only when `warnings` is empty.
   */
  state?: RunState;
  /** file-level reasons for partial/failed, `path: what happened` (capped) */
  reasons?: string[];
}

/** The checks a scan can run; a policy control over one that did not run completely is "not evaluated". */
export const CHECK_NAMES = ['vulnerabilities', 'secrets', 'malware', 'config', 'licenses'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

export interface CheckStatus {
  check: CheckName;
  /** not-run: no scanner ran (not built in, disabled, or the input, e.g. an SBOM, cannot carry it) */
  state: RunState | 'not-run';
  /** one line: what ran and how completely, or why it did not */
  detail: string;
  /** file-level reasons for partial/failed (capped) */
  reasons: string[];
  /** e.g. files scanned, rules or signatures loaded */
  stats?: Record<string, number>;
  /** digest of the rules/signatures in use (secrets, malware), for the decision record and the layer cache */
  rulesDigest?: string;
}

// ---------------------------------------------------------------------------------------------
// Versions and advisories

export interface VersionScheme {
  id: string;
  isValid(v: string): boolean;
  /** -1 | 0 | 1, or undefined when either version is not valid in this scheme (never a guess) */
  compare(a: string, b: string): -1 | 0 | 1 | undefined;
}

export type Severity = 'unknown' | 'negligible' | 'low' | 'medium' | 'high' | 'critical';

export const SEVERITY_ORDER: readonly Severity[] = ['unknown', 'negligible', 'low', 'medium', 'high', 'critical'];

export function severityRank(s: Severity): number {
  return SEVERITY_ORDER.indexOf(s);
}

/** OSV schema (https://ossf.github.io/osv-schema/), the shape we store and match on. */
export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}
export interface OsvRange {
  type: 'ECOSYSTEM' | 'SEMVER' | 'GIT' | string;
  repo?: string;
  events: OsvEvent[];
  database_specific?: Record<string, unknown>;
}
export interface OsvAffected {
  package?: { ecosystem: string; name: string; purl?: string };
  ranges?: OsvRange[];
  versions?: string[];
  ecosystem_specific?: Record<string, unknown>;
  database_specific?: Record<string, unknown>;
  severity?: OsvSeverity[];
}
export interface OsvSeverity {
  type: string;
  score: string;
}
export interface OsvRecord {
  schema_version?: string;
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[];
  related?: string[];
  summary?: string;
  details?: string;
  severity?: OsvSeverity[];
  affected?: OsvAffected[];
  references?: { type: string; url: string }[];
  database_specific?: Record<string, unknown>;
}

export interface CvssScore {
  version: '2.0' | '3.0' | '3.1' | '4.0';
  vector: string;
  score: number;
  severity: Severity;
  /** who gave it: nvd, ghsa, debian, alma, ... */
  source?: string;
}

// Findings live in core/findings.ts (re-exported here: `import ... from './types.js'` keeps working).
export * from './findings.js';
