// Grype's ignore rules (`.grype.yaml` `ignore:`, https://github.com/anchore/grype#specifying-matches-to-ignore):
// vulnerability, fix-state, package {name, version, type, location}, reason. Grype rules have no expiry.
// Snyk's policy file (`.snyk` `ignore:`): id → [{path: {reason, expires, created}}], path `*` or a
// dependency path `a > b > c` (its last element is the package).
import { basename } from 'node:path';
import { parse } from 'yaml';
import { PortcullisError } from '../../core/errors.js';
import { absolute, completion, type Converted, type RawException } from './common.js';

/** Grype package types → purl types (the `type` our packages carry). */
const GRYPE_TYPES: Record<string, string> = {
  apk: 'apk', deb: 'deb', rpm: 'rpm', npm: 'npm', python: 'pypi', gem: 'gem', 'go-module': 'golang',
  'java-archive': 'maven', 'rust-crate': 'cargo', 'dotnet': 'nuget', 'php-composer': 'composer', 'binary': 'generic',
};
const FIX_STATES = ['fixed', 'not-fixed', 'wont-fix', 'unknown'];

function yamlOf(text: string, file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new PortcullisError('POLICY_INVALID', `${file}: invalid YAML: ${(e as Error).message.split('\n')[0]}`, { subject: file, cause: e });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new PortcullisError('POLICY_INVALID', `${file}: expected a mapping`, { subject: file });
  return doc as Record<string, unknown>;
}

const bad = (file: string, where: string, what: string) => new PortcullisError('POLICY_INVALID', `${where}: ${what}`, { subject: file });

export function readGrype(text: string, file: string, now: Date): Converted {
  const doc = yamlOf(text, file);
  const out: Converted = { exceptions: [], warnings: [] };
  if (doc.ignore === undefined) return out;
  if (!Array.isArray(doc.ignore)) throw bad(file, `${file}: ignore`, 'expected a list of rules');
  doc.ignore.forEach((rule: unknown, i) => {
    const where = `${file}: ignore[${i}]`;
    if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) throw bad(file, where, 'expected a mapping');
    const r = rule as Record<string, unknown>;
    const e: RawException = { id: `${basename(file)}:ignore[${i}]`, finding: '*', scope: { all: true }, owner: `unknown (imported from ${file})` };
    if (r.vulnerability !== undefined) {
      if (typeof r.vulnerability !== 'string' || r.vulnerability === '') throw bad(file, `${where}.vulnerability`, 'expected an id');
      e.finding = r.vulnerability;
    }
    if (r['fix-state'] !== undefined) {
      if (!FIX_STATES.includes(String(r['fix-state']))) throw bad(file, `${where}.fix-state`, `expected one of ${FIX_STATES.join(', ')}`);
      e.fixState = r['fix-state'];
    }
    if (r.package !== undefined) {
      if (r.package === null || typeof r.package !== 'object') throw bad(file, `${where}.package`, 'expected a mapping');
      const p = r.package as Record<string, unknown>;
      for (const k of ['name', 'version', 'type', 'location']) {
        if (p[k] !== undefined && (typeof p[k] !== 'string' || p[k] === '')) throw bad(file, `${where}.package.${k}`, 'expected a non-empty string');
      }
      if (p.name !== undefined) e.package = p.name;
      if (p.version !== undefined) e.version = p.version;
      if (p.type !== undefined) {
        const t = GRYPE_TYPES[String(p.type)];
        if (t === undefined) throw bad(file, `${where}.package.type`, `unknown Grype package type ${JSON.stringify(p.type)}`);
        e.type = t;
      }
      if (p.location !== undefined) e.paths = [absolute(String(p.location))];
    }
    for (const k of Object.keys(r)) {
      if (!['vulnerability', 'fix-state', 'package', 'reason', 'namespace', 'vex-status', 'vex-justification', 'match-type', 'include-aliases'].includes(k)) throw bad(file, `${where}.${k}`, 'unknown field');
      if (['namespace', 'vex-status', 'vex-justification', 'match-type'].includes(k)) out.warnings.push(`${where}.${k}: not supported by Portcullis: the rule is converted without it, so it may apply more widely than in Grype`);
    }
    if (e.finding === '*' && e.package === undefined && e.version === undefined && e.type === undefined && e.fixState === undefined && e.paths === undefined) {
      throw bad(file, where, 'a rule that matches everything is refused (name a vulnerability, fix-state or package)');
    }
    Object.assign(e, completion(where, { reason: typeof r.reason === 'string' ? r.reason : undefined }, now, (m) => out.warnings.push(m)));
    out.exceptions.push(e);
  });
  return out;
}

export function readSnyk(text: string, file: string, now: Date): Converted {
  const doc = yamlOf(text, file);
  const out: Converted = { exceptions: [], warnings: [] };
  if (doc.ignore === undefined) return out;
  if (doc.ignore === null || typeof doc.ignore !== 'object' || Array.isArray(doc.ignore)) throw bad(file, `${file}: ignore`, 'expected a mapping of ids');
  for (const [id, list] of Object.entries(doc.ignore as Record<string, unknown>)) {
    if (!Array.isArray(list)) throw bad(file, `${file}: ignore.${id}`, 'expected a list of paths');
    if (/^SNYK-/i.test(id)) out.warnings.push(`${file}: ignore.${id}: a Snyk id names Snyk's own database; Portcullis findings use CVE/GHSA ids, so it applies only where one of them has this alias`);
    list.forEach((entry: unknown, i) => {
      const where = `${file}: ignore.${id}[${i}]`;
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw bad(file, where, 'expected {path: {reason, expires}}');
      for (const [path, v] of Object.entries(entry as Record<string, unknown>)) {
        const meta = (v ?? {}) as Record<string, unknown>;
        const date = (x: unknown) => (x instanceof Date ? x.toISOString() : typeof x === 'string' ? x : undefined);
        const e: RawException = { id: `${basename(file)}:${id}[${i}]`, finding: id, scope: { all: true }, owner: `unknown (imported from ${file})` };
        if (path !== '*') {
          const last = path.split('>').pop()!.trim().replace(/@[^@]*$/, '');
          if (last === '') throw bad(file, where, `dependency path ${JSON.stringify(path)}: no package`);
          e.package = last;
          out.warnings.push(`${where}: dependency path "${path}" is converted to its package ${last}, wherever it is in the tree`);
        }
        Object.assign(e, completion(where, { reason: typeof meta.reason === 'string' ? meta.reason : undefined, expires: date(meta.expires), created: date(meta.created) }, now, (m) => out.warnings.push(m)));
        out.exceptions.push(e);
      }
    });
  }
  return out;
}
