// Conformance of the analyzer folders (DESIGN.md: "adding one means adding a folder and one line in a
// registry; a conformance test fails when a folder is not registered or a registered item lacks tests").
//
// Scanned at run time, so folders added later are checked without editing this file:
//  - every folder src/analyzers/{os,lang}/<name>/ (and any other src/analyzers/<name>/) with an index.ts
//    is an analyzer folder; one without index.ts is still being written and is not checked yet;
//  - every Analyzer-shaped value its index.ts exports must be in registry.ts's `analyzers` list;
//    an index.ts that exports no analyzer is a helper library (e.g. lang/binfmt) and is only reported;
//  - every analyzer folder has at least one *.test.ts (testdata/ excluded);
//  - every registered analyzer has a unique name, a positive integer version, and a required() that
//    returns a boolean without throwing for odd entries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Analyzer, EntryInfo } from '../core/types.js';
import { analyzers } from './registry.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CATEGORIES = ['os', 'lang'];

function subdirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.') && n !== 'testdata' && n !== 'node_modules')
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isDirectory())
    .sort();
}

/** Analyzer folders: os/<x>, lang/<x>, and any other direct folder of src/analyzers with an index.ts. */
export function analyzerFolders(root: string = HERE): string[] {
  const out: string[] = [];
  for (const d of subdirs(root)) {
    const name = d.slice(d.lastIndexOf('/') + 1);
    if (CATEGORIES.includes(name)) out.push(...subdirs(d).filter((s) => existsSync(join(s, 'index.ts'))));
    else if (existsSync(join(d, 'index.ts'))) out.push(d);
  }
  return out;
}

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir).sort()) {
    if (n === 'testdata' || n === 'node_modules' || n.startsWith('.')) continue;
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (n.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

export function isAnalyzer(v: unknown): v is Analyzer {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Record<string, unknown>;
  return typeof a.name === 'string' && typeof a.version === 'number' && typeof a.required === 'function' && typeof a.analyze === 'function';
}

test('the scan finds the analyzer folders (sanity: the test cannot pass by finding nothing)', () => {
  const rels = analyzerFolders().map((f) => relative(HERE, f));
  for (const known of ['os/dpkg', 'os/apk', 'os/release']) assert.ok(rels.includes(known), `${known} in ${rels.join(', ')}`);
  assert.ok(analyzers.length >= 3);
});

/** Problems of one analyzer folder (empty when it conforms); `note` is set for helper libraries. */
export async function checkFolder(folder: string, registered: readonly Analyzer[], label = folder): Promise<{ problems: string[]; note?: string }> {
  const problems: string[] = [];
  if (testFiles(folder).length === 0) problems.push(`${label} has no *.test.ts`);
  const mod = (await import(pathToFileURL(join(folder, 'index.ts')).href)) as Record<string, unknown>;
  const exported = Object.entries(mod).filter(([, v]) => isAnalyzer(v)) as [string, Analyzer][];
  if (exported.length === 0) return { problems, note: `${label}: index.ts exports no analyzer; treated as a helper library` };
  for (const [exportName, a] of exported) {
    if (!(registered.includes(a) || registered.some((r) => r.name === a.name))) {
      problems.push(`${label}: ${exportName} (analyzer "${a.name}") is not listed in src/analyzers/registry.ts`);
    }
  }
  return { problems };
}

test('every analyzer folder is registered and has tests', async (t) => {
  for (const folder of analyzerFolders()) {
    const rel = relative(HERE, folder);
    await t.test(rel, async () => {
      const { problems, note } = await checkFolder(folder, analyzers, rel);
      if (note) console.log(`# ${note}`);
      assert.deepEqual(problems, []);
    });
  }
});

test('the checks fail on an unregistered analyzer and on a folder without tests (synthetic tree)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'portcullis-conformance-'));
  try {
    const analyzerSrc = (name: string): string =>
      `export const a = { name: '${name}', version: 1, required: () => false, analyze: async () => [] };\nexport const notAnAnalyzer = 42;\n`;
    const write = (rel: string, text: string): void => {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), text);
    };
    write('os/unregistered/index.ts', analyzerSrc('unregistered-x'));
    write('os/unregistered/x.test.ts', '');
    write('lang/untested/index.ts', analyzerSrc('os-release'));
    write('lang/untested/testdata/y.test.ts', ''); // testdata does not count
    write('lang/inprogress/notes.md', 'no index.ts yet');
    write('lang/library/index.ts', 'export const helper = (): number => 1;\n');
    write('lang/library/lib.test.ts', '');
    write('secrets/index.ts', analyzerSrc('secrets-x'));
    write('secrets/s.test.ts', '');
    const folders = analyzerFolders(root).map((f) => relative(root, f));
    assert.deepEqual(folders, ['lang/library', 'lang/untested', 'os/unregistered', 'secrets']);
    const r = (f: string): Promise<{ problems: string[]; note?: string }> => checkFolder(join(root, f), analyzers, f);
    assert.deepEqual((await r('os/unregistered')).problems, ['os/unregistered: a (analyzer "unregistered-x") is not listed in src/analyzers/registry.ts']);
    assert.deepEqual((await r('lang/untested')).problems, ['lang/untested has no *.test.ts']);
    const lib = await r('lang/library');
    assert.deepEqual(lib.problems, []);
    assert.match(lib.note!, /helper library/);
    assert.equal((await r('secrets')).problems.length, 1);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('registered analyzers: unique names, integer versions, total and boolean required()', () => {
  const names = analyzers.map((a) => a.name);
  assert.deepEqual(
    names.filter((n, i) => names.indexOf(n) !== i),
    [],
    'duplicate analyzer names',
  );
  const entries: EntryInfo[] = [
    { path: '/', type: 'dir', size: 0, mode: 0o755 },
    { path: '/etc/passwd', type: 'file', size: 100, mode: 0o644 },
    { path: '/usr/bin/x', type: 'symlink', size: 0, mode: 0o777, linkTarget: '../../etc/passwd' },
    { path: '/dev/null', type: 'other', size: 0, mode: 0o666 },
    { path: '/' + 'a/'.repeat(1000) + 'b', type: 'file', size: 0, mode: 0 },
    { path: '/weird\u0000name\n\uFFFD', type: 'file', size: Number.MAX_SAFE_INTEGER, mode: 0o7777 },
  ];
  for (const a of analyzers) {
    assert.ok(isAnalyzer(a), `${a.name}: not an Analyzer`);
    assert.match(a.name, /^[a-z0-9][a-z0-9-]*$/, `${a.name}: name must be lower-case kebab`);
    assert.ok(Number.isInteger(a.version) && a.version >= 1, `${a.name}: version must be a positive integer`);
    for (const e of entries) {
      const r = a.required(e.path, e);
      assert.equal(typeof r, 'boolean', `${a.name}: required(${JSON.stringify(e.path.slice(0, 30))}) returned ${typeof r}`);
    }
  }
});

test('every registered analyzer declares the one cap it accepts, never above what the walker buffers', async () => {
  const { DEFAULT_LIMITS } = await import('../walker/types.js');
  for (const a of analyzers) {
    assert.ok(Number.isInteger(a.maxFileBytes) && a.maxFileBytes! > 0, `${a.name}: no maxFileBytes`);
    assert.ok(a.maxFileBytes! <= DEFAULT_LIMITS.maxFileBytes, `${a.name}: maxFileBytes ${a.maxFileBytes} over the walker's ${DEFAULT_LIMITS.maxFileBytes}`);
  }
});
