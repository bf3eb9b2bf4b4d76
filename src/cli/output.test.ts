import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outputTargets } from './output.js';

test('--format goes to stdout; FORMAT=FILE outputs add files; a plain --output takes the --format', () => {
  assert.deepEqual(outputTargets('scan', undefined, undefined), [{ format: 'table', file: undefined }]);
  assert.deepEqual(outputTargets('scan', 'json', ['sarif=out/r.sarif', 'junit=r.xml']), [
    { format: 'json', file: undefined },
    { format: 'sarif', file: 'out/r.sarif' },
    { format: 'junit', file: 'r.xml' },
  ]);
  assert.deepEqual(outputTargets('sbom', 'cyclonedx', ['bom.json']), [{ format: 'cyclonedx', file: 'bom.json' }]);
});

test('unknown formats and formats of the other command are refused', () => {
  assert.throws(() => outputTargets('scan', 'yaml', undefined), /unknown format "yaml" for scan/);
  assert.throws(() => outputTargets('sbom', 'sarif', undefined), /unknown format "sarif" for sbom/);
  assert.throws(() => outputTargets('scan', 'json', ['bogus=x.json']), /unknown format "bogus"/);
  assert.throws(() => outputTargets('scan', 'json', ['a.json', 'b.json']), /only one plain --output/);
});
