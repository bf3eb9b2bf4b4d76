// The decision record: what was decided about which image, under which policy and exception files
// (by content digest), with which DB and scanner. The unit the CLI writes with --decision FILE and the
// server / admission webhook store and look up (by image digest). Versioned by `recordVersion`.
import { createHash } from 'node:crypto';
import { writeOutputText } from '../core/outfile.js';
import type { Decision, ScanReport, Suppression, Verdict, Violation } from '../core/report.js';
import { SEVERITY_ORDER, type Severity } from '../core/types.js';
import { PortcullisError } from '../core/errors.js';
import { canonicalJson, digestOf } from './canonical.js';

export const DECISION_RECORD_VERSION = 1;

export interface DecisionRecord {
  recordVersion: 1;
  kind: 'portcullis/decision';
  image: { name?: string; tag?: string; digest?: string; configDigest?: string; input: string };
  pipeline: string;
  verdict: Verdict;
  evaluatedAt: string;
  /**
   * until when the decision holds (policy/validity.ts): the earliest expiry of the exceptions, allowlist
   * entry and grace periods it used, the advisory data's age limit and spec.decisionMaxAgeHours; absent
   * when nothing bounds it. The admission webhook never admits on a decision past it.
   */
  validUntil?: string;
  /** what set validUntil */
  validUntilBy?: string;
  /** files: as given on the command line (informational; not part of the digest) */
  /** note: set for the inline policy of `scan --fail-on` ("local use; not a security team's policy") */
  policies: { names: string[]; digest: string; files?: string[]; note?: string };
  exceptions: { digest: string; files?: string[]; applied: string[] };
  /** VEX documents given (--vex): sha256 over their bytes, and the documents whose statements suppressed findings */
  vex?: { digest: string; files?: string[]; applied: string[] };
  allowlisted?: Decision['allowlisted'];
  db?: { schemaVersion: number; builtAt: string; sources: { name: string; updatedAt?: string; records: number; checksum?: string }[] };
  scanner: { name: string; version: string };
  summary: { findings: number; bySeverity: Record<Severity, number>; violations: number; warnings: number; suppressed: number };
  violations: Violation[];
  warnings: Violation[];
  suppressed: Suppression[];
  notices: string[];
  /** rules served by a Portcullis server (`scan --server`): the revision of every policy, exception and VEX document */
  server?: ServerProvenance;
  /** sha256 over the canonical JSON of every other field */
  recordDigest: string;
}

/** Where a decision's rules came from when a server supplied them (`scan --server`). */
export interface ServerProvenance {
  url?: string;
  pipeline: string;
  /** when the server served the bundle */
  fetchedAt: string;
  /** the server was unreachable: a cached bundle was used (saved at this time) */
  cachedAt?: string;
  policies: { name: string; revision: number; digest: string }[];
  exceptions: { document: string; revision: number; digest: string; ids: string[] }[];
  catalogs: { name: string; revision: number; digest: string }[];
  /** the VEX documents served (VexDocument objects), when any applied to the pipeline */
  vex?: { name: string; revision: number; digest: string }[];
}

/** Digest of an empty policy/exception set (no --exceptions given). */
export const EMPTY_DIGEST = digestOf([]);

/**
 * Build the record of `report.decision` (or `opts.decision`). `policyDigest` / `exceptionsDigest` are the
 * digests returned by loadPolicies / loadExceptions; the file lists are informational.
 */
export function decisionRecord(
  report: ScanReport,
  opts: {
    policyDigest: string;
    policyFiles?: string[];
    policyNote?: string;
    exceptionsDigest?: string;
    exceptionFiles?: string[];
    vexDigest?: string;
    vexFiles?: string[];
    decision?: Decision;
    server?: ServerProvenance;
    validity?: { validUntil?: string; boundBy?: string };
  },
): DecisionRecord {
  const decision = opts.decision ?? report.decision;
  if (!decision) throw new PortcullisError('BAD_INPUT', 'cannot write a decision record: the report has no decision (no policy was evaluated)');
  const img = report.inventory.image;
  const bySeverity = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as Record<Severity, number>;
  const all = [...report.findings, ...(decision.derivedFindings ?? [])];
  for (const f of all) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  const body: Omit<DecisionRecord, 'recordDigest'> = {
    recordVersion: DECISION_RECORD_VERSION,
    kind: 'portcullis/decision',
    image: {
      name: decision.image?.name ?? img.ref.name,
      tag: decision.image?.tag ?? img.ref.tag,
      digest: decision.image ? decision.image.digest : img.manifestDigest,
      configDigest: img.ref.transport === 'sbom' ? undefined : img.configDigest,
      input: img.ref.input,
    },
    pipeline: decision.pipeline,
    verdict: decision.verdict,
    evaluatedAt: decision.evaluatedAt,
    validUntil: opts.validity?.validUntil,
    validUntilBy: opts.validity?.boundBy,
    policies: { names: [...decision.policies], digest: opts.policyDigest, files: opts.policyFiles ? [...opts.policyFiles] : undefined, note: opts.policyNote },
    exceptions: {
      digest: opts.exceptionsDigest ?? EMPTY_DIGEST,
      files: opts.exceptionFiles ? [...opts.exceptionFiles] : undefined,
      applied: [...new Set(decision.suppressed.filter((s) => s.by === 'exception').map((s) => s.ruleId))].sort(),
    },
    vex:
      opts.vexDigest !== undefined
        ? {
            digest: opts.vexDigest,
            files: opts.vexFiles ? [...opts.vexFiles] : undefined,
            applied: [...new Set(decision.suppressed.filter((s) => s.by === 'vex').map((s) => s.ruleId))].sort(),
          }
        : undefined,
    allowlisted: decision.allowlisted,
    db: report.db
      ? {
          schemaVersion: report.db.schemaVersion,
          builtAt: report.db.builtAt,
          sources: report.db.sources
            .map((s) => ({ name: s.name, updatedAt: s.updatedAt, records: s.records, checksum: s.checksum }))
            .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
        }
      : undefined,
    scanner: { ...report.scanner },
    summary: {
      findings: all.length,
      bySeverity,
      violations: decision.violations.length,
      warnings: decision.warnings.length,
      suppressed: decision.suppressed.length,
    },
    violations: decision.violations,
    warnings: decision.warnings,
    suppressed: decision.suppressed,
    notices: decision.notices,
    server: opts.server,
  };
  const clean = JSON.parse(JSON.stringify(body)) as Omit<DecisionRecord, 'recordDigest'>;
  return { ...clean, recordDigest: 'sha256:' + createHash('sha256').update(canonicalJson(clean)).digest('hex') };
}

/** true when the record's digest matches its content (it was not edited after the decision). */
export function verifyDecisionRecord(r: DecisionRecord): boolean {
  const { recordDigest, ...rest } = r;
  return recordDigest === 'sha256:' + createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** Write the record as pretty JSON: atomically onto regular files, in place onto devices and FIFOs (core/outfile). */
export async function writeDecisionRecord(file: string, record: DecisionRecord): Promise<void> {
  await writeOutputText(file, JSON.stringify(record, null, 2) + '\n');
}
