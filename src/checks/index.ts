// Loading and running content checks. `prepareChecks` runs before the image is read (a broken rule or
// signature file fails fast); `finishChecks` turns a check that threw into a `failed` status, never a pass.
import type { Inventory } from '../core/report.js';
import { checkFactories } from './registry.js';
import type { CheckOptions, CheckResult, CheckRun, ContentCheck } from './types.js';

export type * from './types.js';

export async function prepareChecks(opts: CheckOptions): Promise<ContentCheck[]> {
  const skip = new Set(opts.skip ?? []);
  const out: ContentCheck[] = [];
  for (const f of checkFactories) if (!skip.has(f.name)) out.push(await f.prepare(opts));
  return out;
}

export async function finishChecks(runs: CheckRun[], inventory: Inventory): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const run of runs) {
    try {
      out.push(await run.finish(inventory));
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      out.push({
        findings: [],
        status: { check: run.name as CheckResult['status']['check'], state: 'failed', detail: `the ${run.name} check failed: ${why}`, reasons: [why] },
      });
    }
  }
  return out;
}

/** Close what prepared checks hold (worker threads); never throws. */
export async function closeChecks(checks: ContentCheck[]): Promise<void> {
  await Promise.all(checks.map((c) => c.close?.().catch(() => undefined)));
}
