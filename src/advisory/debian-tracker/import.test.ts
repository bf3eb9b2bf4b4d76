import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedOrSkip } from '../../core/shared.js';
import type { OsvRecord } from '../../core/types.js';
import { runImporter, tempDir } from '../testutil.js';
import type { VendorSeverity } from '../types.js';
import { debianFixState, importDebianTracker, urgencySeverity } from './import.js';

const here = dirname(fileURLToPath(import.meta.url));

async function run(path: string) {
  const { warnings, items } = await runImporter(importDebianTracker, path);
  const records = new Map<string, { record: OsvRecord; vendor?: VendorSeverity }>();
  for (const it of items) if (it.type === 'advisory') records.set(it.record.id, { record: it.record, vendor: it.vendorSeverity });
  return { warnings, records };
}

const ds = (r: OsvRecord | undefined, name: string, eco = 'Debian:12') =>
  r?.affected?.find((a) => a.package?.name === name && a.package.ecosystem === eco);

test('fix-state rules', () => {
  assert.equal(debianFixState({ status: 'resolved', fixed_version: '1.2-1' }), 'fixed');
  assert.equal(debianFixState({ status: 'resolved', fixed_version: '0' }), 'not-affected');
  assert.equal(debianFixState({ status: 'open', urgency: 'unimportant' }), 'unimportant');
  assert.equal(debianFixState({ status: 'open', urgency: 'low', nodsa: 'Minor issue' }), 'wont-fix');
  assert.equal(debianFixState({ status: 'open', urgency: 'low', nodsa_reason: 'ignored' }), 'wont-fix');
  assert.equal(debianFixState({ status: 'open', urgency: 'end-of-life' }), 'wont-fix');
  assert.equal(debianFixState({ status: 'open', urgency: 'high' }), 'not-fixed');
  assert.equal(debianFixState({ status: 'undetermined' }), 'unknown');
  assert.equal(urgencySeverity('low**'), 'low');
  assert.equal(urgencySeverity('unimportant'), 'negligible');
  assert.equal(urgencySeverity('not yet assigned'), 'unknown');
});

test('tracker JSON becomes DEBIAN-CVE records with per-release status', async () => {
  const r = await run(join(here, 'testdata', 'tracker.json'));
  const one = r.records.get('DEBIAN-CVE-2024-0001');
  assert.deepEqual(one?.record.aliases, ['CVE-2024-0001']);
  assert.deepEqual(ds(one?.record, 'openssl')?.ranges?.[0]?.events, [{ introduced: '0' }, { fixed: '3.0.13-1~deb12u1' }]);
  assert.equal(ds(one?.record, 'openssl')?.database_specific?.fix_state, 'fixed');
  assert.deepEqual(ds(one?.record, 'openssl', 'Debian:11')?.ranges?.[0]?.events, [{ introduced: '0' }]);
  assert.equal(ds(one?.record, 'openssl', 'Debian:11')?.database_specific?.fix_state, 'not-fixed');
  // same CVE in another source package joins the record; the highest urgency is the vendor severity
  assert.equal(ds(one?.record, 'curl')?.database_specific?.urgency, 'high');
  assert.deepEqual(one?.vendor, { source: 'debian', severity: 'high', label: 'high' });
  // fixed_version "0": not affected, no affected entry
  const two = r.records.get('DEBIAN-CVE-2024-0002');
  assert.deepEqual(two?.record.affected, []);
  assert.equal(ds(r.records.get('DEBIAN-CVE-2024-0003')?.record, 'openssl')?.database_specific?.fix_state, 'wont-fix');
  assert.equal(ds(r.records.get('DEBIAN-CVE-2005-2541')?.record, 'tar')?.database_specific?.fix_state, 'unimportant');
  assert.equal(ds(r.records.get('DEBIAN-TEMP-0000000-ABCDEF')?.record, 'tar')?.database_specific?.fix_state, 'unknown');
  assert.equal(r.records.get('DEBIAN-TEMP-0000000-ABCDEF')?.record.aliases, undefined);
  // bad package name, bad CVE key, bad release entry, sid without mapping
  assert.equal(r.warnings.length, 4, r.warnings.join('\n'));
  assert.ok(r.warnings.some((w) => w.includes('"sid"')));
});

test('record-level urgency: an unrated release outranks an unimportant one', async (t) => {
  const d = tempDir(t);
  const p = join(d, 't.json');
  writeFileSync(
    p,
    JSON.stringify({
      tar: { 'CVE-2024-0009': { releases: { bookworm: { status: 'open', urgency: 'unimportant' }, trixie: { status: 'open', urgency: 'not yet assigned' } } } },
      zip: { 'CVE-2024-0010': { releases: { bookworm: { status: 'open', urgency: 'not yet assigned' }, trixie: { status: 'open', urgency: 'low' } } } },
    }),
  );
  const r = await run(p);
  assert.deepEqual(r.records.get('DEBIAN-CVE-2024-0009')?.vendor, { source: 'debian', severity: 'unknown', label: 'not yet assigned' });
  assert.deepEqual(r.records.get('DEBIAN-CVE-2024-0010')?.vendor, { source: 'debian', severity: 'low', label: 'low' });
});

test('a file that is not JSON is a whole-source error', async (t) => {
  const d = tempDir(t);
  const p = join(d, 'x.json');
  writeFileSync(p, '{"openssl": ');
  await assert.rejects(run(p), /malformed JSON/);
  writeFileSync(p, '[1,2]');
  await assert.rejects(run(p), /not a Debian tracker/);
});

test('real data: bookworm sample — unimportant, open, no-dsa, resolved and not-affected entries', async (t) => {
  const p = sharedOrSkip(t, 'data/debian/bookworm-sample.json');
  if (!p) return;
  const r = await run(p);
  assert.equal(r.records.size, 17);
  assert.equal(r.warnings.length, 0);
  assert.equal(ds(r.records.get('DEBIAN-CVE-2005-2541')?.record, 'tar')?.database_specific?.fix_state, 'unimportant');
  assert.equal(r.records.get('DEBIAN-CVE-2005-2541')?.vendor?.severity, 'negligible');
  assert.equal(ds(r.records.get('DEBIAN-CVE-2023-45853')?.record, 'zlib')?.database_specific?.fix_state, 'wont-fix');
  assert.deepEqual(ds(r.records.get('DEBIAN-CVE-2023-4911')?.record, 'glibc')?.ranges?.[0]?.events, [{ introduced: '0' }, { fixed: '2.36-9+deb12u3' }]);
  assert.deepEqual(r.records.get('DEBIAN-CVE-2023-48795')?.record.affected, []);
});
