import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprint } from './fingerprint.js';

test('fingerprints are stable and separate their parts', () => {
  assert.equal(fingerprint('vuln', 'CVE-1', 'curl'), fingerprint('vuln', 'CVE-1', 'curl'));
  assert.notEqual(fingerprint('vuln', 'ab', 'c'), fingerprint('vuln', 'a', 'bc'));
  assert.match(fingerprint('secret', 'x'), /^secret:[0-9a-f]{16}$/);
});
