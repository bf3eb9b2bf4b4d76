// .NET: `*.deps.json` written next to a built application (`dotnet-deps`) and NuGet `packages.lock.json`
// (`nuget-lockfile`). purl type nuget.
// https://github.com/dotnet/sdk/blob/main/documentation/specs/runtime-configuration-file.md
// https://learn.microsoft.com/en-us/nuget/consume-packages/package-references-in-project-files#locking-dependencies
import type { Analyzer, AnalyzerContext, Fact, FileInput, Package } from '../../../core/types.js';
import { failed, partial } from '../../status.js';
import { MIB, isObj, makePackage, prop, readJson, lockfileFacts, sortUnique, str } from '../common.js';

export const DOTNET_DEPS = 'dotnet-deps';
export const NUGET_LOCKFILE = 'nuget-lockfile';
export const MAX_DOTNET_JSON_BYTES = 64 * MIB;

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const VERSION = /^\d+(?:\.\d+){0,3}(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

export function validNugetName(n: string): boolean {
  return n.length <= 256 && NAME.test(n);
}
export function validNugetVersion(v: string): boolean {
  return v.length <= 128 && VERSION.test(v);
}

function nuget(name: string, version: string, foundBy: string, file: FileInput, ctx: AnalyzerContext, metadata?: Record<string, string>): Package {
  return makePackage({ name, version, type: 'nuget', foundBy, metadata }, file, ctx);
}

/** `libraries` entries of type "package", keyed `Name/Version`; projects and runtime packs are skipped. */
export function parseDepsJson(doc: unknown, file: FileInput, ctx: AnalyzerContext): Package[] {
  const libs = prop(doc, 'libraries');
  if (!isObj(doc) || (libs !== undefined && !isObj(libs))) {
    failed(ctx, `${file.path}: not a .deps.json document`);
    return [];
  }
  if (!isObj(libs)) return []; // a deps.json without libraries lists nothing
  const out: Package[] = [];
  let bad = 0;
  for (const [key, lib] of Object.entries(libs)) {
    if (str(lib, 'type') !== 'package') continue;
    const slash = key.indexOf('/');
    const name = slash > 0 ? key.slice(0, slash) : '';
    const version = slash > 0 ? key.slice(slash + 1) : '';
    if (!validNugetName(name) || !validNugetVersion(version)) {
      bad++;
      continue;
    }
    out.push(nuget(name, version, DOTNET_DEPS, file, ctx));
  }
  if (bad > 0) partial(ctx, `${file.path}: ${bad} libraries without a valid Name/Version key skipped`);
  return out;
}

/** `dependencies` per target framework; one package per name@version, `Direct` when direct in any framework. */
export function parsePackagesLock(doc: unknown, file: FileInput, ctx: AnalyzerContext): Package[] {
  const deps = prop(doc, 'dependencies');
  if (!isObj(doc) || !isObj(deps)) {
    failed(ctx, `${file.path}: no "dependencies" object: not a NuGet packages.lock.json`);
    return [];
  }
  const byKey = new Map<string, { name: string; version: string; direct: boolean }>();
  let bad = 0;
  for (const tfm of Object.values(deps)) {
    if (!isObj(tfm)) continue;
    for (const [name, d] of Object.entries(tfm)) {
      const type = str(d, 'type');
      if (type === 'Project') continue; // another project of the same solution
      const version = str(d, 'resolved');
      if (version === undefined || !validNugetName(name) || !validNugetVersion(version)) {
        bad++;
        continue;
      }
      const k = `${name}@${version}`;
      const seen = byKey.get(k);
      const direct = type === 'Direct';
      if (seen) seen.direct ||= direct;
      else byKey.set(k, { name, version, direct });
    }
  }
  if (bad > 0) partial(ctx, `${file.path}: ${bad} dependencies without a valid name/resolved version skipped`);
  return [...byKey.values()].map((e) => nuget(e.name, e.version, NUGET_LOCKFILE, file, ctx, { dependencyType: e.direct ? 'Direct' : 'Transitive' }));
}

export const dotnetDepsAnalyzer: Analyzer = {
  name: DOTNET_DEPS,
  version: 1,
  maxFileBytes: MAX_DOTNET_JSON_BYTES,
  required(path) {
    return path.endsWith('.deps.json');
  },
  async analyze(file: FileInput, ctx: AnalyzerContext): Promise<Fact[]> {
    const doc = readJson(file, ctx, MAX_DOTNET_JSON_BYTES);
    if (doc === undefined) return [];
    return sortUnique(parseDepsJson(doc, file, ctx)).map((pkg) => ({ kind: 'package', pkg }));
  },
};

export const nugetLockfileAnalyzer: Analyzer = {
  name: NUGET_LOCKFILE,
  version: 1,
  maxFileBytes: MAX_DOTNET_JSON_BYTES,
  required(path) {
    return path.endsWith('/packages.lock.json');
  },
  async analyze(file: FileInput, ctx: AnalyzerContext): Promise<Fact[]> {
    const doc = readJson(file, ctx, MAX_DOTNET_JSON_BYTES);
    if (doc === undefined) return [];
    return lockfileFacts(parsePackagesLock(doc, file, ctx));
  },
};
