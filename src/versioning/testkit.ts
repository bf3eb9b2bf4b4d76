// Test helpers shared by the scheme tests (not a test file itself).
import assert from 'node:assert/strict';
import type { VersionScheme } from '../core/types.js';
import { sharedOrSkip } from '../core/shared.js';
import { expected, readVectors, type Vector } from './vectors.js';

export type Op = '<' | '=' | '>';
export type Case = [string, Op, string];

/** Asserts compare(a, b) and compare(b, a) for every case. */
export function checkCases(scheme: VersionScheme, cases: Case[]): void {
  for (const [a, op, b] of cases) {
    const e = expected(op);
    assert.equal(scheme.compare(a, b), e, `${scheme.id}: ${a} ${op} ${b}`);
    assert.equal(scheme.compare(b, a), -e === 0 ? 0 : -e, `${scheme.id}: ${b} (reversed) vs ${a}`);
  }
}

export function checkInvalid(scheme: VersionScheme, values: string[]): void {
  for (const v of values) {
    assert.equal(scheme.isValid(v), false, `${scheme.id}: ${JSON.stringify(v)} should be invalid`);
    assert.equal(scheme.compare(v, '1'), undefined, `${scheme.id}: compare(${JSON.stringify(v)}, "1")`);
    assert.equal(scheme.compare('1', v), undefined, `${scheme.id}: compare("1", ${JSON.stringify(v)})`);
  }
}

/** Inputs no scheme accepts (rpm accepts separator-only strings, see rpm/README.md). */
export const HOSTILE: string[] = [
  '',
  ' ',
  '\u0000',
  '1'.repeat(10_000),
  '1.'.repeat(5_000) + '1',
  'a'.repeat(10_000),
  '1' + '-'.repeat(10_000),
  '\u{1F600}',
  '１.２.３', // full-width digits
  '\t1.0 1',
];
export const SEPARATORS_ONLY = ['.', '..', '-', '--', '_', '+', '.-_+~', '~', ':'];

/**
 * Runs one vector file line by line. Lines whose versions the scheme refuses must be refused on both
 * sides (compare undefined) and are reported back; every other line must give the expected order.
 */
export function checkVectors(
  t: { skip(msg?: string): void },
  scheme: VersionScheme,
  file: string,
): { total: number; refused: Vector[] } | undefined {
  const path = sharedOrSkip(t, `fixtures/third-party/versions/${file}`);
  if (!path) return undefined;
  const vectors = readVectors(path);
  assert.ok(vectors.length > 0, `${file} has vectors`);
  const refused: Vector[] = [];
  const failures: string[] = [];
  for (const v of vectors) {
    const e = expected(v.op);
    const r1 = scheme.compare(v.a, v.b);
    const r2 = scheme.compare(v.b, v.a);
    if (r1 === undefined || r2 === undefined) {
      if (r1 !== undefined || r2 !== undefined) failures.push(`${file}:${v.line} asymmetric undefined`);
      refused.push(v);
      continue;
    }
    if (r1 !== e || r2 !== (-e === 0 ? 0 : -e)) failures.push(`${file}:${v.line} ${v.a} ${v.op} ${v.b}: got ${r1} / ${r2}`);
  }
  assert.deepEqual(failures, [], `${failures.length} of ${vectors.length} vectors failed`);
  return { total: vectors.length, refused };
}
