// The table's width, chosen by the CLI before any reporter is loaded (outside report/table/, so
// `sbom --help` and other commands that render nothing load no reporter module).

/** Width used when neither the terminal nor $COLUMNS says (CI logs, files). */
export const DEFAULT_WIDTH = 120;

/** The width to fit on stdout: the terminal's columns when it is one, else $COLUMNS, else DEFAULT_WIDTH. */
export function terminalWidth(stdout: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv): number {
  if (stdout.isTTY && typeof stdout.columns === 'number' && stdout.columns >= 40) return stdout.columns;
  const c = Number(env.COLUMNS);
  return Number.isInteger(c) && c >= 40 && c <= 1000 ? c : DEFAULT_WIDTH;
}
