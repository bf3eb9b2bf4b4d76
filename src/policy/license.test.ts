import { test } from 'node:test';
import assert from 'node:assert/strict';
import { licenseDenied } from './license.js';

test('SPDX expressions: OR needs every alternative denied, AND any part, WITH matches the base id', () => {
  const deny = ['AGPL-3.0-*', 'SSPL-1.0', 'GPL-3.0-only WITH *'];
  const cases: [string, boolean][] = [
    ['AGPL-3.0-only', true],
    ['AGPL-3.0', false],
    ['MIT', false],
    ['MIT OR AGPL-3.0-only', false],
    ['AGPL-3.0-only OR SSPL-1.0', true],
    ['MIT AND SSPL-1.0', true],
    ['(MIT OR Apache-2.0) AND AGPL-3.0-or-later', true],
    ['(MIT OR AGPL-3.0-or-later) AND Apache-2.0', false],
    ['GPL-3.0-only WITH GCC-exception-3.1', true],
    ['SSPL-1.0 with Classpath-exception-2.0', true],
    ['mit or sspl-1.0', false],
    // malformed: any denied identifier denies (never fail open)
    ['MIT OR (SSPL-1.0', true],
    ['AND SSPL-1.0', true],
    ['', false],
  ];
  for (const [expr, denied] of cases) assert.equal(licenseDenied(expr, deny) !== undefined, denied, expr);
  assert.equal(licenseDenied('SSPL-1.0', []), undefined);
});
