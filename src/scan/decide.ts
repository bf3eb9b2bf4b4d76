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
import { loadExceptions, loadPolicies } from '../policy/load.js';
import { evaluate, imageOf } from '../policy/evaluate.js';
import { EMPTY_EXCEPTIONS } from '../policy/schema.js';
import { selectPolicies } from '../policy/select.js';
import { imageMatchesAny, parseImageRef } from '../policy/imageref.js';
import type { AdviceInput } from '../baseimage/index.js';
import { decisionRecord, writeDecisionRecord } from '../policy/record.js';

export interface GateOptions {
  pipeline?: string;
  policies: string[];
  exceptions: string[];
  decisionFile?: string;
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
  /** the paths given with --exceptions (the pipeline's) */
  exceptionPaths?: string[];
  repository?: { paths: string[]; where: string; loaded: LoadedExceptions };
}

export async function loadGate(opts: GateOptions): Promise<Gate | undefined> {
  if (opts.policies.length === 0) {
    if (opts.pipeline !== undefined || opts.exceptions.length > 0 || opts.decisionFile) {
      throw new PortcullisError('NO_POLICY', 'no policy given: pass --policy FILE|DIR (or set `policy` in portcullis.yaml) to evaluate a pipeline');
    }
    return undefined; // no gate: the repository's exceptions have nothing to apply to
  }
  const gate: Gate = {
    pipeline: opts.pipeline ?? 'default',
    policies: await loadPolicies(opts.policies),
    exceptions: opts.exceptions.length ? await loadExceptions(opts.exceptions) : { ...EMPTY_EXCEPTIONS, digest: undefined, files: [] },
    decisionFile: opts.decisionFile,
    exceptionPaths: opts.exceptions,
  };
  if (opts.repository) {
    const loaded = await loadExceptions(opts.repository.paths);
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
}

/** The exceptions in force: the pipeline's, plus the repository's when every selected policy allows them. */
async function exceptionsInForce(report: ScanReport, gate: Gate): Promise<Gate['exceptions']> {
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
  return loadExceptions([...(gate.exceptionPaths ?? []), ...repo.paths]);
}

export async function decide(report: ScanReport, gate: Gate | undefined, now: Date): Promise<Decided> {
  if (!gate) return { report, exitCode: 0, notices: [] };
  const { pipeline, policies } = gate;
  const exceptions = await exceptionsInForce(report, gate);
  const decision = evaluate(report, policies.policies, exceptions, { pipeline, image: imageOf(report), now });
  const out: ScanReport = { ...report, decision };
  if (gate.decisionFile) {
    const record = decisionRecord(out, {
      policyDigest: policies.digest,
      policyFiles: policies.files,
      exceptionsDigest: exceptions.digest,
      exceptionFiles: exceptions.files,
    });
    await writeDecisionRecord(gate.decisionFile, record);
  }
  return { report: out, exitCode: decision.verdict === 'pass' ? 0 : 1, notices: decision.notices };
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
