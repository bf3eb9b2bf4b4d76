// `admission --missing-decision scan`: the scan the webhook runs for a digest without a decision, with
// the policies and exceptions given to the webhook (--policy, --exceptions) and its advisory DB (--db):
// the same stages as `scan` (inventory, checks with their defaults, matching, evaluate), the decision
// record with its validUntil, stored in the server's database like an upload so every replica sees it.
import { existsSync } from 'node:fs';
import { PortcullisError } from '../../core/errors.js';
import { openDb } from '../../advisory/index.js';
import { prepareChecks } from '../../checks/index.js';
import { collectWithChecks } from '../../scan/collect.js';
import { scanInventory } from '../../scan/scan.js';
import { decide, loadGate } from '../../scan/decide.js';
import { decisionRecord } from '../../policy/record.js';
import { decisionValidity } from '../../policy/validity.js';
import { ScanQueue } from '../../admission/scanq.js';
import type { RegistryOptions } from '../../source/registry/resolve.js';
import type { Store } from '../../server/store/db.js';
import { insertScan } from '../../server/store/scans.js';
import type { CliIo } from '../io.js';
import { SCANNER } from '../version.js';
import { checkOptionsFrom } from './checks.js';

export async function scanOnAdmission(o: { pipeline: string; policies: string[]; exceptions: string[]; db: string; registry: RegistryOptions; io: CliIo; store?: Store; deadlineMs: number }): Promise<ScanQueue> {
  if (o.policies.length === 0) throw new PortcullisError('BAD_INPUT', '--missing-decision scan needs --policy PATH: the policies a scan on admission is judged by');
  const gate = await loadGate({ pipeline: o.pipeline, policies: o.policies, exceptions: o.exceptions, now: o.io.clock.now() });
  if (!gate) throw new PortcullisError('BAD_INPUT', '--missing-decision scan needs --policy PATH');
  if (!existsSync(o.db)) throw new PortcullisError('DB_MISSING', `--missing-decision scan needs an advisory DB: none at ${o.db} (--db PATH)`, { subject: o.db });
  const db = openDb(o.db); // open for the life of the webhook
  const checks = await prepareChecks(checkOptionsFrom({}, o.io.env));
  const scan = async (name: string, digest: string): Promise<unknown> => {
    const { inventory, checkResults } = await collectWithChecks(`${name}@${digest}`, { checks, registry: o.registry });
    const now = o.io.clock.now();
    const decided = await decide(scanInventory(inventory, db, { now, scanner: SCANNER, checkResults }), gate, now);
    const report = decided.report;
    const record = decisionRecord(report, {
      policyDigest: gate.policies.digest,
      policyFiles: gate.policies.files,
      exceptionsDigest: gate.exceptions.digest,
      exceptionFiles: gate.exceptions.files,
      validity: decisionValidity(report.decision!, report, gate.policies.policies),
    });
    if (o.store) await insertScan(o.store, { pipeline: o.pipeline, repository: name, tag: undefined, digest, verdict: record.verdict, report, decision: record, by: 'portcullis admission (scan on admission)', at: now });
    return record;
  };
  return new ScanQueue(scan, o.deadlineMs, 1, (l) => o.io.stderr.write(`portcullis: admission: ${l}\n`));
}
