// Trivy's ignore files (https://trivy.dev/latest/docs/configuration/filtering/): `.trivyignore` (one id per
// line, `#` comments, an optional `exp:YYYY-MM-DD`) and `.trivyignore.yaml` (`vulnerabilities`,
// `misconfigurations`, `secrets`, `licenses`: id, paths, purls, expired_at, statement).
import { basename } from 'node:path';
import { parse } from 'yaml';
import { PortcullisError } from '../../core/errors.js';
import { absolute, completion, purlFields, type Converted, type RawException } from './common.js';

export function readTrivyIgnore(text: string, file: string, now: Date): Converted {
  const out: Converted = { exceptions: [], warnings: [] };
  const warn = (m: string) => out.warnings.push(m);
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const [id, ...rest] = line.split(/\s+/);
    let expires: string | undefined;
    for (const r of rest) {
      if (r.startsWith('exp:')) expires = r.slice(4);
      else throw new PortcullisError('POLICY_INVALID', `${file}:${i + 1}: unexpected ${JSON.stringify(r.slice(0, 40))} after the id (expected exp:YYYY-MM-DD)`, { subject: file });
    }
    const where = `${file}:${i + 1}`;
    out.exceptions.push({ id: `${basename(file)}:${i + 1}`, finding: id!, scope: { all: true }, owner: `unknown (imported from ${file})`, ...completion(where, { expires }, now, warn) });
  });
  return out;
}

const SECTIONS = ['vulnerabilities', 'misconfigurations', 'secrets', 'licenses'] as const;

export function readTrivyIgnoreYaml(text: string, file: string, now: Date): Converted {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new PortcullisError('POLICY_INVALID', `${file}: invalid YAML: ${(e as Error).message.split('\n')[0]}`, { subject: file, cause: e });
  }
  if (doc === null || doc === undefined) return { exceptions: [], warnings: [] };
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new PortcullisError('POLICY_INVALID', `${file}: expected a mapping with ${SECTIONS.join(', ')}`, { subject: file });
  const out: Converted = { exceptions: [], warnings: [] };
  const warn = (m: string) => out.warnings.push(m);
  for (const [key, list] of Object.entries(doc as Record<string, unknown>)) {
    if (!(SECTIONS as readonly string[]).includes(key)) throw new PortcullisError('POLICY_INVALID', `${file}: ${key}: unknown section (expected ${SECTIONS.join(', ')})`, { subject: file });
    if (!Array.isArray(list)) throw new PortcullisError('POLICY_INVALID', `${file}: ${key}: expected a list`, { subject: file });
    list.forEach((entry: unknown, i) => {
      const where = `${file}: ${key}[${i}]`;
      if (entry === null || typeof entry !== 'object') throw new PortcullisError('POLICY_INVALID', `${where}: expected a mapping with id`, { subject: file });
      const e = entry as Record<string, unknown>;
      if (typeof e.id !== 'string' || e.id === '') throw new PortcullisError('POLICY_INVALID', `${where}.id: expected a non-empty string`, { subject: file });
      const strings = (k: string): string[] | undefined => {
        if (e[k] === undefined) return undefined;
        if (!Array.isArray(e[k]) || !(e[k] as unknown[]).every((x) => typeof x === 'string' && x !== '')) throw new PortcullisError('POLICY_INVALID', `${where}.${k}: expected a list of strings`, { subject: file });
        return e[k] as string[];
      };
      const paths = strings('paths')?.map(absolute);
      const purls = strings('purls');
      const base: RawException = {
        id: `${basename(file)}:${key}[${i}]`,
        finding: e.id,
        scope: { all: true },
        owner: `unknown (imported from ${file})`,
        ...(paths ? { paths } : {}),
        ...completion(where, { reason: typeof e.statement === 'string' ? e.statement : undefined, expires: e.expired_at === undefined ? undefined : String(e.expired_at instanceof Date ? e.expired_at.toISOString().slice(0, 10) : e.expired_at) }, now, warn),
      };
      // one exception per purl: each names its package (and version when the purl has one)
      if (purls) purls.forEach((p, k) => out.exceptions.push({ ...base, id: `${base.id}.purls[${k}]`, ...purlFields(p) }));
      else out.exceptions.push(base);
    });
  }
  return out;
}
