// `portcullis compare REPORT...`: other scanners' JSON reports (Trivy, Grype) for the same image beside
// ours (`scan --format json`), what each found that the others did not, and why when we can tell.
import type { Command } from 'commander';
import { PortcullisError } from '../../core/errors.js';
import { writeOutputText } from '../../core/outfile.js';
import { readUserFile } from '../../core/userfile.js';
import { checkReport } from '../../policy/report-input.js';
import { openDb } from '../../advisory/index.js';
import { readForeignReport } from '../../compare/foreign.js';
import { compareReports } from '../../compare/compare.js';
import { renderCompareJson, renderCompareTable } from '../../compare/render.js';
import type { CliIo } from '../io.js';
import { resolvedOptions } from './common.js';

/** reports larger than this are refused (a 1e5-finding Trivy report is ~100 MB) */
const MAX_REPORT_BYTES = 512 * 1024 * 1024;

async function readJson(file: string): Promise<string> {
  return (await readUserFile(file, MAX_REPORT_BYTES, 'compare')).toString('utf8');
}

export function registerCompareCommand(program: Command, io: CliIo): void {
  program
    .command('compare')
    .description("compare Trivy and Grype JSON reports with Portcullis's for the same image: what each found that the others did not, and why")
    .argument('<report...>', 'Trivy (`trivy image --format json`) or Grype (`grype -o json`) reports')
    .requiredOption('--ours <file>', "Portcullis's report of the same image (`portcullis scan IMAGE --format json`)")
    .option('--db <path>', "Portcullis's advisory DB: says whether our data knows what the others reported")
    .option('-f, --format <format>', 'table or json', 'table')
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .action(async (reports: string[], _o: unknown, c: Command) => {
      const { opts } = await resolvedOptions(c, io);
      const format = String(opts.format).toLowerCase();
      if (format !== 'table' && format !== 'json') throw new PortcullisError('BAD_INPUT', `--format: expected table or json, got ${String(opts.format)}`);
      const oursFile = String(opts.ours);
      let oursDoc: unknown;
      try {
        oursDoc = JSON.parse(await readJson(oursFile));
      } catch (e) {
        if (e instanceof PortcullisError) throw e;
        throw new PortcullisError('BAD_INPUT', `${oursFile}: not JSON: ${(e as Error).message}`, { cause: e, subject: oursFile });
      }
      const ours = checkReport(oursDoc, oursFile);
      const others = [];
      for (const f of reports) others.push(readForeignReport(await readJson(f), f));
      const db = opts.db !== undefined ? openDb(String(opts.db)) : undefined;
      try {
        const result = compareReports({ ours, oursFile, others, ...(db ? { db } : {}) });
        const text = format === 'json' ? renderCompareJson(result) : renderCompareTable(result);
        if (opts.output !== undefined) await writeOutputText(String(opts.output), text);
        else io.stdout.write(text);
      } finally {
        db?.close();
      }
    });
}
