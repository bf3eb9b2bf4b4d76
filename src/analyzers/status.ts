// How an analyzer says a file was not read completely. The walker gives AnalyzerContext `partial` and
// `fail` (optional members of the contract); a context without them (a unit test's, an older caller's)
// still gets the message as a warning (through `orWarn`, e.g. a capped, path-prefixed sink), so nothing is lost.
import type { AnalyzerContext } from '../core/types.js';

/** Something in the file was skipped: the analyzer's status becomes at least `partial`, and a gap. */
export function partial(ctx: AnalyzerContext, reason: string, orWarn: (m: string) => void = (m) => ctx.warn(m)): void {
  if (ctx.partial) ctx.partial(reason);
  else orWarn(reason);
}

/** The file could not be read at all: the analyzer's status becomes `failed`, and a gap. */
export function failed(ctx: AnalyzerContext, reason: string, orWarn: (m: string) => void = (m) => ctx.warn(m)): void {
  if (ctx.fail) ctx.fail(reason);
  else orWarn(reason);
}
