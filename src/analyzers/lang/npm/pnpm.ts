// pnpm-lock.yaml, lockfileVersion 5.x (`/name/1.2.3_peer`), 6.0 (`/name@1.2.3(peer@1)`) and 9.0
// (`name@1.2.3(peer)`, dev-ness derived from `importers` + `snapshots`). https://github.com/pnpm/spec/tree/master/lockfile
import { failed, partial } from '../../status.js';
import { fastYamlDocuments, fullYaml, yamlFallbackAllowed } from './fastyaml.js';
import type { AnalyzerContext, FileInput, Package } from '../../../core/types.js';
import { isObj, prop, str, type Obj } from '../common.js';
import { NPM_LOCKFILE, npmPackage, validNpmName, validNpmVersion } from './common.js';

interface Parsed {
  name: string;
  version: string;
}

/** strip the peer-dependency suffix `(…)` (v6/v9) */
function stripPeers(key: string): string {
  const i = key.indexOf('(');
  return i < 0 ? key : key.slice(0, i);
}

/** a packages key to name + version; undefined for local and non-registry keys */
export function parsePnpmKey(rawKey: string, v5: boolean): Parsed | undefined {
  let key = stripPeers(rawKey.trim());
  if (key.startsWith('/')) key = key.slice(1);
  if (/^(?:file|link|workspace):/.test(key)) return undefined;
  if (v5) {
    // name/version with an optional `_peer` suffix; scoped names have two segments
    const slash = key.lastIndexOf('/');
    if (slash <= 0) return undefined;
    const name = key.slice(0, slash);
    let version = key.slice(slash + 1);
    const us = version.indexOf('_');
    if (us > 0) version = version.slice(0, us);
    return { name, version };
  }
  const at = key.indexOf('@', 1);
  if (at <= 0) return undefined;
  return { name: key.slice(0, at), version: key.slice(at + 1) };
}

function lockVersion(doc: Obj): number {
  const v = doc.lockfileVersion;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? parseFloat(v) : NaN;
  return Number.isFinite(n) ? n : NaN;
}

/** the env lockfile pnpm writes first in a multi-document lockfile holds only the package manager itself */
function isEnvDocument(doc: Obj): boolean {
  const importers = prop(doc, 'importers');
  if (!isObj(importers)) return false;
  return Object.values(importers).every(
    (imp) => isObj(imp) && imp.dependencies === undefined && imp.devDependencies === undefined && imp.optionalDependencies === undefined,
  );
}

/** snapshot key for a dependency reference from an importer or snapshot */
function refKey(name: string, ref: unknown): string | undefined {
  const r = isObj(ref) ? str(ref, 'version') : typeof ref === 'string' ? ref : undefined;
  if (r === undefined || /^(?:link|file|workspace):/.test(r)) return undefined;
  if (/^\d/.test(r)) return `${name}@${r}`;
  // alias `real-name@1.2.3` or a URL-like reference
  if (/^(?:@[^/@]+\/)?[^@/]+@/.test(r)) return r;
  return `${name}@${r}`;
}

/** v9: package keys (without peers) reachable only from devDependencies */
function devKeysV9(doc: Obj): Set<string> | undefined {
  const importers = prop(doc, 'importers');
  const snapshots = prop(doc, 'snapshots');
  if (!isObj(importers) || !isObj(snapshots)) return undefined;
  const walk = (roots: string[]): Set<string> => {
    const seen = new Set<string>();
    const stack = [...roots];
    while (stack.length > 0) {
      const k = stack.pop()!;
      if (seen.has(k)) continue;
      seen.add(k);
      const snap = prop(snapshots, k);
      for (const field of ['dependencies', 'optionalDependencies']) {
        const deps = prop(snap, field);
        if (!isObj(deps)) continue;
        for (const [n, r] of Object.entries(deps)) {
          const rk = refKey(n, r);
          if (rk !== undefined && !seen.has(rk)) stack.push(rk);
        }
      }
    }
    return new Set([...seen].map(stripPeers));
  };
  const prodRoots: string[] = [];
  const devRoots: string[] = [];
  for (const imp of Object.values(importers)) {
    for (const [field, into] of [
      ['dependencies', prodRoots],
      ['optionalDependencies', prodRoots],
      ['devDependencies', devRoots],
    ] as const) {
      const deps = prop(imp, field);
      if (!isObj(deps)) continue;
      for (const [n, r] of Object.entries(deps)) {
        const rk = refKey(n, r);
        if (rk !== undefined) into.push(rk);
      }
    }
  }
  const prod = walk(prodRoots);
  const dev = walk(devRoots);
  return new Set([...dev].filter((k) => !prod.has(k)));
}

export function parsePnpmLock(text: string, file: FileInput, ctx: AnalyzerContext): Package[] {
  let docs: unknown[] | undefined = fastYamlDocuments(text);
  if (!docs) {
    if (!yamlFallbackAllowed(text, file.path, (m) => failed(ctx, m))) return [];
    try {
      const parsed = fullYaml().parseAllDocuments(text, { uniqueKeys: false });
      const list = Array.isArray(parsed) ? parsed : [parsed];
      const errors = list.flatMap((d) => d.errors);
      if (errors.length > 0) throw errors[0]!;
      docs = list.map((d) => d.toJS({ maxAliasCount: 100 }) as unknown);
    } catch (e) {
      failed(ctx, `${file.path}: invalid YAML (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
      return [];
    }
  }
  const out: Package[] = [];
  let skipped = 0;
  let firstProblem = '';
  for (const doc of docs) {
    if (!isObj(doc)) continue;
    if (isEnvDocument(doc)) continue;
    const ver = lockVersion(doc);
    const packages = prop(doc, 'packages');
    if (!isObj(packages)) continue;
    const v5 = ver < 6;
    const devKeys = ver >= 9 ? devKeysV9(doc) : undefined;
    for (const [key, entry] of Object.entries(packages)) {
      const parsed = parsePnpmKey(key, v5);
      const name = str(entry, 'name') ?? parsed?.name;
      const version = str(entry, 'version') ?? parsed?.version;
      if (parsed === undefined && str(entry, 'name') === undefined) continue; // local (file:, link:)
      // local directories and tarballs (`file:`, `link:`, `workspace:`) are not published packages
      if (/^(?:file|link|workspace):/.test(key.replace(/^\//, '')) || (parsed && /^(?:file|link|workspace):/.test(parsed.version))) continue;
      if (name === undefined || version === undefined || !validNpmName(name) || !validNpmVersion(version) || !/^\d/.test(version)) {
        skipped++;
        firstProblem ||= key.slice(0, 100);
        continue;
      }
      const dev = devKeys ? devKeys.has(stripPeers(key.replace(/^\//, ''))) : prop(entry, 'dev') === true;
      out.push(npmPackage(name, version, NPM_LOCKFILE, file, ctx, { dev }));
    }
  }
  if (skipped > 0) partial(ctx, `${file.path}: ${skipped} pnpm packages without a usable name/version skipped (first: ${JSON.stringify(firstProblem)})`);
  return out;
}
