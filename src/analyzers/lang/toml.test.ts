import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseToml as parseTomlRaw, TomlError, tomlGet, tomlTables, type TomlOptions } from './toml.js';

// smol-toml builds tables without a prototype (so `__proto__` is a plain key); compare as plain data
const plainCopy = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(plainCopy) : typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainCopy(x)])) : v;
const parseToml = (s: string, o?: TomlOptions) => plainCopy(parseTomlRaw(s, o)) as ReturnType<typeof parseTomlRaw>;

test('toml: scalars, strings and escapes', () => {
  const t = parseToml(
    [
      '# comment',
      'a = "x\\ty\\u00e9\\"q"',
      "b = 'C:\\path'",
      'c = 42',
      'd = -1_000',
      'e = 3.5e2',
      'f = true',
      'g = false',
      'h = 0xff',
      'i = 1979-05-27T07:32:00Z',
      'j = 2024-01-02',
      'k = inf',
      '"quoted key" = 1',
      'dotted.key = "v"  # trailing comment',
    ].join('\n'),
  );
  assert.deepEqual(t, {
    a: 'x\tyé"q',
    b: 'C:\\path',
    c: 42,
    d: -1000,
    e: 350,
    f: true,
    g: false,
    h: 255,
    i: '1979-05-27T07:32:00.000Z',
    j: '2024-01-02',
    k: Infinity,
    'quoted key': 1,
    dotted: { key: 'v' },
  });
});

test('toml: multi-line strings', () => {
  const t = parseToml('a = """\nline1\nline2 \\\n   cont"""\nb = \'\'\'\nraw \\n\'\'\'\nc = """x""""\n');
  assert.equal(t.a, 'line1\nline2 cont');
  assert.equal(t.b, 'raw \\n');
  assert.equal(t.c, 'x"');
});

test('toml: tables, arrays of tables, sub-tables of the last element', () => {
  const src = `
[metadata]
lock-version = "2.0"

[[package]]
name = "flask"
version = "2.0.0"
dependencies = [
  "click>=7.1",  # comment in array
  "itsdangerous",
]
wheels = [
    { url = "https://x/f.whl", hash = "sha256:00", size = 3 },
]

[package.extras]
dotenv = ["python-dotenv"]

[[package.files]]
file = "a"

[[package]]
name = "click"
version = "8.0.1"
source = { registry = "https://pypi.org/simple" }
`;
  const t = parseToml(src);
  const pkgs = tomlTables(t.package);
  assert.equal(pkgs.length, 2);
  assert.equal(pkgs[0]!.name, 'flask');
  assert.deepEqual(pkgs[0]!.dependencies, ['click>=7.1', 'itsdangerous']);
  assert.deepEqual(pkgs[0]!.wheels, [{ url: 'https://x/f.whl', hash: 'sha256:00', size: 3 }]);
  assert.deepEqual(pkgs[0]!.extras, { dotenv: ['python-dotenv'] });
  assert.deepEqual(pkgs[0]!.files, [{ file: 'a' }]);
  assert.deepEqual(pkgs[1]!.source, { registry: 'https://pypi.org/simple' });
  assert.deepEqual(t.metadata, { 'lock-version': '2.0' });
});

test('toml: CRLF and BOM', () => {
  const t = parseToml('\ufeff[[package]]\r\nname = "a"\r\nversion = "1"\r\n');
  assert.deepEqual(tomlTables(t.package).map((p) => p.name), ['a']);
});

test('toml: prototype keys are plain keys', () => {
  const t = parseTomlRaw('__proto__ = "x"\nconstructor = 1\n[toString]\na = 1\n');
  assert.equal(tomlGet(t, '__proto__'), 'x');
  assert.equal(tomlGet(t, 'constructor'), 1);
  assert.deepEqual({ ...(tomlGet(t, 'toString') as object) }, { a: 1 });
  assert.equal(Object.getPrototypeOf(t), null, 'no prototype to pollute or inherit from');
  assert.equal(tomlGet(parseTomlRaw('a = 1'), 'toString'), undefined);
  assert.equal(({} as Record<string, unknown>).x, undefined);
});

test('toml: invalid documents throw TomlError with a line', () => {
  const bad: [string, RegExp][] = [
    ['a = 1\na = 2', /^line 2: trying to redefine/],
    ['[t]\n[t]', /^line 2: trying to redefine/],
    ['a = "unterminated', /^line 1: unfinished string/],
    ['a = [1, 2', /^line 1: expected comma or end of structure/],
    ['a = {b = 1}\n[a]\nc = 1', /^line 2: trying to redefine/],
    ['x = 1 2', /^line 1: each key-value declaration must be followed by an end-of-line/],
    ['= 1', /^line 1: unexpected end of key/],
    ['a = 01', /^line 1: illegal leading zero/],
    ['a = 1__0', /^line 1: illegal underscore/],
    ['a = "\\q"', /^line 1: unrecognised escape/],
    ['a = "\u0001"', /^line 1: control characters are not allowed/],
    ['[[a]]\n[a]', /^line 2: trying to redefine/],
    ['a = 1\n[[a]]', /^line 2: trying to redefine/],
    ['a = nope', /^line 1: invalid value/],
    ['a = 1979-05-27T25:00:00Z', /^line 1: /],
  ];
  for (const [src, re] of bad) {
    assert.throws(() => parseToml(src), (e: unknown) => e instanceof TomlError && re.test(e.message), src);
  }
});

test('toml: nesting depth is capped', () => {
  const deep = 'a = ' + '['.repeat(10_000) + ']'.repeat(10_000);
  assert.throws(() => parseToml(deep), (e: unknown) => e instanceof TomlError && /excessively nested/.test(e.message));
  assert.throws(() => parseToml('a = [[[[1]]]]', { maxDepth: 3 }), TomlError);
  assert.deepEqual(parseToml('a = [[[1]]]', { maxDepth: 3 }).a, [[[1]]]);
});

test('toml: truncated input at every position never throws anything but TomlError', () => {
  const src = '[[package]]\nname = "a"\nversion = "1.0"\nx = { a = [1, "b"], c = \'d\' }\ns = """m\n"""\n';
  for (let i = 0; i < src.length; i++) {
    try {
      parseToml(src.slice(0, i));
    } catch (e) {
      assert.ok(e instanceof TomlError, `pos ${i}: ${String(e)}`);
    }
  }
});
