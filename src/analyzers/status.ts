// How an analyzer says a file was not read completely. The walker gives AnalyzerContext `partial` and
// `fail` (optional members of the contract); a context without them (a unit test's, an older caller's)
// still gets the message as a warning, so nothing is lost.
import type { AnalyzerContext } from '../core/types.js';

/** Something in the file was skipped: the analyzer's status becomes at least `partial`, and a gap. */
export function partial(ctx: AnalyzerContext, reason: string): void {
  if (ctx.partial) ctx.partial(reason);
  else ctx.warn(reason);
}

/** The file could not be read at all: the analyzer's status becomes `failed`, and a gap. */
export function failed(ctx: AnalyzerContext, reason: string): void {
  if (ctx.fail) ctx.fail(reason);
  else ctx.warn(reason);
}
