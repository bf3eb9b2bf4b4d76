// Checks a scan report read from a file (`policy test`, `policy explain`) before evaluation: a saved
// report may be old, hand-edited or hostile. Problems name the JSON path; optional lists get defaults.
import { PortcullisError } from '../core/errors.js';
import type { ScanReport } from '../core/report.js';
import { CHECK_NAMES, SEVERITY_ORDER } from '../core/types.js';

const KINDS = new Set(['vulnerability', 'secret', 'malware', 'config', 'license', 'base-image', 'coverage-gap']);
const FIX_STATES = new Set(['fixed', 'not-fixed', 'wont-fix', 'unimportant', 'unknown']);
const BASE_STATUS = new Set(['not-approved', 'unknown', 'too-old']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

function checkPackage(p: unknown, at: string, problems: string[]): void {
  if (!isObj(p)) {
    problems.push(`${at}: expected a package object`);
    return;
  }
  for (const k of ['name', 'version', 'purl']) if (!isStr(p[k])) problems.push(`${at}.${k}: expected a string`);
}

function defaultList(f: Obj, k: string): void {
  if (f[k] === undefined) f[k] = [];
}

function checkFinding(f: unknown, at: string, problems: string[]): void {
  if (!isObj(f)) {
    problems.push(`${at}: expected an object`);
    return;
  }
  if (!isStr(f.id) || f.id === '') problems.push(`${at}.id: expected a non-empty string`);
  if (!isStr(f.kind) || !KINDS.has(f.kind)) {
    problems.push(`${at}.kind: expected one of ${[...KINDS].join('|')}, got ${JSON.stringify(f.kind)}`);
    return;
  }
  if (!isStr(f.severity) || !(SEVERITY_ORDER as readonly string[]).includes(f.severity)) {
    problems.push(`${at}.severity: expected one of ${SEVERITY_ORDER.join('|')}, got ${JSON.stringify(f.severity)}`);
  }
  if (f.title === undefined) f.title = '';
  const need = (k: string) => {
    if (!isStr(f[k])) problems.push(`${at}.${k}: expected a string`);
  };
  switch (f.kind) {
    case 'vulnerability': {
      need('advisoryId');
      checkPackage(f.package, `${at}.package`, problems);
      if (f.installedVersion === undefined && isObj(f.package)) f.installedVersion = f.package.version;
      if (f.fixState === undefined) f.fixState = 'unknown';
      if (!isStr(f.fixState) || !FIX_STATES.has(f.fixState)) problems.push(`${at}.fixState: expected one of ${[...FIX_STATES].join('|')}`);
      for (const k of ['aliases', 'cvss', 'urls']) defaultList(f, k);
      if (!Array.isArray(f.aliases) || !f.aliases.every(isStr)) problems.push(`${at}.aliases: expected a list of strings`);
      if (!Array.isArray(f.cvss) || !f.cvss.every((c) => isObj(c) && typeof c.score === 'number' && isStr(c.version))) {
        problems.push(`${at}.cvss: expected a list of {version, score}`);
      }
      if (f.kev !== undefined && !(isObj(f.kev) && isStr(f.kev.dateAdded))) problems.push(`${at}.kev: expected {dateAdded}`);
      if (f.dataSource === undefined) f.dataSource = '';
      break;
    }
    case 'secret':
      need('rule');
      need('path');
      if (f.match === undefined) f.match = '';
      break;
    case 'malware':
      need('signature');
      if (f.engine === undefined) f.engine = '';
      break;
    case 'config':
      need('check');
      if (f.detail === undefined) f.detail = '';
      if (f.package !== undefined) checkPackage(f.package, `${at}.package`, problems);
      break;
    case 'license':
      need('license');
      checkPackage(f.package, `${at}.package`, problems);
      break;
    case 'base-image':
      if (!isStr(f.status) || !BASE_STATUS.has(f.status)) problems.push(`${at}.status: expected one of ${[...BASE_STATUS].join('|')}`);
      defaultList(f, 'approvedAlternatives');
      if (!Array.isArray(f.approvedAlternatives) || !f.approvedAlternatives.every(isStr)) problems.push(`${at}.approvedAlternatives: expected a list of strings`);
      break;
    case 'coverage-gap':
      need('reason');
      need('subject');
      if (f.detail === undefined) f.detail = '';
      break;
  }
}

/** Validate (and fill optional defaults of) a parsed report. Throws BAD_INPUT naming `file` and the paths. */
const CHECK_STATES = ['complete', 'partial', 'failed', 'not-run'];

/** `checks`: a list of {check, state, detail, reasons}, each check at most once (absent: no check ran). */
function checkChecks(v: unknown, problems: string[]): void {
  if (!Array.isArray(v)) {
    problems.push('checks: expected a list');
    return;
  }
  const seen = new Set<string>();
  v.forEach((c, i) => {
    const at = `checks[${i}]`;
    if (!isObj(c)) return problems.push(`${at}: expected an object`);
    if (!isStr(c.check) || !(CHECK_NAMES as readonly string[]).includes(c.check)) problems.push(`${at}.check: expected one of ${CHECK_NAMES.join('|')}`);
    else if (seen.has(c.check)) problems.push(`${at}.check: ${c.check} is listed twice`);
    else seen.add(c.check);
    if (!isStr(c.state) || !CHECK_STATES.includes(c.state)) problems.push(`${at}.state: expected one of ${CHECK_STATES.join('|')}`);
    if (!isStr(c.detail)) problems.push(`${at}.detail: expected a string`);
    if (c.reasons === undefined) c.reasons = [];
    if (!Array.isArray(c.reasons) || !c.reasons.every(isStr)) problems.push(`${at}.reasons: expected a list of strings`);
  });
}

export function checkReport(value: unknown, file: string): ScanReport {
  const problems: string[] = [];
  if (!isObj(value)) {
    throw new PortcullisError('BAD_INPUT', `${file}: not a Portcullis scan report: expected a JSON object`, { subject: file });
  }
  const r = value;
  if (!Array.isArray(r.findings)) problems.push('findings: expected a list');
  else r.findings.forEach((f, i) => checkFinding(f, `findings[${i}]`, problems));
  const inv = r.inventory;
  if (!isObj(inv)) problems.push('inventory: expected an object');
  else {
    const img = inv.image;
    if (!isObj(img) || !isObj(img.ref) || !isObj(img.config)) problems.push('inventory.image: expected ref and config');
    else {
      if (!Array.isArray(img.repoTags)) img.repoTags = [];
      if (!isObj(img.config.labels)) img.config.labels = {};
      for (const k of ['name', 'tag', 'digest'] as const) {
        if (img.ref[k] !== undefined && !isStr(img.ref[k])) problems.push(`inventory.image.ref.${k}: expected a string`);
      }
    }
    if (inv.packages === undefined) inv.packages = [];
    if (!Array.isArray(inv.packages)) problems.push('inventory.packages: expected a list');
    else {
      inv.packages.forEach((p, i) => {
        checkPackage(p, `inventory.packages[${i}]`, problems);
        if (isObj(p)) {
          defaultList(p, 'licenses');
          defaultList(p, 'locations');
          if (!Array.isArray(p.licenses) || !p.licenses.every(isStr)) problems.push(`inventory.packages[${i}].licenses: expected a list of strings`);
        }
      });
    }
    if (!Array.isArray(inv.gaps)) inv.gaps = [];
    else inv.gaps.forEach((f, i) => checkFinding(f, `inventory.gaps[${i}]`, problems));
  }
  if (r.db !== undefined && !(isObj(r.db) && Array.isArray(r.db.sources) && isStr(r.db.builtAt))) problems.push('db: expected {builtAt, sources[]}');
  if (r.lineage !== undefined && !(isObj(r.lineage) && Array.isArray(r.lineage.chain) && isStr(r.lineage.method))) problems.push('lineage: expected {method, chain[]}');
  if (r.checks !== undefined) checkChecks(r.checks, problems);
  if (!isObj(r.scanner)) r.scanner = { name: 'unknown', version: 'unknown' };
  if (problems.length) {
    const shown = problems.slice(0, 10).join('; ') + (problems.length > 10 ? `; … ${problems.length - 10} more` : '');
    throw new PortcullisError('BAD_INPUT', `${file}: not a valid Portcullis scan report: ${shown}`, { subject: file });
  }
  return r as unknown as ScanReport;
}
