// Every analyzer, listed explicitly. Adding one = a folder under analyzers/ and one line here.
// A conformance test checks that every analyzer folder is registered and has tests.
import type { Analyzer, Fact, Package } from '../core/types.js';
import { osOwnedDeclarations, type PackageRule } from './declared.js';
import { rpmAnalyzer } from './os/rpm/index.js';
import { osReleaseAnalyzer, pickOs } from './os/release/index.js';
import { dpkgAnalyzer } from './os/dpkg/index.js';
import { apkAnalyzer } from './os/apk/index.js';
import { goBinaryAnalyzer, goModAnalyzer } from './lang/go/index.js';
import { cargoLockAnalyzer, rustBinaryAnalyzer } from './lang/rust/index.js';
import { javaArchiveAnalyzer } from './lang/java/index.js';
import { dedupeLockfilePackages, npmInstalledAnalyzer, npmInstalledGraphs, npmLockfileAnalyzer } from './lang/npm/index.js';
import { pythonInstalledAnalyzer, pythonInstalledGraphs, pythonLockfileAnalyzer } from './lang/python/index.js';
import { gemInstalledAnalyzer, gemLockfileAnalyzer } from './lang/ruby/index.js';
import { composerInstalledAnalyzer, composerLockfileAnalyzer } from './lang/php/index.js';
import { dotnetDepsAnalyzer, nugetLockfileAnalyzer } from './lang/dotnet/index.js';

export const analyzers: Analyzer[] = [
  rpmAnalyzer,
  osReleaseAnalyzer,
  dpkgAnalyzer,
  apkAnalyzer,
  goBinaryAnalyzer,
  goModAnalyzer,
  cargoLockAnalyzer,
  rustBinaryAnalyzer,
  javaArchiveAnalyzer,
  npmInstalledAnalyzer,
  npmLockfileAnalyzer,
  pythonInstalledAnalyzer,
  pythonLockfileAnalyzer,
  gemInstalledAnalyzer,
  gemLockfileAnalyzer,
  composerInstalledAnalyzer,
  composerLockfileAnalyzer,
  dotnetDepsAnalyzer,
  nugetLockfileAnalyzer,
];

export function analyzerByName(name: string): Analyzer | undefined {
  return analyzers.find((a) => a.name === name);
}

/**
 * Image-wide rules the analyzers contribute, applied by scan/inventory once every layer is read: the
 * only analyzer surface the scan stage uses besides the list above.
 * - `pickOs`: which of the OS candidates (os-release, legacy release files, package DBs) describes the image;
 * - `packageDedupers`: packages one analyzer reports that another's supersede (an npm lockfile entry is
 *   left out when the installed tree beside it was found), and packages declared by a lockfile or
 *   manifest an OS package owns (analyzers/declared.ts);
 * - `dependencyGraphs`: installed trees whose dependency graph spans files (node_modules package.json,
 *   dist-info METADATA): they set `direct`/`dependencyPath`/`dependsOn` in place from the `requires` facts.
 */
export type RequiresFact = Extract<Fact, { kind: 'requires' }>;
export const inventoryRules: {
  pickOs: typeof pickOs;
  packageDedupers: ReadonlyArray<PackageRule>;
  dependencyGraphs: ReadonlyArray<(pkgs: Package[], requires: RequiresFact[]) => void>;
} = {
  pickOs,
  packageDedupers: [
    dedupeLockfilePackages,
    osOwnedDeclarations(new Set([npmLockfileAnalyzer, pythonLockfileAnalyzer, gemLockfileAnalyzer, composerLockfileAnalyzer, nugetLockfileAnalyzer, cargoLockAnalyzer, goModAnalyzer].map((a) => a.name))),
  ],
  dependencyGraphs: [npmInstalledGraphs, pythonInstalledGraphs],
};
