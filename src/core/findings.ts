// Findings: one shape per kind (vulnerability, secret, malware, config, license, base image, coverage
// gap), each with a stable fingerprint id. Re-exported by core/types.ts; a contract like it.
import type { CvssScore, LayerRef, PackageType, Severity } from './types.js';

// ---------------------------------------------------------------------------------------------
// Findings

export type FindingKind =
  | 'vulnerability'
  | 'secret'
  | 'malware'
  | 'config'
  | 'license'
  | 'base-image'
  | 'coverage-gap';

export type Origin = 'base' | 'app';

export interface PackageRef {
  name: string;
  version: string;
  type: PackageType;
  purl: string;
  path?: string;
  source?: { name: string; version: string };
}

interface FindingBase {
  /** stable fingerprint: same problem in the same place gives the same id across rescans */
  id: string;
  kind: FindingKind;
  title: string;
  severity: Severity;
  layer?: LayerRef;
  origin?: Origin;
  /** one line a developer can act on */
  remediation?: string;
}

export type FixState = 'fixed' | 'not-fixed' | 'wont-fix' | 'unimportant' | 'unknown';

export interface VulnerabilityFinding extends FindingBase {
  kind: 'vulnerability';
  advisoryId: string;
  aliases: string[];
  package: PackageRef;
  installedVersion: string;
  fixedVersion?: string;
  fixState: FixState;
  vendorSeverity?: { source: string; severity: Severity; label?: string };
  cvss: CvssScore[];
  published?: string;
  modified?: string;
  kev?: { dateAdded: string; dueDate?: string; ransomware?: boolean };
  epss?: { score: number; percentile: number; date?: string };
  dataSource: string;
  urls: string[];
}

export interface SecretFinding extends FindingBase {
  kind: 'secret';
  rule: string;
  /** file path, or `config:env/NAME`, `config:labels/KEY`, `config:history/N` for the image configuration */
  path: string;
  line?: number;
  /** redacted: a few leading characters and the length, never the secret */
  match: string;
  /** the later layer that deleted (or replaced) the file: it is still in `layer`, for anyone who pulls the image */
  removedIn?: LayerRef;
  /** the OS package that ships the file (a distro's test key, a CA bundle): the base's or a package's, not the team's */
  package?: PackageRef;
}

export interface MalwareFinding extends FindingBase {
  kind: 'malware';
  signature: string;
  path?: string;
  /** the archive member(s) inside `path` that matched, outer to inner, joined by `!` (e.g. `lib/a.jar!x.class`) */
  member?: string;
  package?: PackageRef;
  engine: string;
}

/** What a configuration check looked at. */
export interface ConfigEvidence {
  /** the image config, a file in a layer, a history step, the Dockerfile, or the package inventory */
  source: 'config' | 'file' | 'history' | 'dockerfile' | 'package';
  /** the config field (`User`, `ExposedPorts`, ...), the history step's command, the Dockerfile instruction */
  text?: string;
  /** Dockerfile line, or the 0-based history step */
  line?: number;
}

export interface ConfigFinding extends FindingBase {
  kind: 'config';
  check: string;
  detail: string;
  path?: string;
  /** the package the check is about (e.g. a denied package), when there is one */
  package?: PackageRef;
  /** what the check means (config scanner findings) */
  description?: string;
  evidence?: ConfigEvidence;
  /** for a file found in a layer that a later layer deleted or replaced */
  removedIn?: LayerRef;
}

export interface LicenseFinding extends FindingBase {
  kind: 'license';
  license: string;
  package: PackageRef;
}

export interface BaseImageFinding extends FindingBase {
  kind: 'base-image';
  status: 'not-approved' | 'unknown' | 'too-old';
  base?: { name: string; digest?: string; method: string };
  approvedAlternatives: string[];
}

/** Why something could not be checked. One list, used by findings and by the policy schema. */
export const GAP_REASONS = [
  'ecosystem-not-covered',
  'version-unparsable',
  'range-not-evaluable',
  'layer-unreadable',
  'file-too-large',
  'analyzer-error',
  'db-stale',
  'db-missing',
  'os-unknown',
  /** the OS was identified but its package database (dpkg status or status.d, apk installed, an rpmdb) is not in the image */
  'package-db-missing',
  'limit-exceeded',
  /** a package found without the coordinates advisories name it by (e.g. a jar whose Maven groupId is unknown) */
  'package-unidentified',
] as const;

export type GapReason = (typeof GAP_REASONS)[number];

export interface CoverageGapFinding extends FindingBase {
  kind: 'coverage-gap';
  reason: GapReason;
  subject: string;
  detail: string;
  package?: PackageRef;
}

export type Finding =
  | VulnerabilityFinding
  | SecretFinding
  | MalwareFinding
  | ConfigFinding
  | LicenseFinding
  | BaseImageFinding
  | CoverageGapFinding;
