// --format F, --output FILE and --output F=FILE (repeatable): where each rendering goes.
import { DEFAULT_WIDTH, terminalWidth } from '../report/width.js';
import type { ScanReport } from '../core/report.js';
import { writeOutputFile } from '../core/outfile.js';
import { PortcullisError } from '../core/errors.js';
import { reporterFor, formatsFor } from '../report/registry.js';
import type { CliIo } from './io.js';

export interface OutputTarget {
  format: string;
  /** undefined = stdout */
  file?: string;
}

export function outputTargets(mode: 'sbom' | 'scan', format: string | undefined, outputs: string[] | undefined): OutputTarget[] {
  const known = formatsFor(mode);
  const check = (f: string) => {
    if (!known.includes(f)) {
      throw new PortcullisError('BAD_INPUT', `unknown format "${f}" for ${mode}; expected one of: ${known.join(', ')}`);
    }
    return f;
  };
  const main = check((format ?? 'table').toLowerCase());
  const targets: OutputTarget[] = [];
  let plainFile: string | undefined;
  for (const o of outputs ?? []) {
    const eq = o.indexOf('=');
    const maybeFormat = eq > 0 ? o.slice(0, eq).toLowerCase() : undefined;
    if (maybeFormat && known.includes(maybeFormat)) targets.push({ format: maybeFormat, file: o.slice(eq + 1) });
    else if (maybeFormat && /^[a-z-]+$/.test(maybeFormat) && !o.includes('/')) check(maybeFormat);
    else if (plainFile) throw new PortcullisError('BAD_INPUT', `--output ${o}: only one plain --output FILE is allowed (use FORMAT=FILE for more)`);
    else plainFile = o;
  }
  targets.unshift({ format: main, file: plainFile });
  // `-` is stdout
  return targets.map((t) => (t.file === '-' ? { format: t.format } : t));
}

export async function writeOutputs(
  report: ScanReport,
  targets: OutputTarget[],
  io: CliIo,
  opts: { mode: 'sbom' | 'scan'; color: boolean; dockerfile?: string; wide?: boolean },
): Promise<void> {
  // the table fits the terminal on stdout (or $COLUMNS); files get the documented default width
  const width = terminalWidth(io.stdout as { isTTY?: boolean; columns?: number }, io.env);
  for (const t of targets) {
    const reporter = await reporterFor(t.format);
    if (!reporter) throw new PortcullisError('BAD_INPUT', `unknown format "${t.format}"`);
    if (t.file) {
      // regular files atomically (temp + rename); devices, FIFOs and symlinks written in place (core/outfile)
      await writeOutputFile(t.file, (out) => reporter.render(report, out, { ...opts, color: false, width: DEFAULT_WIDTH }));
    } else {
      await reporter.render(report, io.stdout, { ...opts, width });
    }
  }
}
