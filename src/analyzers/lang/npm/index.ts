// npm ecosystem: installed node_modules trees (`npm-installed`) and lockfiles (`npm-lockfile`:
// package-lock.json / npm-shrinkwrap.json, yarn.lock v1 and Berry, pnpm-lock.yaml v5/v6/v9).
import type { Analyzer, AnalyzerContext, Fact, FileInput } from '../../../core/types.js';
import { MIB, baseName, readJson, readText, lockfileFacts } from '../common.js';
import { NPM_LOCKFILE } from './common.js';
import { parsePackageLock } from './packagelock.js';
import { parsePnpmLock } from './pnpm.js';
import { isYarnBerry, parseYarnBerry, parseYarnV1 } from './yarn.js';

export { npmInstalledAnalyzer, npmInstalledGraphs, isInstalledPackageJson, MAX_PACKAGE_JSON_BYTES } from './installed.js';
export { dedupeLockfilePackages } from './dedupe.js';
export { NPM_INSTALLED, NPM_LOCKFILE } from './common.js';

/** lockfiles may be much bigger than a package.json */
export const MAX_LOCKFILE_BYTES = 64 * MIB;

const LOCKFILES = new Set(['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml']);

export const npmLockfileAnalyzer: Analyzer = {
  name: NPM_LOCKFILE,
  version: 1,
  maxFileBytes: MAX_LOCKFILE_BYTES,
  required(path) {
    // lockfiles shipped inside installed packages describe the package's own development, not the image
    if (!path.endsWith('.json') && !path.endsWith('.lock') && !path.endsWith('.yaml')) return false;
    return LOCKFILES.has(baseName(path)) && !path.includes('/node_modules/');
  },
  async analyze(file: FileInput, ctx: AnalyzerContext): Promise<Fact[]> {
    const base = baseName(file.path);
    let pkgs;
    if (base === 'package-lock.json' || base === 'npm-shrinkwrap.json') {
      const doc = readJson(file, ctx, MAX_LOCKFILE_BYTES);
      if (doc === undefined) return [];
      pkgs = parsePackageLock(doc, file, ctx);
    } else {
      const text = readText(file, ctx, MAX_LOCKFILE_BYTES);
      if (text === undefined) return [];
      if (base === 'yarn.lock') pkgs = isYarnBerry(text) ? parseYarnBerry(text, file, ctx) : parseYarnV1(text, file, ctx);
      else pkgs = parsePnpmLock(text, file, ctx);
    }
    return lockfileFacts(pkgs);
  },
};
