import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeAliases, preferId } from './aliases.js';
import type { OsvRecord } from '../core/types.js';

const rec = (id: string, aliases: string[] = []): OsvRecord => ({ id, modified: '2024-01-01T00:00:00Z', aliases });

test('preferred ids: CVE, then GHSA, then smallest', () => {
  assert.equal(preferId('GHSA-aaaa', 'CVE-2020-1'), 'CVE-2020-1');
  assert.equal(preferId('PYSEC-2023-74', 'GHSA-j8r2'), 'GHSA-j8r2');
  assert.equal(preferId('PYSEC-2', 'GO-1'), 'GO-1');
});

test('aliases merge transitively and keep unrelated records apart', () => {
  const items = [rec('PYSEC-2023-74', ['CVE-2023-32681', 'GHSA-j8r2-6x86-q33q']), rec('GHSA-j8r2-6x86-q33q', ['CVE-2023-32681']), rec('GHSA-other')];
  const groups = mergeAliases(items, (r) => r);
  assert.equal(groups.length, 2);
  const g = groups.find((x) => x.ids.includes('CVE-2023-32681'))!;
  assert.equal(g.members.length, 2);
  assert.deepEqual(g.ids, ['CVE-2023-32681', 'GHSA-j8r2-6x86-q33q', 'PYSEC-2023-74']);
  // no record has the CVE as its own id: the GHSA record is preferred
  assert.equal(g.preferred.id, 'GHSA-j8r2-6x86-q33q');
  assert.equal(g.id, 'CVE-2023-32681');
});

test('the same id twice is one group', () => {
  const groups = mergeAliases([rec('CVE-1'), rec('CVE-1')], (r) => r);
  assert.equal(groups.length, 1);
  assert.equal(groups[0]!.members.length, 2);
});

test('a GHSA listing two CVEs never merges them: one group per CVE, each names only its own CVE', () => {
  const ghsa = rec('GHSA-two', ['CVE-2024-1', 'CVE-2024-2']);
  const nvd1 = rec('CVE-2024-1');
  const pysec = rec('PYSEC-9', ['GHSA-two']);
  const lone = rec('GO-2024-7', ['GHSA-lone']);
  const groups = mergeAliases([ghsa, nvd1, pysec, lone], (r) => r);
  assert.deepEqual(
    groups.map((g) => `${g.id} [${g.ids.join(' ')}] preferred=${g.preferred.id} members=${g.members.map((m) => m.id).sort().join(',')}`),
    [
      'CVE-2024-1 [CVE-2024-1 GHSA-two PYSEC-9] preferred=CVE-2024-1 members=CVE-2024-1,GHSA-two,PYSEC-9',
      'CVE-2024-2 [CVE-2024-2 GHSA-two PYSEC-9] preferred=PYSEC-9 members=GHSA-two,PYSEC-9', // a record naming only this vulnerability is preferred
      'GHSA-lone [GHSA-lone GO-2024-7] preferred=GO-2024-7 members=GO-2024-7',
    ],
  );
  // a chain through ids that would join two CVEs keeps them apart too
  const chain = mergeAliases([rec('GHSA-a', ['CVE-1']), rec('PYSEC-a', ['GHSA-a', 'CVE-2'])], (r) => r);
  assert.deepEqual(chain.map((g) => `${g.id} [${g.ids.join(' ')}]`), ['CVE-1 [CVE-1 GHSA-a]', 'CVE-2 [CVE-2 GHSA-a PYSEC-a]']);
});
