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
import { policyList, verdictLine } from '../../core/verdict.js';
import { parseImageRef } from '../../policy/imageref.js';
import { checkReport } from '../../policy/report-input.js';
import { loadDocuments, loadExceptions, loadPolicies } from '../../policy/load.js';
import { lifetimeProblems } from '../../policy/lifetime.js';
import { DEFAULT_PIPELINE } from '../../policy/select.js';
import { validateCatalogs } from './validate-catalogs.js';
import { registerPolicyConvert } from './policy-convert.js';
import { decisionRecord, writeDecisionRecord, EMPTY_DIGEST } from '../../policy/record.js';
import { loadVex } from '../../vex/load.js';
import { daysLeft, expiryLabel, isActive, EXPIRY_WARNING_DAYS } from '../../policy/exceptions.js';
import { EMPTY_EXCEPTIONS, type ExceptionSet } from '../../policy/schema.js';
import { collect, resolvedOptions } from './common.js';
import { registerSyncCommands } from './sync.js';

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
  // as `scan` does: without --pipeline, the pipeline is "default" (selecting appliesTo-free policies or the one named default)
  const pipeline = (opts.pipeline as string | undefined) ?? DEFAULT_PIPELINE;
  const report = await readReport(reportFile);
  const policies = await loadPolicies(policyPaths);
  const excPaths = (opts.exceptions as string[] | undefined) ?? [];
  const loaded = excPaths.length ? await loadExceptions(excPaths, io.clock.now()) : { ...EMPTY_EXCEPTIONS, digest: EMPTY_DIGEST };
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
    .option('--pipeline <name>', `pipeline name used to select policies and exceptions (default: ${DEFAULT_PIPELINE}, as for scan)`)
    .option('--image <ref>', 'evaluate as this image reference (default: from the report)');
}

export function registerPolicyCommands(program: Command, io: CliIo): void {
  const policy = program.command('policy');

  registerPolicyConvert(policy, io);

  policy
    .command('validate')
    .description('check policy, exception and base catalog files (YAML) and report problems with file:line')
    .argument('<paths...>', 'files or directories of .yaml/.yml (e.g. examples/: every policy, exception file and base catalog in it)')
    .option('-f, --format <format>', 'table or json', 'table')
    .action(async (paths: string[], _o: unknown, c: Command) => {
      const { opts } = await resolvedOptions(c, io);
      const { catalogs, others } = await validateCatalogs(paths);
      const d = others.length ? await loadDocuments(others, 'any') : { policies: [], exceptions: [], allowlist: [], canonical: [], files: [] };
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
          files: [...d.files, ...catalogs.map((x) => x.path)].sort(),
          catalogs: catalogs.map((x) => ({ path: x.path, bases: x.entries.length })),
          policies: d.policies.map((p) => ({ name: p.metadata.name, source: p.source })),
          exceptions: d.exceptions.map((e) => ({ id: e.id, source: e.source, expires: expiryLabel(e) })),
          allowlist: d.allowlist.map((a) => ({ image: a.image, source: a.source, expires: expiryLabel(a) })),
          warnings,
        }, null, 2) + '\n');
      } else {
        const cat = catalogs.length ? `, ${catalogs.length} base catalog${catalogs.length === 1 ? '' : 's'} (${catalogs.reduce((n, x) => n + x.entries.length, 0)} bases)` : '';
        write(io, `valid: ${d.policies.length} polic${d.policies.length === 1 ? 'y' : 'ies'}, ${d.exceptions.length} exception(s), ${d.allowlist.length} allowlist entr${d.allowlist.length === 1 ? 'y' : 'ies'}${cat} in ${d.files.length + catalogs.length} file(s)\n`);
        for (const p of d.policies) write(io, `  policy ${p.metadata.name} (${p.spec.enforcement ?? 'block'}) at ${p.source}\n`);
        for (const x of catalogs) write(io, `  base catalog ${x.path}: ${x.entries.length} base(s)\n`);
        for (const w of warnings) write(io, `warning: ${w}\n`);
      }
    });

  addPrepareOptions(
    policy
      .command('test')
      .description('evaluate a saved scan report (JSON) against policies without rescanning; exit 0 pass, 1 fail, 2 could not decide')
      .argument('<report>', 'scan report JSON (portcullis scan --format json)'),
  )
    .option('--decision <file>', 'write the decision record (JSON) to FILE')
    .option('-f, --format <format>', 'table or json (the Decision)', 'table')
    .action(async (reportFile: string, _o: unknown, c: Command) => {
      const { opts } = await resolvedOptions(c, io);
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
      .argument('[report]', 'scan report JSON (portcullis scan --format json), as for policy test')
      .option('--report <file>', 'the report, as a flag (the REPORT argument is the same)')
      .option('--finding <id>', 'only this finding: fingerprint id, advisory id or alias, secret rule, config check, ...'),
  )
    .option('-f, --format <format>', 'table or json (the decision and the explanations)', 'table')
    .action(async (reportArg: string | undefined, _o: unknown, c: Command) => {
      const { opts } = await resolvedOptions(c, io);
      if (reportArg !== undefined && opts.report !== undefined && reportArg !== opts.report) {
        throw new PortcullisError('BAD_INPUT', `two reports given (${reportArg} and --report ${String(opts.report)}): give one`);
      }
      const reportFile = reportArg ?? (opts.report as string | undefined);
      if (reportFile === undefined) throw new PortcullisError('BAD_INPUT', 'policy explain needs a REPORT argument: the scan report JSON (portcullis scan --format json)');
      const inp = await prepare(reportFile, opts, io);
      const query = opts.finding as string | undefined;
      const { explanations, decision } = explain(inp.report, inp.policies.policies, inp.exceptions, inp.ctx, query);
      if (query !== undefined && explanations.length === 0) {
        throw new PortcullisError('NOT_FOUND', `no finding matches ${query} in ${reportFile}`);
      }
      if (opts.format === 'json') {
        write(io, JSON.stringify({ decision, explanations }, null, 2) + '\n');
        return;
      }
      write(io, `verdict: ${verdictLine(decision)} (pipeline ${decision.pipeline}; policies ${policyList(decision)})\n\n`);
      write(io, formatExplanations(explanations));
      if (decision.notices.length) write(io, '\nnotices:\n' + decision.notices.map((n) => `  * ${n}\n`).join(''));
    });

  registerSyncCommands(policy, io);
}
