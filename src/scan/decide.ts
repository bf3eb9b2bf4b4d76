// The policy stage of `scan`: load policies and exceptions (before the scan, so a broken policy fails
// fast), evaluate, attach the decision to the report, write the decision record.
// Exit code: 0 pass, 1 fail (2 is thrown as a PortcullisError).
//
// Exceptions named by the gated repository's own portcullis.yaml (found implicitly in the working
// directory) are validated up front and applied only when every policy in force says
// `spec.exceptions.fromRepository: allow`; otherwise the run stops (exit 2) naming the file and how to
// allow them. Allowlist entries are never accepted from the repository.
import type { ScanReport } from '../core/report.js';
import { PortcullisError } from '../core/errors.js';
// policy files are loaded (and their schemas with zod) only when a policy is given: a scan without one starts faster
import type { loadExceptions, loadPolicies } from '../policy/load.js';
import { evaluate, imageOf } from '../policy/evaluate.js';
import { EMPTY_EXCEPTIONS } from '../policy/canonical.js';
import { DEFAULT_PIPELINE, selectPolicies } from '../policy/select.js';
import { imageMatchesAny, parseImageRef } from '../policy/imageref.js';
import type { AdviceInput } from '../baseimage/index.js';
import { loadVex, type LoadedVex } from '../vex/load.js';
import { INLINE_NOTE, inlinePolicy, type FailOnLevel } from '../policy/inline.js';
import { writeOutputText } from '../core/outfile.js';
import { decisionValidity } from '../policy/validity.js';
import { decisionRecord, writeDecisionRecord, type DecisionRecord, type ServerProvenance } from '../policy/record.js';

export interface GateOptions {
  pipeline?: string;
  policies: string[];
  exceptions: string[];
  /** VEX documents (--vex FILE|DIR) */
  vex?: string[];
  /** the clock: dates what other scanners' ignore files leave undated */
  now?: Date;
  decisionFile?: string;
  /** `--fail-on LEVEL`: the inline policy instead of policy files (refused together with them) */
  failOn?: FailOnLevel;
  /** --max-db-age, for the inline policy's database.maxAgeHours */
  maxDbAgeHours?: number;
  /** exceptions named by an implicitly found portcullis.yaml (the repository's), with where they were named */
  repository?: { paths: string[]; where: string };
}

type LoadedExceptions = Awaited<ReturnType<typeof loadExceptions>>;

/** Policies and exceptions, loaded and validated; undefined when no policy applies (scan only). */
export interface Gate {
  pipeline: string;
  policies: Awaited<ReturnType<typeof loadPolicies>>;
  exceptions: LoadedExceptions | (typeof EMPTY_EXCEPTIONS & { digest: undefined; files: string[] });
  decisionFile?: string;
  vex?: LoadedVex;
  /** the paths given with --exceptions (the pipeline's) */
  exceptionPaths?: string[];
  repository?: { paths: string[]; where: string; loaded: LoadedExceptions };
  /** set for `--fail-on`: said in the decision record next to the policy's name */
  inline?: string;
  /** `scan --sign-key`: turns the record into what --decision FILE receives (a signed DSSE envelope) */
  sign?: (r: DecisionRecord) => unknown;
  /** the rules came from a server (`scan --server`): their revisions, and notices for the verdict */
  server?: { provenance: ServerProvenance; notices: string[] };
}

export async function loadGate(opts: GateOptions): Promise<Gate | undefined> {
  if (opts.failOn !== undefined && opts.policies.length > 0) {
    throw new PortcullisError(
      'BAD_INPUT',
      `--fail-on and --policy exclude each other: --fail-on ${opts.failOn} is an inline policy for local use; with policy files, the policy decides what fails (vulnerabilities.failOn)`,
    );
  }
  if (opts.policies.length === 0 && opts.failOn === undefined) {
    if (opts.pipeline !== undefined || opts.exceptions.length > 0 || (opts.vex ?? []).length > 0 || opts.decisionFile) {
      throw new PortcullisError('NO_POLICY', 'no policy given: pass --policy FILE|DIR (or set `policy` in portcullis.yaml) to evaluate a pipeline');
    }
    return undefined; // no gate: the repository's exceptions have nothing to apply to
  }
  const { loadExceptions, loadPolicies } = await import('../policy/load.js');
  const inline = opts.failOn !== undefined ? inlinePolicy(opts.failOn, opts.maxDbAgeHours) : undefined;
  const gate: Gate = {
    pipeline: opts.pipeline ?? DEFAULT_PIPELINE,
    policies: inline ? { policies: [inline.policy], digest: inline.digest, files: [] } : await loadPolicies(opts.policies),
    exceptions: opts.exceptions.length ? await loadExceptions(opts.exceptions, opts.now) : { ...EMPTY_EXCEPTIONS, digest: undefined, files: [] },
    decisionFile: opts.decisionFile,
    exceptionPaths: opts.exceptions,
    inline: inline ? INLINE_NOTE : undefined,
  };
  if ((opts.vex ?? []).length > 0) gate.vex = await loadVex(opts.vex!);
  if (opts.repository) {
    const loaded = await loadExceptions(opts.repository.paths, opts.now);
    if (loaded.allowlist.length > 0) {
      throw new PortcullisError(
        'BAD_INPUT',
        `${opts.repository.where}: exceptions: refused: ${loaded.allowlist[0]!.source} is an allowlist entry; the repository being gated may never allowlist its own image (pass allowlists with --exceptions from the pipeline)`,
      );
    }
    gate.repository = { ...opts.repository, loaded };
  }
  return gate;
}

export interface Decided {
  report: ScanReport;
  exitCode: 0 | 1;
  notices: string[];
  /** the decision record, when one was written or is to be uploaded */
  record?: DecisionRecord;
}

/** The exceptions in force: the pipeline's, plus the repository's when every selected policy allows them. */
async function exceptionsInForce(report: ScanReport, gate: Gate, now: Date): Promise<Gate['exceptions']> {
  const repo = gate.repository;
  if (!repo || repo.loaded.exceptions.length === 0) return gate.exceptions;
  const selected = selectPolicies(gate.policies.policies, gate.pipeline, imageOf(report));
  const denying = selected.filter((p) => p.spec.exceptions?.fromRepository !== 'allow').map((p) => p.metadata.name);
  if (denying.length > 0) {
    throw new PortcullisError(
      'BAD_INPUT',
      `${repo.where}: exceptions: refused: exceptions from a portcullis.yaml found in the working directory belong to the repository being gated; policy ${denying.join(', ')} does not accept them (set spec.exceptions.fromRepository: allow in the policy, or pass them with --exceptions from the pipeline)`,
    );
  }
  // load both together: one digest over every exception document in force, ids unique across them
  const { loadExceptions } = await import('../policy/load.js');
  return loadExceptions([...(gate.exceptionPaths ?? []), ...repo.paths], now);
}

export async function decide(report: ScanReport, gate: Gate | undefined, now: Date): Promise<Decided> {
  if (!gate) return { report, exitCode: 0, notices: [] };
  const { pipeline, policies } = gate;
  const inForce = await exceptionsInForce(report, gate, now);
  const exceptions = gate.vex ? { ...inForce, vex: gate.vex.documents } : inForce;
  const evaluated = evaluate(report, policies.policies, exceptions, { pipeline, image: imageOf(report), now });
  // a verdict decided on a cached server bundle says so
  const decision = gate.server?.notices.length ? { ...evaluated, notices: [...gate.server.notices, ...evaluated.notices] } : evaluated;
  const out: ScanReport = { ...report, decision };
  let record: DecisionRecord | undefined;
  if (gate.decisionFile || gate.server) {
    record = decisionRecord(out, {
      policyDigest: policies.digest,
      policyFiles: gate.inline ? undefined : policies.files,
      policyNote: gate.inline,
      exceptionsDigest: exceptions.digest,
      exceptionFiles: exceptions.files,
      vexDigest: gate.vex?.digest,
      vexFiles: gate.vex?.files,
      server: gate.server?.provenance,
      validity: decisionValidity(decision, out, policies.policies),
    });
    if (gate.decisionFile && gate.sign) await writeOutputText(gate.decisionFile, JSON.stringify(gate.sign(record), null, 2) + '\n');
    else if (gate.decisionFile) await writeDecisionRecord(gate.decisionFile, record);
  }
  return { report: out, exitCode: decision.verdict === 'pass' ? 0 : 1, notices: decision.notices, ...(record ? { record } : {}) };
}

/**
 * What base-image advice may offer under the policies in force for this image: a catalog base every
 * selected policy with `baseImage.approved` accepts (by name:tag or name@digest, the anchored globs the
 * control uses); a policy without the list adds no restriction. `policies` names those with a list
 * (empty: the catalog's approval alone, said in the advice). Undefined without a gate, or when no
 * policy applies (decide then reports that).
 */
export function baseApproval(report: ScanReport, gate: Gate | undefined): AdviceInput['approval'] {
  if (!gate) return undefined;
  let selected;
  try {
    selected = selectPolicies(gate.policies.policies, gate.pipeline, imageOf(report));
  } catch {
    return undefined; // no policy applies: decide stops the run with the reason
  }
  const listed = selected.filter((p) => p.spec.controls?.baseImage?.approved !== undefined);
  const lists = listed.map((p) => p.spec.controls!.baseImage!.approved!);
  return {
    policies: listed.map((p) => p.metadata.name),
    approves: (e) => {
      const id = parseImageRef(e.name);
      if (!id) return false;
      const img = { ...id, digest: e.digest, id: e.configDigest };
      return lists.every((l) => imageMatchesAny(l, img));
    },
  };
}
