// CISA Known Exploited Vulnerabilities catalog (https://www.cisa.gov/known-exploited-vulnerabilities-catalog,
// schema: github.com/cisagov/kev-data) -> enrichment rows keyed by CVE.
import { isObj, readJsonFeed } from '../feedfile.js';
import type { ImportContext, ImportItem } from '../types.js';

const CVE = /^CVE-\d{4}-\d{4,}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export async function* importKev(path: string, ctx: ImportContext): AsyncGenerator<ImportItem> {
  const { doc } = await readJsonFeed(path, ctx);
  if (!isObj(doc) || !Array.isArray(doc.vulnerabilities)) throw new Error(`${path}: not a KEV catalog (no vulnerabilities list)`);
  if (typeof doc.dateReleased === 'string' && !Number.isNaN(Date.parse(doc.dateReleased))) {
    ctx.setUpdatedAt(new Date(doc.dateReleased).toISOString());
  }
  for (const [i, v] of doc.vulnerabilities.entries()) {
    if (!isObj(v) || typeof v.cveID !== 'string' || !CVE.test(v.cveID) || typeof v.dateAdded !== 'string' || !DAY.test(v.dateAdded)) {
      ctx.warn(`${path}: vulnerabilities[${i}] skipped, needs cveID and dateAdded (YYYY-MM-DD)`);
      continue;
    }
    const due = typeof v.dueDate === 'string' && DAY.test(v.dueDate) ? v.dueDate : undefined;
    const use = v.knownRansomwareCampaignUse;
    yield {
      type: 'kev',
      cve: v.cveID,
      dateAdded: v.dateAdded,
      ...(due ? { dueDate: due } : {}),
      ...(typeof use === 'string' ? { ransomware: use === 'Known' } : {}),
    };
  }
}
