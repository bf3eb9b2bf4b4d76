import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PortcullisError } from '../core/errors.js';
import { CONFIG_KEYS, isSecurityKey, loadConfigFile } from './config.js';
import { applyDefaults } from './defaults.js';

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
  assert.throws(() => loadConfigFile('bad.yaml', dir), /bad\.yaml:\d+: invalid YAML/);
  writeFileSync(join(dir, 'list.yaml'), '- a\n- b\n');
  assert.throws(() => loadConfigFile('list.yaml', dir), /expected a mapping/);
});

function configDir(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-config-'));
  writeFileSync(join(dir, 'portcullis.yaml'), text);
  return dir;
}

function rejects(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof PortcullisError, String(e));
    assert.match(e.message, re);
    return true;
  });
}

test('config file: unknown keys are errors naming file:line and the key, with a suggestion', () => {
  const dir = configDir('db: x.db\npolicies: prod/\n');
  rejects(() => loadConfigFile(undefined, dir), /portcullis\.yaml:2: policies: unknown key; did you mean "policy"\?/);
  rejects(() => loadConfigFile(undefined, configDir('sevrity: high\n')), /:1: sevrity: unknown key; did you mean "severity"\?/);
  rejects(() => loadConfigFile(undefined, configDir('colour: false\n')), /:1: colour: unknown key; known keys: .*base-catalog/);
  // a key with control characters is quoted, never printed raw (it cannot forge a log line)
  assert.throws(() => loadConfigFile(undefined, configDir('"x\\nportcullis: PASS\\u001b[0m": 1\n')), (e: unknown) => {
    assert.ok(e instanceof PortcullisError);
    assert.ok(!e.message.includes('\n') && !e.message.includes('\u001b'), e.message);
    assert.match(e.message, /"x\\nportcullis: PASS\\u001b\[0m": unknown key/);
    return true;
  });
});

test('config file: values are type-checked (file:line: key: expected ...), never crash', () => {
  rejects(() => loadConfigFile(undefined, configDir('pipeline: [a, b]\n')), /portcullis\.yaml:1: pipeline: expected string, got a list/);
  rejects(() => loadConfigFile(undefined, configDir('db: x\nmax-db-age: "soon"\n')), /:2: max-db-age: expected number/);
  rejects(() => loadConfigFile(undefined, configDir('severity: [critical, urgent]\n')), /:1: severity/);
  rejects(() => loadConfigFile(undefined, configDir('severity: "high,urgent"\n')), /severity: expected severities separated by commas/);
  rejects(() => loadConfigFile(undefined, configDir('format: pdf\n')), /:1: format: expected one of/);
  rejects(() => loadConfigFile(undefined, configDir('platform: amd64\n')), /platform: expected os\/arch/);
  rejects(() => loadConfigFile(undefined, configDir('only-app: "yes"\n')), /only-app: expected boolean/);
  rejects(() => loadConfigFile(undefined, configDir('db: a\ndb: b\n')), /:2: invalid YAML: .*unique/i);
  rejects(() => loadConfigFile(undefined, configDir('base-catalog: a\nbaseCatalog: b\n')), /given twice/);
  // severity as a YAML list (crashed with a TypeError before) is the comma list the flag takes
  assert.equal(loadConfigFile(undefined, configDir('severity: [critical, high]\n')).values.severity, 'critical,high');
  const l = loadConfigFile(undefined, configDir('\n\nexceptions: [a.yaml, b.yaml]\n'));
  assert.deepEqual(l.values.exceptions, ['a.yaml', 'b.yaml']);
  assert.equal(l.lines.exceptions, 3);
  assert.equal(l.implicit, true);
  assert.equal(loadConfigFile('portcullis.yaml', configDir('db: x\n')).implicit, false);
});

test('applyDefaults: a config value a command does not accept is skipped; a list for a one-value flag is an error', () => {
  const d = [{ key: 'format', repeatable: false }];
  assert.deepEqual(applyDefaults({ format: 'table' }, d, () => false, {}, { format: 'sarif' }, (_k, v) => v !== 'sarif'), { format: 'table' });
  assert.deepEqual(applyDefaults({}, d, () => false, {}, { format: 'json' }, () => true), { format: 'json' });
  assert.throws(() => applyDefaults({}, [{ key: 'db', repeatable: false }], () => false, {}, { db: ['a', 'b'] }), /db: this command takes one value/);
});

test('every flag of every command is classified in the config schema (type and whether it can weaken the gate)', async () => {
  const { buildProgram } = await import('./program.js');
  const { captureIo } = await import('./testio.js');
  const program = await buildProgram(captureIo('2026-01-01T00:00:00Z').io);
  const missing: string[] = [];
  const walk = (c: typeof program): void => {
    for (const o of c.options) {
      const name = o.long?.replace(/^--/, '') ?? '';
      if (c === program) continue; // global flags (--config, --quiet, ...) are not config keys
      if (!CONFIG_KEYS.includes(name)) missing.push(`${c.name()} --${name}`);
    }
    for (const s of c.commands) walk(s as typeof program);
  };
  walk(program);
  assert.deepEqual(missing, []);
  for (const k of ['policy', 'exceptions', 'pipeline', 'base-catalog', 'db', 'max-db-age', 'platform', 'sbom']) assert.ok(isSecurityKey(k), k);
  for (const k of ['format', 'severity', 'only-app', 'output']) assert.equal(isSecurityKey(k), false, k);
});

test('config file: no-cache: true is the flag --no-cache (kept as cache: false); both keys at once is an error', () => {
  assert.deepEqual(loadConfigFile(undefined, configDir('no-cache: true\ncache-max-size: 10G\n')).values, { cache: false, cacheMaxSize: '10G' });
  assert.deepEqual(loadConfigFile(undefined, configDir('no-cache: false\n')).values, { cache: true });
  rejects(() => loadConfigFile(undefined, configDir('no-cache: true\ncache: true\n')), /given twice/);
  assert.equal(isSecurityKey('no-cache'), false);
  assert.deepEqual(loadConfigFile(undefined, configDir('no-rejudge: true\n')).values, { rejudge: false });
  rejects(() => loadConfigFile(undefined, configDir('no-rejudge: true\nrejudge: true\n')), /rejudge: given twice \(as no-rejudge and rejudge\)/);
  assert.equal(isSecurityKey('no-rejudge'), true, 'turning re-judging off admits decisions made under older rules');
});

test('config file: the server\'s SSO settings (only from a file the operator passes: they decide who gets which role)', () => {
  const text = 'oidc-issuer: https://sso.example.com/realms/acme\noidc-client-id: portcullis\noidc-redirect-url: https://portcullis.example.com\noidc-role: [platform-security=security, portcullis-admins=admin]\noidc-session-hours: 4\n';
  const l = loadConfigFile('portcullis.yaml', configDir(text));
  assert.deepEqual(l.values.oidcRole, ['platform-security=security', 'portcullis-admins=admin']);
  assert.equal(l.values.oidcSessionHours, 4);
  for (const k of ['oidc-issuer', 'oidc-client-id', 'oidc-redirect-url', 'oidc-role', 'oidc-groups-claim', 'oidc-scopes', 'oidc-session-hours']) assert.ok(isSecurityKey(k), k);
  rejects(() => loadConfigFile(undefined, configDir('oidc-session-hours: 48\n')), /oidc-session-hours/);
});
