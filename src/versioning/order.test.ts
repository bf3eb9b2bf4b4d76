// Every scheme must be a total order on its valid versions: sorting a few hundred real versions and
// checking every pair of the result catches intransitive or asymmetric comparators.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sharedOrSkip } from '../core/shared.js';
import { schemes } from './registry.js';
import { readVectors } from './vectors.js';

const FILES: Record<string, string[]> = {
  deb: ['debian-versions.txt', 'debian-versions-generated.txt'],
  apk: ['alpine-versions.txt', 'alpine-versions-generated.txt'],
  rpm: ['redhat-versions.txt'],
  semver: ['semver-versions.txt'],
  cargo: ['semver-versions.txt'],
  go: ['semver-versions.txt'],
  pep440: ['pypi-versions.txt', 'pypi-versions-generated.txt'],
  maven: ['maven-versions.txt', 'maven-versions-generated.txt'],
  gem: ['rubygems-versions.txt', 'rubygems-versions-generated.txt'],
  nuget: ['nuget-versions.txt'],
  composer: ['packagist-versions.txt', 'packagist-versions-generated.txt'],
};

for (const [id, scheme] of Object.entries(schemes)) {
  test(`order: ${id} is antisymmetric, reflexive and transitive on real versions`, (t) => {
    const files = FILES[id];
    assert.ok(files, `vector files listed for ${id}`);
    const seen = new Set<string>();
    for (const f of files) {
      const path = sharedOrSkip(t, `fixtures/third-party/versions/${f}`);
      if (!path) return;
      for (const v of readVectors(path)) for (const s of [v.a, v.b]) if (scheme.isValid(s)) seen.add(s);
    }
    // a deterministic spread over the whole set, at most 400 versions
    const all = [...seen].sort();
    const step = Math.max(1, Math.floor(all.length / 400));
    const sample = all.filter((_, i) => i % step === 0).slice(0, 400);
    const sorted = [...sample].sort((a, b) => scheme.compare(a, b)!);
    const bad: string[] = [];
    for (let i = 0; i < sorted.length; i++) {
      const a = sorted[i]!;
      if (scheme.compare(a, a) !== 0) bad.push(`${a} != itself`);
      for (let j = i + 1; j < sorted.length; j++) {
        const b = sorted[j]!;
        const r = scheme.compare(a, b);
        const back = scheme.compare(b, a);
        if (r === undefined || back === undefined || r !== (back === 0 ? 0 : -back)) bad.push(`${a} vs ${b}: ${r} / ${back}`);
        else if (r > 0) bad.push(`${a} sorted before ${b} but compares greater`);
      }
    }
    assert.deepEqual(bad.slice(0, 10), [], `${id}: ${sample.length} versions`);
  });
}
