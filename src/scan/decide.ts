// The policy stage of `scan`: load policies and exceptions (before the scan, so a broken policy fails
// fast), evaluate, attach the decision to the report, write the decision record.
// Exit code: 0 pass, 1 fail (2 is thrown as a PortcullisError).
import type { ScanReport } from '../core/report.js';
import { PortcullisError } from '../core/errors.js';
import { loadExceptions, loadPolicies } from '../policy/load.js';
import { evaluate, imageOf } from '../policy/evaluate.js';
import { EMPTY_EXCEPTIONS } from '../policy/schema.js';
import { decisionRecord, writeDecisionRecord } from '../policy/record.js';

export interface GateOptions {
  pipeline?: string;
  policies: string[];
  exceptions: string[];
  decisionFile?: string;
}

/** Policies and exceptions, loaded and validated; undefined when no policy applies (scan only). */
export interface Gate {
  pipeline: string;
  policies: Awaited<ReturnType<typeof loadPolicies>>;
  exceptions: Awaited<ReturnType<typeof loadExceptions>> | (typeof EMPTY_EXCEPTIONS & { digest: undefined; files: string[] });
  decisionFile?: string;
}

export async function loadGate(opts: GateOptions): Promise<Gate | undefined> {
  if (opts.policies.length === 0) {
    if (opts.pipeline !== undefined || opts.exceptions.length > 0 || opts.decisionFile) {
      throw new PortcullisError('NO_POLICY', 'no policy given: pass --policy FILE|DIR (or set `policy` in portcullis.yaml) to evaluate a pipeline');
    }
    return undefined;
  }
  return {
    pipeline: opts.pipeline ?? 'default',
    policies: await loadPolicies(opts.policies),
    exceptions: opts.exceptions.length ? await loadExceptions(opts.exceptions) : { ...EMPTY_EXCEPTIONS, digest: undefined, files: [] },
    decisionFile: opts.decisionFile,
  };
}

export interface Decided {
  report: ScanReport;
  exitCode: 0 | 1;
  notices: string[];
}

export async function decide(report: ScanReport, gate: Gate | undefined, now: Date): Promise<Decided> {
  if (!gate) return { report, exitCode: 0, notices: [] };
  const { pipeline, policies, exceptions } = gate;
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
