import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyDefaults, loadConfigFile } from './config.js';

const declared = [
  { key: 'db', repeatable: false },
  { key: 'pipeline', repeatable: false },
  { key: 'policy', repeatable: true },
  { key: 'baseCatalog', repeatable: false },
];

test('flags beat environment beat the config file', () => {
  const config = { db: 'from-config.db', pipeline: 'from-config', policy: 'policies/', baseCatalog: 'bases.yaml' };
  const env = { PORTCULLIS_DB: 'from-env.db' };
  const none = applyDefaults({}, declared, () => false, env, config);
  assert.deepEqual(none, { db: 'from-env.db', pipeline: 'from-config', policy: ['policies/'], baseCatalog: 'bases.yaml' });
  const flags = applyDefaults({ db: 'flag.db', pipeline: 'flag' }, declared, (k) => k === 'db' || k === 'pipeline', env, config);
  assert.equal(flags.db, 'flag.db');
  assert.equal(flags.pipeline, 'flag');
});

test('config file: kebab-case keys, missing file, invalid YAML named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-config-'));
  writeFileSync(join(dir, 'portcullis.yaml'), 'base-catalog: bases.yaml\npipeline: dev-1\n');
  assert.deepEqual(loadConfigFile(undefined, dir).values, { baseCatalog: 'bases.yaml', pipeline: 'dev-1' });
  assert.deepEqual(loadConfigFile(undefined, join(dir, 'nowhere')).values, {});
  assert.throws(() => loadConfigFile('missing.yaml', dir), /config file not found: missing\.yaml/);
  writeFileSync(join(dir, 'bad.yaml'), 'a: [1, 2\n');
  assert.throws(() => loadConfigFile('bad.yaml', dir), /bad\.yaml: invalid YAML/);
  writeFileSync(join(dir, 'list.yaml'), '- a\n- b\n');
  assert.throws(() => loadConfigFile('list.yaml', dir), /expected a mapping/);
});
