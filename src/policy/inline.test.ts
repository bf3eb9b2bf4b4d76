import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAIL_ON_LEVELS, inlinePolicy, isInlinePolicyName, parseExitCode, parseFailOn } from './inline.js';
import { policySchema } from './schema.js';
import { parseDocuments } from './load.js';

test('--fail-on values are the severities, case-insensitive; anything else names the allowed values', () => {
  assert.equal(parseFailOn('HIGH'), 'high');
  assert.equal(parseFailOn(' Critical '), 'critical');
  for (const bad of ['', 'none', 'any', 'unknown', 'hi', 'high,critical', 'x'.repeat(500), '\u0000high']) {
    assert.throws(() => parseFailOn(bad), (e: Error) => /--fail-on: expected one of negligible, low, medium, high, critical/.test(e.message) && e.message.length < 200, bad);
  }
});

test('the inline policy is a valid policy apart from its name, which no policy file can use', () => {
  for (const level of FAIL_ON_LEVELS) {
    const { policy, name, digest } = inlinePolicy(level);
    assert.equal(name, `inline:--fail-on=${level}`);
    assert.ok(isInlinePolicyName(name));
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(policy.spec.controls, { vulnerabilities: { failOn: level }, coverage: { onGap: 'fail' }, database: { maxAgeHours: 72 } });
    // the same document with a file-legal name validates: the controls are the policy schema's
    assert.ok(policySchema.safeParse({ ...policy, metadata: { ...policy.metadata, name: 'x' } }).success);
    // a policy file naming itself inline:... is refused, so the name can only come from the command line
    const yaml = `apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: "${name}"}\nspec: {controls: {}}\n`;
    assert.throws(() => parseDocuments(yaml, 'p.yaml'), /p\.yaml:3: metadata\.name: expected a lower-case name/);
  }
  assert.equal(inlinePolicy('high', 24).policy.spec.controls.database?.maxAgeHours, 24);
  // identity from content: another level or DB age is another digest
  assert.notEqual(inlinePolicy('high').digest, inlinePolicy('critical').digest);
  assert.notEqual(inlinePolicy('high').digest, inlinePolicy('high', 24).digest);
  assert.equal(inlinePolicy('high').digest, inlinePolicy('high').digest);
});

test('--exit-code: 1 by default; 0 (a failed gate passing) and 2 (could not decide) are refused', () => {
  assert.equal(parseExitCode(undefined), 1);
  assert.equal(parseExitCode('3'), 3);
  assert.equal(parseExitCode(125), 125);
  for (const bad of ['0', '2', '126', '-1', '1.5', 'one', '', ' ', '1e2', '0x3']) {
    assert.throws(() => parseExitCode(bad), /--exit-code: expected a number from 1 to 125 other than 2/, bad);
  }
});
