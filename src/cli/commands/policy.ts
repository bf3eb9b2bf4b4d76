// portcullis policy validate | test | explain — policy-as-code without rescanning.
// Exit codes: 0 pass · 1 policy failed · 2 could not decide (thrown PortcullisError, mapped by main).
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { PortcullisError } from '../../core/errors.js';
import type { ScanReport } from '../../core/report.js';
import { imageOf, type EvalContext } from '../../policy/evaluate.js';
import { evaluate } from '../../policy/evaluate.js';
import { explain, formatExplanations } from '../../policy/explain.js';
import { formatDecision } from '../../policy/format.js';
import { verdictLine } from '../../core/verdict.js';
import { parseImageRef } from '../../policy/imageref.js';
import { checkReport } from '../../policy/report-input.js';
import { loadDocuments, loadExceptions, loadPolicies } from '../../policy/load.js';
import { lifetimeProblems } from '../../policy/lifetime.js';
import { decisionRecord, writeDecisionRecord, EMPTY_DIGEST } from '../../policy/record.js';
import { loadVex } from '../../vex/load.js';
import { daysLeft, expiryLabel, isActive, EXPIRY_WARNING_DAYS } from '../../policy/exceptions.js';
import { EMPTY_EXCEPTIONS, type ExceptionSet } from '../../policy/schema.js';
import { collect, resolvedOptions } from './common.js';

export { loadPolicies, loadExceptions };

/** Read a saved scan report (`scan --format json`) and check the parts evaluation needs. */
export async function readReport(file: string): Promise<ScanReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new PortcullisError('NOT_FOUND', `${file}: cannot read the report: ${(e as Error).message}`, { cause: e, subject: file });
  }
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch (e) {
    throw new PortcullisError('BAD_INPUT', `${file}: not JSON: ${(e as Error).message}`, { cause: e, subject: file });
  }
  return checkReport(r, file);
}

interface EvalInputs {
  report: ScanReport;
  policies: Awaited<ReturnType<typeof loadPolicies>>;
  exceptions: ExceptionSet & { digest: string; files?: string[] };
  ctx: EvalContext;
}

async function prepare(reportFile: string, opts: Record<string, unknown>, io: CliIo): Promise<EvalInputs> {
  const policyPaths = (opts.policy as string[] | undefined) ?? [];
  if (policyPaths.length === 0) throw new PortcullisError('BAD_INPUT', 'give at least one --policy FILE|DIR');
  const pipeline = opts.pipeline as string | undefined;
  if (!pipeline) throw new PortcullisError('BAD_INPUT', 'give --pipeline NAME (policies and exceptions are selected by pipeline)');
  const report = await readReport(reportFile);
  const policies = await loadPolicies(policyPaths);
  const excPaths = (opts.exceptions as string[] | undefined) ?? [];
  const loaded = excPaths.length ? await loadExceptions(excPaths) : { ...EMPTY_EXCEPTIONS, digest: EMPTY_DIGEST };
  const vexPaths = (opts.vex as string[] | undefined) ?? [];
  const exceptions = vexPaths.length ? { ...loaded, vex: (await loadVex(vexPaths)).documents } : loaded;
  let image = imageOf(report);
  if (opts.image !== undefined) {
    const p = parseImageRef(String(opts.image));
    if (!p) throw new PortcullisError('BAD_INPUT', `--image: not an image reference: ${String(opts.image)}`);
    image = { name: p.name ?? image.name, tag: p.tag ?? (p.name ? undefined : image.tag), digest: p.digest ?? image.digest };
  }
  return { report, policies, exceptions, ctx: { pipeline, image, now: io.clock.now() } };
}

function write(io: CliIo, s: string): void {
  io.stdout.write(s);
}

/** The options prepare() reads: --policy, --exceptions, --vex, --pipeline and --image (in that order in --help). */
function addPrepareOptions(cmd: Command): Command {
  return cmd
    .option('--policy <path>', 'policy file or directory (repeatable)', collect)
    .option('--exceptions <path>', 'exceptions file or directory (repeatable)', collect)
    .option('--vex <path>', 'VEX document or directory (repeatable): statements from authors a policy trusts suppress findings', collect)
    .option('--pipeline <name>', 'pipeline name used to select policies and exceptions')
    .option('--image <ref>', 'evaluate as this image reference (default: from the report)');
}

export function registerPolicyCommands(program: Command, io: CliIo): void {
  const policy = program.command('policy').description('validate, test and explain assurance policies and exceptions');

  policy
    .command('validate')
    .description('check policy and exception files (YAML) and report problems with file:line')
    .argument('<paths...>', 'files or directories of .yaml/.yml')
    .option('-f, --format <format>', 'text or json', 'text')
    .action(async (paths: string[], _o: unknown, c: Command) => {
      const { opts } = resolvedOptions(c, io);
      const d = await loadDocuments(paths, 'any');
      const now = io.clock.now();
      // lifetimes against the strictest policy validated together (the default limit without one)
      const lifetime = lifetimeProblems([...d.exceptions, ...d.allowlist], d.policies, now);
      if (lifetime.length > 0) throw new PortcullisError('POLICY_INVALID', lifetime.join('\n'));
      const warnings: string[] = [];
      for (const a of d.allowlist) {
        if (parseImageRef(a.image)?.digest === undefined) {
          warnings.push(`${a.source}: allowlist entry ${a.image} has no digest: a tag is a name the pipeline gives, anyone who can push or name an image can meet it; pin it as repo@sha256:...`);
        }
      }
      for (const e of [...d.exceptions, ...d.allowlist]) {
        const name = 'id' in e ? `exception ${e.id}` : `allowlist entry ${e.image}`;
        if (!isActive(e, now)) warnings.push(`${e.source}: ${name} expired ${expiryLabel(e)}`);
        else {
          const left = daysLeft(e, now);
          if (left !== undefined && left <= EXPIRY_WARNING_DAYS) warnings.push(`${e.source}: ${name} expires ${expiryLabel(e)} (in ${left} day${left === 1 ? '' : 's'})`);
        }
      }
      if (opts.format === 'json') {
        write(io, JSON.stringify({
          valid: true,
          files: d.files,
          policies: d.policies.map((p) => ({ name: p.metadata.name, source: p.source })),
          exceptions: d.exceptions.map((e) => ({ id: e.id, source: e.source, expires: expiryLabel(e) })),
          allowlist: d.allowlist.map((a) => ({ image: a.image, source: a.source, expires: expiryLabel(a) })),
          warnings,
        }, null, 2) + '\n');
      } else if (opts.format === 'text') {
        write(io, `valid: ${d.policies.length} polic${d.policies.length === 1 ? 'y' : 'ies'}, ${d.exceptions.length} exception(s), ${d.allowlist.length} allowlist entr${d.allowlist.length === 1 ? 'y' : 'ies'} in ${d.files.length} file(s)\n`);
        for (const p of d.policies) write(io, `  policy ${p.metadata.name} (${p.spec.enforcement ?? 'block'}) at ${p.source}\n`);
        for (const w of warnings) write(io, `warning: ${w}\n`);
      } else {
        throw new PortcullisError('BAD_INPUT', `--format: expected text or json, got ${String(opts.format)}`);
      }
    });

  addPrepareOptions(
    policy
      .command('test')
      .description('evaluate a saved scan report (JSON) against policies without rescanning; exit 0 pass, 1 fail, 2 could not decide')
      .argument('<report>', 'scan report JSON (portcullis scan --format json)'),
  )
    .option('--decision <file>', 'write the decision record (JSON) to FILE')
    .option('-f, --format <format>', 'text or json (the Decision)', 'text')
    .action(async (reportFile: string, _o: unknown, c: Command) => {
      const { opts } = resolvedOptions(c, io);
      if (opts.format !== 'text' && opts.format !== 'json') throw new PortcullisError('BAD_INPUT', `--format: expected text or json, got ${String(opts.format)}`);
      const inp = await prepare(reportFile, opts, io);
      const decision = evaluate(inp.report, inp.policies.policies, inp.exceptions, inp.ctx);
      write(io, opts.format === 'json' ? JSON.stringify(decision, null, 2) + '\n' : formatDecision(decision));
      if (opts.decision) {
        const rec = decisionRecord(inp.report, {
          decision,
          policyDigest: inp.policies.digest,
          policyFiles: inp.policies.files,
          exceptionsDigest: inp.exceptions.digest,
          exceptionFiles: inp.exceptions.files,
        });
        await writeDecisionRecord(String(opts.decision), rec);
      }
      if (decision.verdict !== 'pass') process.exitCode = 1;
    });

  addPrepareOptions(
    policy
      .command('explain')
      .description('show which rule of which policy decided each finding, and which exception or rule suppressed it')
      .requiredOption('--report <file>', 'scan report JSON')
      .option('--finding <id>', 'only this finding: fingerprint id, advisory id or alias, secret rule, config check, ...'),
  )
    .action(async (_o: unknown, c: Command) => {
      const { opts } = resolvedOptions(c, io);
      const inp = await prepare(String(opts.report), opts, io);
      const query = opts.finding as string | undefined;
      const { explanations, decision } = explain(inp.report, inp.policies.policies, inp.exceptions, inp.ctx, query);
      if (query !== undefined && explanations.length === 0) {
        throw new PortcullisError('NOT_FOUND', `no finding matches ${query} in ${String(opts.report)}`);
      }
      write(io, `verdict: ${verdictLine(decision)} (pipeline ${decision.pipeline}; policies ${decision.policies.join(', ')})\n\n`);
      write(io, formatExplanations(explanations));
      if (decision.notices.length) write(io, '\nnotices:\n' + decision.notices.map((n) => `  * ${n}\n`).join(''));
    });
}
