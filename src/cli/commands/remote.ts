// `scan --server URL --pipeline P`: the policies, exceptions, catalog and VEX documents come from the
// server's bundle for the pipeline (`--vex FILE|DIR` adds local VEX documents to the served ones); the
// decision is made here with the same evaluate(); report and decision go back up.
import type { Catalog } from '../../baseimage/catalog.js';
import { PortcullisError } from '../../core/errors.js';
import type { ScanReport } from '../../core/report.js';
import type { DecisionRecord } from '../../policy/record.js';
import type { Gate } from '../../scan/decide.js';
import { gateFromBundle } from '../../server/bundle.js';
import { readVexFiles } from '../../vex/load.js';
import { bundleCacheDir, fetchBundle, parseStaleness, serverBase, serverRequest, type ServerTarget } from '../../server/client.js';
import type { CliIo } from '../io.js';
import { DEFAULT_MAX_STALENESS } from '../defaults.js';

export { DEFAULT_MAX_STALENESS };

export function serverTarget(url: string, io: CliIo): ServerTarget {
  const token = io.env.PORTCULLIS_TOKEN;
  if (!token) throw new PortcullisError('BAD_INPUT', `--server ${serverBase(url)}: set PORTCULLIS_TOKEN to an API token (portcullis server token create)`);
  return { url: serverBase(url), token };
}

export interface RemoteGate {
  gate: Gate;
  catalog?: Catalog;
  target: ServerTarget;
}

export async function loadServerGate(opts: { server: string; pipeline?: string; maxStaleness?: string; decisionFile?: string; vex?: string[]; io: CliIo }): Promise<RemoteGate> {
  if (!opts.pipeline) throw new PortcullisError('BAD_INPUT', '--server needs --pipeline NAME (the server keeps policies per pipeline)');
  const target = serverTarget(opts.server, opts.io);
  const maxMs = parseStaleness(opts.maxStaleness ?? DEFAULT_MAX_STALENESS);
  const now = opts.io.clock.now();
  // local VEX files are read (and a typo refused) before the server is asked
  const localVex = opts.vex?.length ? await readVexFiles(opts.vex) : [];
  const fetched = await fetchBundle(target, opts.pipeline, { cacheDir: bundleCacheDir(opts.io.env), now, maxStalenessMs: maxMs });
  const g = gateFromBundle(fetched.bundle, target.url, localVex);
  const notices: string[] = [];
  if (fetched.cached) {
    const hours = (fetched.cached.ageMs / 3_600_000).toFixed(1);
    notices.push(`decided with the bundle cached at ${fetched.cached.savedAt} (${hours} h old, limit --server-max-staleness ${opts.maxStaleness ?? DEFAULT_MAX_STALENESS}): ${fetched.cached.reason}; changes made on the server since then (a revoked exception) are not in this verdict`);
  }
  const provenance = { ...g.provenance, ...(fetched.cached ? { cachedAt: fetched.cached.savedAt } : {}) };
  const gate: Gate = {
    pipeline: opts.pipeline,
    policies: g.policies,
    exceptions: g.exceptions,
    ...(g.vex ? { vex: g.vex } : {}),
    decisionFile: opts.decisionFile,
    server: { provenance, notices },
  };
  return { gate, catalog: g.catalog, target };
}

/** Upload the report and its decision record; a failure is reported, the verdict stands. */
export async function uploadScan(target: ServerTarget, pipeline: string, report: ScanReport, record: DecisionRecord | undefined): Promise<string> {
  const r = (await serverRequest(target, 'POST', '/api/v1/reports', { pipeline, report, ...(record ? { decision: record } : {}) })) as { id?: string };
  return String(r?.id ?? '');
}
