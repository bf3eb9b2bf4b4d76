import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { sharedOrSkip } from '../../../core/shared.js';
import { fastYamlDocuments, MAX_YAML_FALLBACK_BYTES } from './fastyaml.js';
import { parsePnpmLock } from './pnpm.js';
import { parseYarnBerry } from './yarn.js';
import { fileInput } from '../testimage.js';

function reference(text: string): unknown[] {
  const d = parseAllDocuments(text, { uniqueKeys: false });
  return (Array.isArray(d) ? d : [d]).map((x) => x.toJS({ maxAliasCount: 100 }) as unknown);
}

test('fastyaml: same result as the yaml package on every pnpm and yarn Berry fixture', async (t) => {
  const root = sharedOrSkip(t, 'fixtures/third-party/packages/lockfiles/nodejs');
  if (!root) return;
  let checked = 0;
  for (const sub of ['pnpm', 'yarn']) {
    for (const f of readdirSync(join(root, sub)).sort()) {
      const text: string = readFileSync(join(root, sub, f), 'utf8');
      if (sub === 'yarn' && !text.includes('__metadata:')) continue;
      const fast = fastYamlDocuments(text);
      assert.ok(fast, `${f}: fast path refused a machine-written lockfile`);
      assert.deepEqual(fast, reference(text), f);
      checked++;
    }
  }
  assert.equal(checked, 13);
});

test('fastyaml: scalars, flow collections, sequences, comments, CRLF', () => {
  const src = [
    '# comment',
    "lockfileVersion: '9.0'",
    'n: 5.3',
    'i: 42',
    'b: true',
    'z: ~',
    'empty:',
    'plain: ^1.0.0 || >=2 # trailing',
    '"quoted key": "a\\"b"',
    "'single': 'it''s'",
    'flow: {integrity: sha512-AB+/==, tarball: https://x/y.tgz, nested: {node: ">=6"}}',
    'seq: [x64, arm64]',
    'emptymap: {}',
    'list:',
    '  - a',
    '  - b',
    'map:',
    '  /@s/a@1.0.0(peer@2.0.0):',
    '    dev: false',
    '',
  ].join('\r\n');
  const fast = fastYamlDocuments(src);
  assert.deepEqual(fast, reference(src));
  assert.deepEqual(fast, [
    {
      lockfileVersion: '9.0',
      n: 5.3,
      i: 42,
      b: true,
      z: null,
      empty: null,
      plain: '^1.0.0 || >=2',
      'quoted key': 'a"b',
      single: "it's",
      flow: { integrity: 'sha512-AB+/==', tarball: 'https://x/y.tgz', nested: { node: '>=6' } },
      seq: ['x64', 'arm64'],
      emptymap: {},
      list: ['a', 'b'],
      map: { '/@s/a@1.0.0(peer@2.0.0)': { dev: false } },
    },
  ]);
});

test('fastyaml: anything outside the subset is refused, never misread', () => {
  const refused = [
    'a: &x 1\nb: *x',
    'a: !!str 1',
    'a: |\n  text',
    'a: >\n  text',
    'a: b\n  continued',
    '? complex\n: key',
    'a:\n\t b: 1',
    'a: 1\na: 2',
    'a: [1, 2',
    'a: {b: 1',
    'a: "unterminated',
    'a: 0x1F',
    '- a: 1',
    'a: b: c',
    '%YAML 1.2\n---\na: 1',
    '__proto__: {polluted: true}\nx: {__proto__: 1}',
  ];
  for (const src of refused.slice(0, -1)) assert.equal(fastYamlDocuments(src), undefined, src);
  // __proto__ is an ordinary key
  const p = fastYamlDocuments(refused[refused.length - 1]!)!;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(Object.keys(p[0] as object), ['__proto__', 'x']);
});

test('fastyaml: deep flow nesting is refused, not a stack overflow', () => {
  assert.equal(fastYamlDocuments('a: ' + '['.repeat(100_000) + ']'.repeat(100_000)), undefined);
});

test('fallback cap: YAML outside the subset goes to the general parser only up to MAX_YAML_FALLBACK_BYTES', () => {
  // an anchor and alias are outside the subset
  const small = "lockfileVersion: '6.0'\npackages:\n  /a@1.0.0:\n    resolution: &r {integrity: sha512-x}\n  /b@2.0.0:\n    resolution: *r\n";
  assert.equal(fastYamlDocuments(small), undefined);
  const ok = fileInput('/app/pnpm-lock.yaml', small);
  assert.deepEqual(parsePnpmLock(small, ok.file, ok.ctx).map((p) => `${p.name}@${p.version}`).sort(), ['a@1.0.0', 'b@2.0.0']);
  assert.deepEqual(ok.warnings, []);
  const filler = '\n'.padEnd(MAX_YAML_FALLBACK_BYTES, '#');
  const big = small + filler;
  const pn = fileInput('/app/pnpm-lock.yaml', big);
  assert.deepEqual(parsePnpmLock(big, pn.file, pn.ctx), []);
  assert.match(pn.warnings[0]!, /^\/app\/pnpm-lock\.yaml: \d+ bytes of YAML outside the machine-written subset; the general parser is limited to 2097152 bytes/);
  const berry = "__metadata:\n  version: 6\n\"a@npm:1.0.0\":\n  version: 1.0.0\n  resolution: &r \"a@npm:1.0.0\"\n" + filler;
  const yb = fileInput('/app/yarn.lock', berry);
  assert.deepEqual(parseYarnBerry(berry, yb.file, yb.ctx), []);
  assert.match(yb.warnings[0]!, /general parser is limited/);
});
