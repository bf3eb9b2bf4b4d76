import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../core/shared.js';
import { CHECKS } from './catalog.js';

test('docs/config-checks.md lists every check with its title and severity, and nothing else', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'config-checks.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `([A-Z]+-[A-Z]+-\d+)` \| ([^|]+) \| (\w+) \|/gm)].map((m) => [m[1], m[2]!.trim(), m[3]]);
  assert.deepEqual(rows, [...CHECKS.values()].map((d) => [d.id, d.title, d.severity]));
  for (const d of CHECKS.values()) {
    assert.ok(d.description.length > 20 && d.remediation.length > 5, `${d.id} has a description and a remediation`);
  }
});
