import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import yauzl from 'yauzl';
import type { OsvAffected, OsvRecord } from '../core/types.js';
import { sharedOrSkip, REPO_ROOT } from '../core/shared.js';
import { apkScheme as apk } from '../versioning/apk/index.js';
import { debScheme as deb } from '../versioning/deb/index.js';
import { goScheme as go } from '../versioning/go/index.js';
import { mavenScheme as maven } from '../versioning/maven/index.js';
import { pep440Scheme as pep440 } from '../versioning/pep440/index.js';
import { schemeForEcosystem } from '../versioning/registry.js';
import { rpmScheme as rpm } from '../versioning/rpm/index.js';
import { semverScheme as semver } from '../versioning/semver/index.js';
import { evaluateAffected, type RangeResult } from './range.js';

function eco(events: Record<string, string>[], type = 'ECOSYSTEM'): OsvAffected {
  return { ranges: [{ type, events }] };
}

function testdata(name: string): OsvRecord {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'src/match/testdata', name), 'utf8')) as OsvRecord;
}

test('range: introduced/fixed sequences (OSV evaluation algorithm)', () => {
  const a = eco([{ introduced: '1.0.0' }, { fixed: '1.2.0' }, { introduced: '2.0.0' }, { fixed: '2.0.5' }]);
  const cases: [string, RangeResult][] = [
    ['0.9.0', { status: 'not-affected' }],
    ['1.0.0', { status: 'affected', fixed: '1.2.0' }],
    ['1.1.9', { status: 'affected', fixed: '1.2.0' }],
    ['1.2.0', { status: 'not-affected' }],
    ['1.9.0', { status: 'not-affected' }],
    ['2.0.0-rc.1', { status: 'not-affected' }],
    ['2.0.1', { status: 'affected', fixed: '2.0.5' }],
    ['2.0.5', { status: 'not-affected' }],
    ['3.0.0', { status: 'not-affected' }],
  ];
  for (const [v, want] of cases) assert.deepEqual(evaluateAffected(a, v, semver), want, v);
});

test('range: events out of order are sorted by version first', () => {
  const a = eco([{ fixed: '2.0.5' }, { introduced: '2.0.0' }, { fixed: '1.2.0' }, { introduced: '0' }]);
  assert.deepEqual(evaluateAffected(a, '1.1.0', semver), { status: 'affected', fixed: '1.2.0' });
  assert.deepEqual(evaluateAffected(a, '1.5.0', semver), { status: 'not-affected' });
  assert.deepEqual(evaluateAffected(a, '2.0.4', semver), { status: 'affected', fixed: '2.0.5' });
});

test('range: introduced "0", no fix, last_affected and limit', () => {
  assert.deepEqual(evaluateAffected(eco([{ introduced: '0' }]), '99.0.0', semver), { status: 'affected' });
  const la = eco([{ introduced: '1.0' }, { last_affected: '1.4' }]);
  assert.deepEqual(evaluateAffected(la, '1.4', pep440), { status: 'affected', lastAffected: '1.4' });
  assert.deepEqual(evaluateAffected(la, '1.4.0', pep440), { status: 'affected', lastAffected: '1.4' }, 'scheme-equal to last_affected');
  assert.deepEqual(evaluateAffected(la, '1.4.post1', pep440), { status: 'not-affected' });
  assert.deepEqual(evaluateAffected(la, '0.9', pep440), { status: 'not-affected' });
  const lim = eco([{ introduced: '0' }, { limit: '2.0.0' }]);
  assert.deepEqual(evaluateAffected(lim, '1.9.9', semver), { status: 'affected' });
  assert.deepEqual(evaluateAffected(lim, '2.0.0', semver), { status: 'not-affected' });
  const star = eco([{ introduced: '1.0.0' }, { limit: '*' }]);
  assert.deepEqual(evaluateAffected(star, '5.0.0', semver), { status: 'affected' });
});

test('range: several ranges; the advised fix must leave every range', () => {
  const a: OsvAffected = {
    ranges: [
      { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.5.0' }] },
      { type: 'ECOSYSTEM', events: [{ introduced: '1.0.0' }, { fixed: '2.0.0' }] },
    ],
  };
  // 1.5.0 is still inside the second range: the nearest real fix is 2.0.0
  assert.deepEqual(evaluateAffected(a, '1.2.0', semver), { status: 'affected', fixed: '2.0.0' });
  assert.deepEqual(evaluateAffected(a, '0.5.0', semver), { status: 'affected', fixed: '2.0.0' });
  const disjoint: OsvAffected = {
    ranges: [
      { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.5.0' }] },
      { type: 'ECOSYSTEM', events: [{ introduced: '1.8.0' }, { fixed: '2.0.0' }] },
    ],
  };
  assert.deepEqual(evaluateAffected(disjoint, '0.5.0', semver), { status: 'affected', fixed: '1.5.0' });
  assert.deepEqual(evaluateAffected(disjoint, '1.9.0', semver), { status: 'affected', fixed: '2.0.0' });
  assert.deepEqual(evaluateAffected(a, '2.0.0', semver), { status: 'not-affected' });
});

test('range: explicit versions list (string or scheme equality)', () => {
  const a: OsvAffected = { versions: ['1.0', '1.1', 'weird-tag'] };
  assert.deepEqual(evaluateAffected(a, '1.1', pep440), { status: 'affected' });
  assert.deepEqual(evaluateAffected(a, '1.1.0', pep440), { status: 'affected' });
  assert.deepEqual(evaluateAffected(a, '1.2', pep440), { status: 'not-affected' });
  assert.deepEqual(evaluateAffected(a, 'weird-tag', pep440), { status: 'affected' }, 'listed verbatim, even if not PEP 440');
});

test('range: invalid versions give unknown, never a guess', () => {
  const a = eco([{ introduced: '0' }, { fixed: '1.2.0' }]);
  const r = evaluateAffected(a, 'not-a-version', semver);
  assert.equal(r.status, 'unknown');
  assert.match((r as { reason: string }).reason, /not a valid semver version/);
  // an event that is not valid in the scheme makes its range unknown ...
  const bad = eco([{ introduced: '0' }, { fixed: 'banana' }]);
  assert.equal(evaluateAffected(bad, '1.0.0', semver).status, 'unknown');
  // ... unless another range says affected
  const mixed: OsvAffected = { ranges: [...bad.ranges!, ...eco([{ introduced: '0.5.0' }, { fixed: '1.1.0' }]).ranges!] };
  assert.deepEqual(evaluateAffected(mixed, '1.0.0', semver), { status: 'affected', fixed: '1.1.0' });
  assert.equal(evaluateAffected(mixed, '1.5.0', semver).status, 'unknown', 'the broken range could still contain 1.5.0');
});

test('range: GIT ranges are not evaluable unless an ECOSYSTEM range or versions list decides', () => {
  const git = { type: 'GIT', repo: 'https://example.org/r.git', events: [{ introduced: '0' }, { fixed: 'abc123' }] };
  assert.deepEqual(evaluateAffected({ ranges: [git] }, '1.0.0', semver), { status: 'unknown', reason: 'GIT range not evaluable' });
  assert.deepEqual(evaluateAffected({ ranges: [git], versions: ['1.0.0'] }, '1.0.0', semver), { status: 'affected' });
  assert.deepEqual(evaluateAffected({ ranges: [git], versions: ['1.0.0'] }, '1.0.1', semver), { status: 'not-affected' });
  const both: OsvAffected = { ranges: [git, { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.1.0' }] }] };
  assert.deepEqual(evaluateAffected(both, '1.0.0', semver), { status: 'affected', fixed: '1.1.0' });
  assert.deepEqual(evaluateAffected(both, '1.1.0', semver), { status: 'not-affected' });
});

test('range: Debian "fixed 0" means not affected; epochs and revisions count', () => {
  const notAffected = eco([{ introduced: '0' }, { fixed: '0' }]);
  assert.deepEqual(evaluateAffected(notAffected, '1:2.3-4', deb), { status: 'not-affected' });
  const a = eco([{ introduced: '0' }, { fixed: '1:1.2.13.dfsg-1' }]);
  assert.deepEqual(evaluateAffected(a, '1:1.2.11.dfsg-2+deb11u2', deb), { status: 'affected', fixed: '1:1.2.13.dfsg-1' });
  assert.deepEqual(evaluateAffected(a, '1.2.99-1', deb), { status: 'affected', fixed: '1:1.2.13.dfsg-1' }, 'no epoch = 0');
  assert.deepEqual(evaluateAffected(a, '1:1.2.13.dfsg-1', deb), { status: 'not-affected' });
  const alpine = eco([{ introduced: '0' }, { fixed: '3.1.4-r5' }]);
  assert.deepEqual(evaluateAffected(alpine, '3.1.4-r4', apk), { status: 'affected', fixed: '3.1.4-r5' });
  assert.deepEqual(evaluateAffected(alpine, '3.1.5-r0', apk), { status: 'not-affected' });
});

test('range: malformed and hostile affected entries never throw and never say clean', () => {
  const entries: unknown[] = [
    { ranges: [{ type: 'ECOSYSTEM', events: [] }] },
    { ranges: [{ type: 'ECOSYSTEM' }] },
    { ranges: [{ type: 'ECOSYSTEM', events: [{}] }] },
    { ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0', fixed: '1.0.0' }] }] },
    { ranges: [{ type: 'ECOSYSTEM', events: [{ fixed: '1.0.0' }] }] },
    { ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: 5 }] }] },
    { ranges: [{ type: 'ECOSYSTEM', events: [null] }] },
    { ranges: [null] },
    { ranges: [{ type: 'SOMETHING', events: [{ introduced: '0' }] }] },
    { ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: 'x'.repeat(10_000) }] }] },
  ];
  for (const e of entries) {
    const r = evaluateAffected(e as OsvAffected, '0.5.0', semver);
    assert.equal(r.status, 'unknown', JSON.stringify(e).slice(0, 80));
    assert.ok((r as { reason: string }).reason.length < 200, 'reasons stay short');
  }
  assert.deepEqual(evaluateAffected({}, '1.0.0', semver), { status: 'affected' }, 'no ranges and no versions: the whole package');
  assert.equal(evaluateAffected(null as unknown as OsvAffected, '1.0.0', semver).status, 'unknown');
  assert.equal(evaluateAffected({ versions: [undefined as unknown as string] }, undefined as unknown as string, semver).status, 'unknown');
  const long = evaluateAffected(eco([{ introduced: '0' }]), '1'.repeat(10_000), semver);
  assert.equal(long.status, 'unknown');
  assert.ok((long as { reason: string }).reason.length < 200, 'the reason does not echo 10 kB of input');
});

test('range: GO-2023-1987 (stdlib, several introduced/fixed pairs, toolchain versions)', () => {
  const rec = testdata('GO-2023-1987.json');
  const a = rec.affected![0]!;
  assert.deepEqual(evaluateAffected(a, 'go1.19.11', go), { status: 'affected', fixed: '1.19.12' });
  assert.deepEqual(evaluateAffected(a, '1.19.12', go), { status: 'not-affected' });
  assert.deepEqual(evaluateAffected(a, 'go1.20', go), { status: 'affected', fixed: '1.20.7' });
  assert.deepEqual(evaluateAffected(a, 'go1.20.7', go), { status: 'not-affected' });
  assert.deepEqual(evaluateAffected(a, 'go1.21rc3', go), { status: 'affected', fixed: '1.21.0-rc.4' });
  assert.deepEqual(evaluateAffected(a, 'go1.21rc4', go), { status: 'not-affected' });
  assert.deepEqual(evaluateAffected(a, 'go1.21.0', go), { status: 'not-affected' });
});

test('range: ALSA-2024:2447 (AlmaLinux 9 openssl, fixed EVR with epoch 1)', () => {
  const a = testdata('ALSA-2024_2447.json').affected![0]!;
  const scheme = schemeForEcosystem(a.package!.ecosystem)!;
  assert.equal(scheme, rpm);
  assert.deepEqual(evaluateAffected(a, '1:3.0.7-24.el9', scheme), { status: 'affected', fixed: '1:3.0.7-27.el9' });
  assert.deepEqual(evaluateAffected(a, '1:3.0.7-27.el9', scheme), { status: 'not-affected' });
  assert.deepEqual(evaluateAffected(a, '1:3.0.7-28.el9_4', scheme), { status: 'not-affected' });
  // an rpm with the same version but no epoch sorts before epoch 1: affected
  assert.deepEqual(evaluateAffected(a, '3.0.7-99.el9', scheme), { status: 'affected', fixed: '1:3.0.7-27.el9' });
});

test('range: PYSEC-2012-1 (GIT + ECOSYSTEM ranges and a versions list)', () => {
  const a = testdata('PYSEC-2012-1.json').affected![0]!;
  assert.deepEqual(evaluateAffected(a, '1.6.4', pep440), { status: 'affected', fixed: '1.6.5.post1' });
  assert.deepEqual(evaluateAffected(a, '1.6.5', pep440), { status: 'affected', fixed: '1.6.5.post1' });
  assert.deepEqual(evaluateAffected(a, '1.6.5.post1', pep440), { status: 'not-affected' });
  assert.deepEqual(evaluateAffected(a, '1.7.0', pep440), { status: 'not-affected' });
  for (const v of a.versions!) assert.equal(evaluateAffected(a, v, pep440).status, 'affected', v);
});

test('range: PYSEC-2022-42969 (last_affected, no fix)', () => {
  const a = testdata('PYSEC-2022-42969.json').affected![0]!;
  assert.deepEqual(evaluateAffected(a, '1.11.0', pep440), { status: 'affected', lastAffected: '1.11.0' });
  assert.deepEqual(evaluateAffected(a, '1.4.7.dev3', pep440), { status: 'affected', lastAffected: '1.11.0' });
  assert.deepEqual(evaluateAffected(a, '1.11.1', pep440), { status: 'not-affected' });
});

test('range: GHSA-jfh8-c2jp-5v3q (Log4Shell: three Maven entries for log4j-core)', () => {
  const entries = testdata('GHSA-jfh8-c2jp-5v3q.json').affected!.filter((a) => a.package?.name === 'org.apache.logging.log4j:log4j-core');
  assert.equal(entries.length, 3);
  const verdict = (v: string): RangeResult[] => entries.map((a) => evaluateAffected(a, v, maven)).filter((r) => r.status !== 'not-affected');
  assert.deepEqual(verdict('2.14.1'), [{ status: 'affected', fixed: '2.15.0' }]);
  assert.deepEqual(verdict('2.0-beta9'), [{ status: 'affected', fixed: '2.3.1' }]);
  assert.deepEqual(verdict('2.12.1'), [{ status: 'affected', fixed: '2.12.2' }]);
  assert.deepEqual(verdict('2.4'), [{ status: 'affected', fixed: '2.12.2' }]);
  assert.deepEqual(verdict('2.3.1'), []);
  assert.deepEqual(verdict('2.12.2'), []);
  assert.deepEqual(verdict('2.15.0'), []);
  assert.deepEqual(verdict('2.17.1'), []);
});

test('range: GHSA-35jh-r3h4-6jhm (lodash, npm)', () => {
  const a = testdata('GHSA-35jh-r3h4-6jhm.json').affected![0]!;
  assert.equal(schemeForEcosystem(a.package!.ecosystem), semver);
  assert.deepEqual(evaluateAffected(a, '4.17.20', semver), { status: 'affected', fixed: '4.17.21' });
  assert.deepEqual(evaluateAffected(a, '4.17.21', semver), { status: 'not-affected' });
  assert.deepEqual(evaluateAffected(a, '4.17.21-beta.1', semver), { status: 'affected', fixed: '4.17.21' });
  assert.equal(evaluateAffected(a, 'latest', semver).status, 'unknown');
});

async function readZip(path: string): Promise<OsvRecord[]> {
  const zip = await new Promise<yauzl.ZipFile>((res, rej) => yauzl.open(path, { lazyEntries: true }, (e, z) => (e ? rej(e) : res(z))));
  const out: OsvRecord[] = [];
  await new Promise<void>((res, rej) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      if (!entry.fileName.endsWith('.json')) return zip.readEntry();
      zip.openReadStream(entry, (e, s) => {
        if (e) return rej(e);
        const chunks: Buffer[] = [];
        s.on('data', (c: Buffer) => chunks.push(c));
        s.on('end', () => {
          out.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OsvRecord);
          zip.readEntry();
        });
        s.on('error', rej);
      });
    });
    zip.on('end', () => res());
    zip.on('error', rej);
    zip.readEntry();
  });
  return out;
}

/**
 * Whole-corpus properties on real OSV data: for every entry with one evaluable range and no versions
 * list, each introduced version is affected, each fixed version is not, each last_affected is; every
 * version of a versions list is affected; events invalid in the scheme give unknown.
 */
function checkCorpus(name: string, records: OsvRecord[]): { checked: number; invalidEvents: number } {
  let checked = 0;
  let invalidEvents = 0;
  const failures: string[] = [];
  for (const rec of records) {
    for (const a of rec.affected ?? []) {
      const scheme = schemeForEcosystem(a.package?.ecosystem ?? '');
      assert.ok(scheme, `${rec.id}: scheme for ${a.package?.ecosystem}`);
      for (const v of a.versions ?? []) {
        if (evaluateAffected(a, v, scheme).status !== 'affected') failures.push(`${rec.id} listed ${v}`);
        checked++;
      }
      const ranges = (a.ranges ?? []).filter((r) => r.type !== 'GIT');
      for (const r of ranges) {
        for (const e of r.events) {
          const v = e.introduced ?? e.fixed ?? e.last_affected ?? e.limit ?? '';
          if (v !== '0' && v !== '*' && !scheme.isValid(v)) {
            invalidEvents++;
            const res = evaluateAffected({ ranges: [r] }, '0.0.1', scheme);
            if (res.status !== 'unknown') failures.push(`${rec.id}: invalid event ${v} did not give unknown`);
          }
        }
      }
      if (ranges.length !== 1 || (a.versions?.length ?? 0) > 0 || (a.ranges ?? []).length !== 1) continue;
      const events = ranges[0]!.events;
      const once = (v: string): boolean => events.filter((e) => Object.values(e).includes(v)).length === 1;
      for (const e of events) {
        const [kind, v] = Object.entries(e)[0] as [string, string];
        if (v === '0' || !scheme.isValid(v) || !once(v)) continue;
        const want = kind === 'fixed' || kind === 'limit' ? 'not-affected' : 'affected';
        const got = evaluateAffected(a, v, scheme);
        if (got.status !== want) failures.push(`${rec.id} ${kind} ${v}: ${got.status}`);
        if (got.status === 'affected' && kind === 'introduced') {
          // the advice must itself be outside the vulnerable set
          if (got.fixed !== undefined && evaluateAffected(a, got.fixed, scheme).status !== 'not-affected') failures.push(`${rec.id}: advice ${got.fixed} still affected`);
        }
        checked++;
      }
    }
  }
  console.log(`${name}: ${records.length} records, ${checked} version checks, ${invalidEvents} event versions not valid in the scheme`);
  assert.deepEqual(failures.slice(0, 20), [], name);
  return { checked, invalidEvents };
}

for (const dir of ['Go', 'PyPI', 'AlmaLinux:8', 'AlmaLinux:9', 'AlmaLinux:10', 'crates.io']) {
  test(`range: real OSV records from ../shared/data/osv/${dir}/all.zip`, async (t) => {
    const path = sharedOrSkip(t, `data/osv/${dir}/all.zip`);
    if (!path) return;
    const records = await readZip(path);
    assert.ok(records.length > 500, `${dir}: ${records.length} records`);
    const { checked, invalidEvents } = checkCorpus(dir, records);
    assert.ok(checked > 500);
    if (dir === 'PyPI') assert.ok(invalidEvents < 10, 'a handful of non-PEP 440 event versions at most');
    else assert.equal(invalidEvents, 0, `${dir}: every event version parses`);
  });
}

for (const dir of ['ghsa', 'malicious']) {
  test(`range: GitHub-reviewed and malicious-package records in ../shared/data/${dir}`, (t) => {
    const path = sharedOrSkip(t, `data/${dir}`);
    if (!path) return;
    const records = readdirSync(path)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(path, f), 'utf8')) as OsvRecord);
    assert.ok(records.length >= 10);
    const { invalidEvents } = checkCorpus(dir, records);
    assert.equal(invalidEvents, 0);
  });
}
