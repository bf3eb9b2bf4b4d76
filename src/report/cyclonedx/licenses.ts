// License strings as SBOM formats want them: SPDX ids where they are ids, expressions where they are
// expressions, free text otherwise (CycloneDX `name`, SPDX `LicenseRef-`).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const SPDX_IDS: ReadonlySet<string> = new Set((require('spdx-license-ids') as string[]).map((s) => s.toLowerCase()));
const CANONICAL = new Map((require('spdx-license-ids') as string[]).map((s) => [s.toLowerCase(), s]));

export function spdxId(s: string): string | undefined {
  return CANONICAL.get(s.trim().toLowerCase());
}

const TOKEN = /\s+|\(|\)/;

/** True when every token of `s` is an SPDX id or an operator: a license expression we can pass on. */
export function isSpdxExpression(s: string): boolean {
  const tokens = s.split(TOKEN).filter(Boolean);
  if (tokens.length === 0) return false;
  return tokens.every((t) => ['AND', 'OR', 'WITH'].includes(t) || SPDX_IDS.has(t.replace(/\+$/, '').toLowerCase()) || /^LicenseRef-[A-Za-z0-9.-]+$/.test(t) || /exception/i.test(t));
}

export function licenseChoice(licenses: string[]): unknown[] | undefined {
  if (licenses.length === 0) return undefined;
  // CycloneDX: either a list of licenses, or exactly one expression
  const hasExpression = licenses.some((l) => /\s(AND|OR|WITH)\s/.test(l));
  if (hasExpression && licenses.every(isSpdxExpression)) {
    return [{ expression: licenses.length === 1 ? licenses[0] : licenses.map((l) => `(${l})`).join(' AND ') }];
  }
  return licenses.map((l) => {
    const id = spdxId(l);
    return id ? { license: { id } } : { license: { name: l } };
  });
}
