import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sharedOrSkip } from '../../../core/shared.js';
import { runOn } from '../testimage.js';
import { dotnetDepsAnalyzer, nugetLockfileAnalyzer } from './index.js';

const FIX = 'fixtures/third-party/packages/lockfiles';
const e = { path: '', type: 'file' as const, size: 1, mode: 0o644 };

test('dotnet: required()', () => {
  assert.ok(dotnetDepsAnalyzer.required('/app/ExampleApp1.deps.json', e));
  assert.ok(!dotnetDepsAnalyzer.required('/app/ExampleApp1.runtimeconfig.json', e));
  assert.ok(nugetLockfileAnalyzer.required('/src/packages.lock.json', e));
  assert.ok(!nugetLockfileAnalyzer.required('/src/my-packages.lock.json', e));
});

test('deps.json: third-party fixtures', async (t) => {
  const cases: [string, string[], RegExp?][] = [
    ['ambiguous-root.deps.json', ['pkg:nuget/Newtonsoft.Json@13.0.3']],
    ['happy.deps.json', ['pkg:nuget/Newtonsoft.Json@13.0.1']],
    ['invalid.deps.json', [], /invalid JSON/],
    ['missing-target.deps.json', ['pkg:nuget/Newtonsoft.Json@13.0.1']],
    // project references (Api, Data) are not packages
    ['multi-project.deps.json', ['pkg:nuget/Newtonsoft.Json@13.0.3']],
    ['no-libraries.deps.json', []],
    // runtime packs are not NuGet packages
    ['self-contained.deps.json', ['pkg:nuget/Newtonsoft.Json@13.0.1']],
    [
      'without-runtime.deps.json',
      [
        'pkg:nuget/JsonDiffPatch@2.0.61',
        'pkg:nuget/Libuv@1.9.1',
        'pkg:nuget/Microsoft.NETCore.App@1.1.2',
        'pkg:nuget/Microsoft.NETCore.Platforms@1.1.0',
        'pkg:nuget/NETStandard.Library@1.6.0',
        'pkg:nuget/System.Collections.Immutable@1.3.0',
        'pkg:nuget/System.Net.Http@4.1.0',
      ],
    ],
  ];
  for (const [f, purls, warn] of cases) {
    const p = sharedOrSkip(t, `${FIX}/dotnet/core_deps/${f}`);
    if (!p) return;
    const r = await runOn(dotnetDepsAnalyzer, `/app/${f}`, readFileSync(p));
    assert.deepEqual(r.pkgs.map((x) => x.purl), purls, f);
    if (warn) assert.match(r.warnings[0]!, warn, f);
    else assert.deepEqual(r.warnings, [], f);
    assert.ok(r.pkgs.every((x) => x.foundBy === 'dotnet-deps' && x.confidence === 'high' && x.type === 'nuget' && x.locations[0]!.path === `/app/${f}`));
  }
});

test('packages.lock.json: third-party fixtures', async (t) => {
  const run = async (f: string) => {
    const p = sharedOrSkip(t, `${FIX}/nuget/lock/${f}`);
    return p ? runOn(nugetLockfileAnalyzer, '/src/packages.lock.json', readFileSync(p)) : undefined;
  };
  const simple = await run('packages_lock_simple.json');
  if (!simple) return;
  assert.deepEqual(simple.pkgs.map((x) => `${x.purl} ${x.metadata!.dependencyType}`), ['pkg:nuget/Newtonsoft.Json@12.0.3 Direct', 'pkg:nuget/NuGet.Frameworks@5.7.0 Direct']);
  assert.ok(simple.pkgs.every((x) => x.foundBy === 'nuget-lockfile' && x.confidence === 'medium'));
  const legacy = (await run('packages_lock_legacy.json'))!;
  // my.project is a Project reference
  assert.deepEqual(legacy.ids, ['AWSSDK.Core@3.5.1.30', 'Newtonsoft.Json@12.0.3']);
  const sub = (await run('packages_lock_subdependencies.json'))!;
  assert.equal(sub.pkgs.length, 8);
  assert.deepEqual(sub.pkgs.filter((x) => x.metadata!.dependencyType === 'Direct').map((x) => x.name), ['Newtonsoft.Json', 'NuGet.Frameworks', 'Swashbuckle.AspNetCore']);
  const multi = (await run('packages_lock_multi.json'))!;
  // 52 entries over 5 target frameworks, 40 distinct name@version
  assert.equal(multi.pkgs.length, 40);
  assert.ok(multi.ids.includes('NETStandard.Library@1.6.1') && multi.ids.includes('NETStandard.Library@2.0.3'));
  assert.equal(multi.pkgs.find((x) => x.name === 'AWSSDK.Core')!.metadata!.dependencyType, 'Direct');
  assert.deepEqual(multi.warnings, []);
});

test('dotnet: hostile documents', async () => {
  const r = await runOn(
    dotnetDepsAnalyzer,
    '/app/x.deps.json',
    '\ufeff' + JSON.stringify({ libraries: { 'A/1.0.0': { type: 'package' }, 'noslash': { type: 'package' }, 'B/../../x': { type: 'package' }, 'C/2.0.0': { type: 'project' }, 'D/1.0.0': 'x', '__proto__/1.0.0': { type: 'package' } } }),
  );
  assert.deepEqual(r.ids, ['A@1.0.0', '__proto__@1.0.0']);
  assert.match(r.warnings[0]!, /2 libraries/);
  assert.match((await runOn(dotnetDepsAnalyzer, '/app/x.deps.json', '{"libraries": []}')).warnings[0]!, /not a .deps.json/);
  const l = await runOn(nugetLockfileAnalyzer, '/src/packages.lock.json', JSON.stringify({ version: 1, dependencies: { net8: { A: { type: 'Transitive', resolved: '1.0.0' }, B: { type: 'Direct' }, C: { type: 'Direct', resolved: '1.0; rm' } }, net6: 'junk' } }));
  assert.deepEqual(l.ids, ['A@1.0.0']);
  assert.match(l.warnings[0]!, /2 dependencies/);
  assert.match((await runOn(nugetLockfileAnalyzer, '/src/packages.lock.json', '[]')).warnings[0]!, /not a NuGet packages.lock.json/);
});
