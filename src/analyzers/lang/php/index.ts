// PHP / Composer: `composer.lock` (`composer-lockfile`) and `vendor/composer/installed.json` (`composer-installed`,
// Composer 1 array and Composer 2 `{packages, dev-package-names}`).
// https://getcomposer.org/doc/01-basic-usage.md#commit-your-composer-lock-file-to-version-control
// https://getcomposer.org/doc/04-schema.md
import type { Analyzer, AnalyzerContext, Fact, FileInput, Package } from '../../../core/types.js';
import { failed, partial } from '../../status.js';
import { MIB, isObj, makePackage, prop, readJson, lockfileFacts, sortUnique, str } from '../common.js';

export const COMPOSER_LOCKFILE = 'composer-lockfile';
export const COMPOSER_INSTALLED = 'composer-installed';
export const MAX_COMPOSER_BYTES = 64 * MIB;

// vendor/package, each part alphanumeric runs joined by single separators (linear-time: no nested optional repeats)
const NAME = /^[a-z0-9]+(?:[_.-][a-z0-9]+)*\/[a-z0-9]+(?:(?:[_.]|-{1,2})[a-z0-9]+)*$/i;

/**
 * Composer writes tags as they are named, often `v1.2.3`; like Trivy we drop a leading `v` before a digit so the
 * version compares with advisory ranges (`v1.27.0` → `1.27.0`). Branch versions (`dev-main`) are kept as written.
 */
export function normaliseComposerVersion(v: string): string {
  return /^[vV]\d/.test(v) ? v.slice(1) : v;
}

function licensesOf(p: unknown): string[] {
  const l = prop(p, 'license');
  if (typeof l === 'string') return [l];
  return Array.isArray(l) ? l.filter((x): x is string => typeof x === 'string') : [];
}

function toPackages(list: unknown, dev: (name: string) => boolean, foundBy: string, file: FileInput, ctx: AnalyzerContext, problems: { bad: number }): Package[] {
  if (!Array.isArray(list)) return [];
  const out: Package[] = [];
  for (const p of list) {
    const name = str(p, 'name');
    const raw = str(p, 'version');
    if (name === undefined || raw === undefined || name.length > 256 || !NAME.test(name) || raw === '' || raw.length > 128 || /\s/.test(raw)) {
      problems.bad++;
      continue;
    }
    const version = normaliseComposerVersion(raw);
    const slash = name.indexOf('/');
    const metadata: Record<string, string> = {};
    if (version !== raw) metadata.declaredVersion = raw;
    out.push(
      makePackage(
        { name, version, type: 'composer', namespace: name.slice(0, slash), purlName: name.slice(slash + 1), licenses: licensesOf(p), dev: dev(name), foundBy, metadata },
        file,
        ctx,
      ),
    );
  }
  return out;
}

export function parseComposerLock(doc: unknown, file: FileInput, ctx: AnalyzerContext): Package[] {
  if (!isObj(doc) || (!Array.isArray(prop(doc, 'packages')) && !Array.isArray(prop(doc, 'packages-dev')))) {
    failed(ctx, `${file.path}: no "packages" array: not a composer.lock`);
    return [];
  }
  const problems = { bad: 0 };
  const out = [
    ...toPackages(prop(doc, 'packages'), () => false, COMPOSER_LOCKFILE, file, ctx, problems),
    ...toPackages(prop(doc, 'packages-dev'), () => true, COMPOSER_LOCKFILE, file, ctx, problems),
  ];
  if (problems.bad > 0) partial(ctx, `${file.path}: ${problems.bad} packages without a valid name/version skipped`);
  return out;
}

export function parseInstalledJson(doc: unknown, file: FileInput, ctx: AnalyzerContext): Package[] {
  let list: unknown;
  let devNames = new Set<string>();
  if (Array.isArray(doc)) list = doc; // Composer 1
  else if (isObj(doc) && Array.isArray(prop(doc, 'packages'))) {
    list = prop(doc, 'packages');
    const d = prop(doc, 'dev-package-names');
    if (Array.isArray(d)) devNames = new Set(d.filter((x): x is string => typeof x === 'string'));
  } else {
    failed(ctx, `${file.path}: neither an array nor {"packages": [...]}: not a Composer installed.json`);
    return [];
  }
  const problems = { bad: 0 };
  const out = toPackages(list, (n) => devNames.has(n), COMPOSER_INSTALLED, file, ctx, problems);
  if (problems.bad > 0) partial(ctx, `${file.path}: ${problems.bad} packages without a valid name/version skipped`);
  return out;
}

export function isInstalledJson(path: string): boolean {
  return path.endsWith('/composer/installed.json');
}

export const composerLockfileAnalyzer: Analyzer = {
  name: COMPOSER_LOCKFILE,
  version: 1,
  maxFileBytes: MAX_COMPOSER_BYTES,
  required(path) {
    return path.endsWith('/composer.lock') && !path.includes('/vendor/');
  },
  async analyze(file: FileInput, ctx: AnalyzerContext): Promise<Fact[]> {
    const doc = readJson(file, ctx, MAX_COMPOSER_BYTES);
    if (doc === undefined) return [];
    return lockfileFacts(parseComposerLock(doc, file, ctx));
  },
};

export const composerInstalledAnalyzer: Analyzer = {
  name: COMPOSER_INSTALLED,
  version: 1,
  maxFileBytes: MAX_COMPOSER_BYTES,
  required(path) {
    return isInstalledJson(path);
  },
  async analyze(file: FileInput, ctx: AnalyzerContext): Promise<Fact[]> {
    const doc = readJson(file, ctx, MAX_COMPOSER_BYTES);
    if (doc === undefined) return [];
    return sortUnique(parseInstalledJson(doc, file, ctx)).map((pkg) => ({ kind: 'package', pkg }));
  },
};
