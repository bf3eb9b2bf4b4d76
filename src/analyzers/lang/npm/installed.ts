// Installed npm packages: `…/node_modules/<name>/package.json` and `…/node_modules/@scope/<name>/package.json`.
// One package per installed copy (nested and hoisted copies are separate files, so separate packages).
import type { Analyzer, FileInput, AnalyzerContext, Fact } from '../../../core/types.js';
import { failed } from '../../status.js';
import { MIB, decodeText, readJson, str } from '../common.js';
import { NPM_INSTALLED, npmLicenses, npmPackage, validNpmName, validNpmVersion } from './common.js';
import { annotateInstalledTree, declaredDeps } from './graph.js';
import type { Package } from '../../../core/types.js';

/** package.json of an installed package larger than this is skipped with a warning */
export const MAX_PACKAGE_JSON_BYTES = 20 * MIB;

/** true for the package.json directly inside a package directory under node_modules */
export function isInstalledPackageJson(path: string): boolean {
  if (!path.endsWith('/package.json')) return false;
  const end = path.length - '/package.json'.length;
  const s1 = path.lastIndexOf('/', end - 1); // before <name>
  if (s1 < 0) return false;
  const name = path.slice(s1 + 1, end);
  if (name === '' || name === 'node_modules' || name === '.bin') return false;
  const s2 = path.lastIndexOf('/', s1 - 1);
  if (s2 < 0) return false;
  const parent = path.slice(s2 + 1, s1);
  if (parent === 'node_modules') return !name.startsWith('@');
  if (!parent.startsWith('@') || parent.length < 2) return false;
  const s3 = path.lastIndexOf('/', s2 - 1);
  return s3 >= 0 && path.slice(s3 + 1, s2) === 'node_modules';
}

/** A project's own package.json (outside any node_modules): its dependencies are the direct ones. */
export function isProjectPackageJson(path: string): boolean {
  return path.endsWith('/package.json') && !path.includes('/node_modules/');
}

export const npmInstalledAnalyzer: Analyzer = {
  name: NPM_INSTALLED,
  version: 2,
  maxFileBytes: MAX_PACKAGE_JSON_BYTES,
  required(path) {
    return isInstalledPackageJson(path) || isProjectPackageJson(path);
  },
  async analyze(file: FileInput, ctx: AnalyzerContext): Promise<Fact[]> {
    if (!isInstalledPackageJson(file.path)) {
      // a project manifest is not a package; one that does not parse only loses the dependency paths
      let doc: unknown;
      try {
        doc = JSON.parse(decodeText(file.content));
      } catch {
        ctx.warn(`${file.path}: not valid JSON, its dependencies are unknown`);
        return [];
      }
      const names = declaredDeps(doc, true);
      return [{ kind: 'requires', ecosystem: 'npm', path: file.path, names, project: true }];
    }
    const manifest = readJson(file, ctx, MAX_PACKAGE_JSON_BYTES);
    if (manifest === undefined) return [];
    const name = str(manifest, 'name');
    const version = str(manifest, 'version');
    // package.json files without name/version (test fixtures, partial installs) are not packages
    if (name === undefined || version === undefined) return [];
    if (!validNpmName(name) || !validNpmVersion(version)) {
      failed(ctx, `${file.path}: invalid npm name or version ${JSON.stringify(name.slice(0, 100))}@${JSON.stringify(version.slice(0, 100))}`);
      return [];
    }
    return [
      { kind: 'package', pkg: npmPackage(name, version, NPM_INSTALLED, file, ctx, { licenses: npmLicenses(manifest) }) },
      { kind: 'requires', ecosystem: 'npm', path: file.path, names: declaredDeps(manifest, false) },
    ];
  },
};

/** Inventory rule: dependency paths of every installed node_modules tree whose project package.json was read. */
export function npmInstalledGraphs(pkgs: Package[], requires: Extract<Fact, { kind: 'requires' }>[]): void {
  const manifests = requires
    .filter((r) => r.ecosystem === 'npm')
    .map((r) => ({ dir: r.path.slice(0, -'/package.json'.length) || '/', names: r.names, project: r.project === true }));
  annotateInstalledTree(
    pkgs.filter((p) => p.foundBy === NPM_INSTALLED),
    manifests,
  );
}
