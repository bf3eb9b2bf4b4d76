import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedOrSkip } from '../../core/shared.js';
import type { OsvRecord } from '../../core/types.js';
import { runImporter } from '../testutil.js';
import { importAlpineSecdb, parseIds } from './import.js';

const here = dirname(fileURLToPath(import.meta.url));

async function run(path: string) {
  const { warnings, items, updated } = await runImporter(importAlpineSecdb, path);
  const records = new Map<string, OsvRecord>();
  for (const it of items) if (it.type === 'advisory') records.set(it.record.id, it.record);
  return { warnings, records, updated };
}

test('parseIds handles the free text found in real secdb files', () => {
  assert.deepEqual(parseIds('CVE-2016-10013 XSA-204'), { primary: ['CVE-2016-10013'], aliases: ['XSA-204'] });
  assert.deepEqual(parseIds('CVE_2019-2426'), { primary: ['CVE-2019-2426'], aliases: [] });
  assert.deepEqual(parseIds('CVE 2018-16859'), { primary: ['CVE-2018-16859'], aliases: [] });
  assert.deepEqual(parseIds('CVE-????-????? XSA-295'), { primary: ['XSA-295'], aliases: [] });
  assert.deepEqual(parseIds('CVE-2019-15167 (VRRP)'), { primary: ['CVE-2019-15167'], aliases: [] });
  assert.equal(parseIds('nothing here'), undefined);
});

test('secdb YAML becomes OSV records: one per CVE, one affected entry per branch and package', async () => {
  const r = await run(join(here, 'testdata'));
  const ossl = r.records.get('ALPINE-CVE-2023-5363');
  assert.ok(ossl);
  assert.deepEqual(ossl.aliases, ['CVE-2023-5363']);
  assert.equal(ossl.affected?.length, 1);
  const a = ossl.affected?.[0];
  assert.deepEqual(a?.package, { ecosystem: 'Alpine:v3.19', name: 'openssl' });
  // listed in community (3.1.4-r5, read first) and main (3.1.4-r1): both ranges kept (union = vulnerable below the higher)
  assert.deepEqual(
    a?.ranges?.map((x) => x.events),
    [
      [{ introduced: '0' }, { fixed: '3.1.4-r5' }],
      [{ introduced: '0' }, { fixed: '3.1.4-r1' }],
    ],
  );
  assert.ok(r.records.has('ALPINE-CVE-2023-3817'));
  assert.ok(r.records.has('ALPINE-CVE-2023-2975'));
  // secfix "0": rejected for this package, never affected
  const rejected = r.records.get('ALPINE-CVE-2022-1234');
  assert.deepEqual(rejected?.affected, []);
  assert.deepEqual(rejected?.database_specific?.not_affected, [{ ecosystem: 'Alpine:v3.19', name: 'openssl' }]);
  // XSA aliases; several CVEs on one line are separate records
  assert.deepEqual(r.records.get('ALPINE-CVE-2023-20588')?.aliases, ['CVE-2023-20588', 'XSA-439']);
  assert.ok(r.records.has('ALPINE-XSA-440'));
  assert.ok(r.records.has('ALPINE-CVE-2023-1001') && r.records.has('ALPINE-CVE-2023-1002'));
  assert.ok(!r.records.has('ALPINE-CVE-2023-9999'));
  // bad package name, non-id text, non-object entry, broken YAML file
  assert.equal(r.warnings.length, 4, r.warnings.join('\n'));
  assert.ok(r.warnings.some((w) => w.includes('broken.yaml') && w.includes('malformed YAML')));
  assert.equal(r.updated, undefined); // secdb has no time of its own; file times never count as freshness
});

test('real data: an Alpine secfix from the shared secdb', async (t) => {
  const p = sharedOrSkip(t, 'data/alpine-secdb');
  if (!p) return;
  const r = await run(p);
  assert.ok(r.records.size > 2000);
  // v3.10 main: ansible 2.8.4-r0 fixes CVE-2019-10206
  const rec = r.records.get('ALPINE-CVE-2019-10206');
  const entry = rec?.affected?.find((a) => a.package?.ecosystem === 'Alpine:v3.10' && a.package.name === 'ansible');
  assert.deepEqual(entry?.ranges?.[0]?.events, [{ introduced: '0' }, { fixed: '2.8.4-r0' }]);
  // v3.8 db: "0" whitelists Oracle Berkeley DB CVEs
  const db = r.records.get('ALPINE-CVE-2016-0682');
  assert.ok((db?.database_specific?.not_affected as { name: string }[]).some((x) => x.name === 'db'));
  assert.ok(!db?.affected?.some((a) => a.package?.name === 'db' && a.package.ecosystem === 'Alpine:v3.8'));
});

test('hostile YAML: alias bombs and non-mapping documents are skipped with warnings', async (t) => {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { tempDir } = await import('../testutil.js');
  const d = tempDir(t);
  mkdirSync(join(d, 'v3.20'));
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 12; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill('*' + String.fromCharCode(96 + i)).join(',')}]`);
  writeFileSync(join(d, 'v3.20', 'main.yaml'), `distroversion: v3.20\n${lines.join('\n')}\npackages: []\n`);
  writeFileSync(join(d, 'v3.20', 'community.yaml'), '- just\n- a list\n');
  writeFileSync(join(d, 'v3.20', 'weird.yaml'), 'distroversion: "../../etc"\npackages: []\n');
  const r = await run(d);
  assert.equal(r.records.size, 0);
  assert.equal(r.warnings.length, 3, r.warnings.join('\n'));
  assert.ok(r.warnings.some((w) => w.includes('main.yaml') && w.includes('malformed YAML')));
  assert.ok(r.warnings.some((w) => w.includes('weird.yaml') && w.includes('unknown distroversion')));
});
