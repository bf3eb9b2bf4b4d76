import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { readRpmDb } from './analyzer.js';
import { readSqlite } from './sqlite.js';
import { asRow, LAYER, parseExpected, pseudoRandom, testdata } from './test-support.js';

test('real rpmdb.sqlite written by rpm 4.18: matches rpm\'s listing', () => {
  const warnings: string[] = [];
  const r = readRpmDb(testdata('rpmdb.sqlite'), '/var/lib/rpm/rpmdb.sqlite', LAYER, (m) => warnings.push(m));
  assert.deepEqual(warnings, []);
  assert.equal(r.format, 'sqlite');
  assert.equal(r.records, 3);
  assert.equal(r.skipped, 1);
  const expected = parseExpected(testdata('rpmdb.sqlite.expected.tsv').toString()).filter((e) => e.name !== 'gpg-pubkey');
  assert.deepEqual(r.packages.map(asRow), expected);
});

test('a database left in WAL mode reads the same', () => {
  const b = Buffer.from(testdata('rpmdb.sqlite'));
  b[18] = 2;
  b[19] = 2;
  const w: string[] = [];
  assert.equal(readSqlite(b, (m) => w.push(m)).length, 3);
  assert.deepEqual(w, []);
  // the caller's buffer is not modified
  assert.equal(b[18], 2);
});

test('hostile sqlite: not sqlite, truncated, no Packages table, non-blob rows, random pages', () => {
  const good = testdata('rpmdb.sqlite');
  let w: string[] = [];
  assert.deepEqual(readSqlite(Buffer.from('not a database at all'), (m) => w.push(m)), []);
  assert.match(w.pop()!, /bad magic/);
  w = [];
  const rows = readSqlite(good.subarray(0, 5000), (m) => w.push(m));
  assert.ok(rows.length < 3);
  assert.match(w.join('\n'), /malformed|cannot read/);

  const other = new Database(':memory:');
  other.exec("CREATE TABLE Other (x); INSERT INTO Other VALUES (1)");
  const noTable = other.serialize();
  other.close();
  w = [];
  assert.deepEqual(readSqlite(noTable, (m) => w.push(m)), []);
  assert.match(w.pop()!, /no Packages table; not read/);

  const odd = new Database(':memory:');
  odd.exec("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB); INSERT INTO Packages VALUES (1, 'text'), (2, x'00')");
  const oddBuf = odd.serialize();
  odd.close();
  w = [];
  const got = readSqlite(oddBuf, (m) => w.push(m));
  assert.equal(got.length, 1);
  assert.match(w.pop()!, /row 1: blob is not binary/);

  const rnd = pseudoRandom(3);
  for (let i = 0; i < 20; i++) {
    const b = Buffer.from(good);
    const junk = rnd(1024);
    junk.copy(b, 1024 * (1 + (i % (good.length / 1024 - 1))));
    w = [];
    const r = readRpmDb(b, '/var/lib/rpm/rpmdb.sqlite', LAYER, (m) => w.push(m));
    assert.ok(r.packages.length <= 2);
  }
});

function dbWith(sql: string): Buffer {
  const d = new Database(':memory:');
  d.exec(sql);
  const b = d.serialize();
  d.close();
  return b;
}

test('hostile sqlite schema: a view over an endless recursive query, a virtual table, wrong columns are refused, not run', () => {
  const cases: [string, RegExp][] = [
    ['CREATE VIEW Packages AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x AS hnum, zeroblob(16) AS blob FROM c', /Packages is a view, not a table; not read/],
    ["CREATE VIRTUAL TABLE Packages USING fts5(hnum, blob)", /virtual table/],
    ['CREATE TABLE Packages (id INTEGER PRIMARY KEY, data BLOB)', /no hnum column/],
    ['CREATE TABLE packages_x (a); CREATE VIEW PACKAGES AS SELECT 1 AS hnum, x\'00\' AS blob', /view, not a table/],
  ];
  for (const [sql, re] of cases) {
    const w: string[] = [];
    assert.deepEqual(readSqlite(dbWith(sql), (m) => w.push(m)), [], sql);
    assert.match(w.join('\n'), re, sql);
  }
  // through the analyzer: the refusal is a failed status (the walker turns it into a gap)
  const fails: string[] = [];
  const partials: string[] = [];
  const r = readRpmDb(dbWith(cases[0]![0]), '/var/lib/rpm/rpmdb.sqlite', LAYER, () => {}, { skip: (m) => partials.push(m), fail: (m) => fails.push(m) });
  assert.equal(r.packages.length, 0);
  assert.match(partials.join('\n'), /view, not a table/);
  assert.match(fails.join('\n'), /no package could be read/);
});
