import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { PortcullisError } from '../../core/errors.js';
import { captureIo } from '../testio.js';
import { registerDbCommands } from './db.js';

function cli(env: NodeJS.ProcessEnv = {}) {
  const { io, out, err } = captureIo('2025-03-01T00:00:00Z', env);
  const run = async (...argv: string[]): Promise<void> => {
    const program = new Command().exitOverride().option('--quiet').option('--debug').option('--config <f>');
    registerDbCommands(program, io);
    await program.parseAsync(argv, { from: 'user' });
  };
  return { run, out, err };
}

const rec = (id: string, modified: string) =>
  JSON.stringify({ id, modified, affected: [{ package: { ecosystem: 'npm', name: 'left-pad' } }] });

test('db build, status (table and json) and update --skip-update through the CLI', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'pc-dbcli-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const src = join(d, 'recs');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(src);
  writeFileSync(join(src, 'a.json'), rec('GHSA-aaaa-aaaa-aaaa', '2025-02-27T00:00:00Z'));
  writeFileSync(join(src, 'bad.json'), '{');
  const env = { PORTCULLIS_CACHE_DIR: join(d, 'cache') };
  const c = cli(env);
  await c.run('db', 'build', '--source', src);
  assert.match(c.out(), /built .*cache\/db\/portcullis\.db: 1 advisories/);
  assert.match(c.out(), /npm\s+1\s+0/);
  assert.match(c.err(), /warning: .*bad\.json: skipped, malformed JSON/);
  const s = cli(env);
  await s.run('db', 'status');
  assert.match(s.out(), /osv:recs\s+osv\s+1\s+2025-02-27T00:00:00.000Z\s+2d/);
  assert.doesNotMatch(s.out(), /STALE/);
  const j = cli(env);
  await j.run('db', 'status', '--format', 'json', '--max-age', '24');
  const parsed = JSON.parse(j.out()) as { ecosystems: string[]; counts: Record<string, number>; gaps: { reason: string }[] };
  assert.deepEqual(parsed.ecosystems, ['npm']);
  assert.deepEqual(parsed.counts, { npm: { advisories: 1, malicious: 0 } });
  assert.deepEqual(parsed.gaps.map((g) => g.reason), ['db-stale']);
  const u = cli(env);
  await u.run('db', 'update', '--skip-update');
  assert.match(u.out(), /offline, not updated/);
  // a published DB with its checksum can be installed by `db update --source`
  const pub = join(d, 'pub', 'portcullis.db');
  await cli(env).run('db', 'build', '--source', src, '--output', pub, '--checksum', '--format', 'json');
  const { readFileSync } = await import('node:fs');
  assert.match(readFileSync(`${pub}.sha256`, 'utf8'), /^[0-9a-f]{64} {2}portcullis\.db\n$/);
  const u2 = cli(env);
  await u2.run('db', 'update', '--source', pub, '--db', join(d, 'other', 'p.db'));
  assert.match(u2.out(), /copied/);
});

test('errors are PortcullisErrors with codes', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'pc-dbcli-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  await assert.rejects(cli().run('db', 'status', '--db', join(d, 'none.db')), (e: unknown) => e instanceof PortcullisError && e.code === 'DB_MISSING');
  await assert.rejects(cli().run('db', 'build', '--output', join(d, 'x.db')), (e: unknown) => e instanceof PortcullisError && e.code === 'BAD_INPUT');
  await assert.rejects(cli().run('db', 'update', '--db', join(d, 'x.db'), '--retries', '-1'), /--retries must be/);
});

test('db status runs PRAGMA quick_check and reports it; a damaged DB exits 2 with the problem', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'pc-dbcheck-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const { mkdirSync, readFileSync, statSync } = await import('node:fs');
  const src = join(d, 'recs');
  mkdirSync(src);
  for (let i = 0; i < 400; i++) writeFileSync(join(src, `r${i}.json`), rec(`GHSA-aaaa-aaaa-${String(i).padStart(4, '0')}`, '2025-02-27T00:00:00Z'));
  const db = join(d, 'p.db');
  await cli().run('db', 'build', '--source', src, '--output', db, '--quiet');
  const ok = cli();
  await ok.run('db', 'status', '--db', db);
  assert.match(ok.out(), /integrity ok \(PRAGMA quick_check\)/);
  assert.equal(process.exitCode ?? 0, 0);
  // damage the pages after the first few (the schema and meta stay readable)
  const buf = readFileSync(db);
  const page = buf.readUInt16BE(16) === 1 ? 65536 : buf.readUInt16BE(16);
  const pages = statSync(db).size / page;
  for (let p = Math.floor(pages / 2); p < pages; p++) buf.fill(0x5a, p * page + 8, p * page + 64);
  writeFileSync(db, buf);
  const bad = cli();
  try {
    await bad.run('db', 'status', '--db', db, '--format', 'json');
    const j = JSON.parse(bad.out()) as { integrity: { ok: boolean; problems: string[] } };
    assert.equal(j.integrity.ok, false);
    assert.ok(j.integrity.problems.length > 0);
    assert.equal(process.exitCode, 2);
  } catch (e) {
    // damage that reaches the metadata is reported by openDb itself
    assert.ok(e instanceof PortcullisError && e.code === 'DB_INVALID', String(e));
  } finally {
    process.exitCode = undefined;
  }
});

test('db build into a directory that cannot be created or written names the path', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'pc-dbdir-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const { mkdirSync } = await import('node:fs');
  const src = join(d, 'recs');
  mkdirSync(src);
  writeFileSync(join(src, 'a.json'), rec('GHSA-aaaa-aaaa-aaaa', '2025-02-27T00:00:00Z'));
  writeFileSync(join(d, 'file'), 'x');
  const out = join(d, 'file', 'sub', 'p.db');
  await assert.rejects(cli().run('db', 'build', '--source', src, '--output', out), (e: unknown) => e instanceof PortcullisError && e.message.includes(join(d, 'file', 'sub')) && /cannot write the DB/.test(e.message));
  await assert.rejects(cli().run('db', 'build', '--source', src, '--output', '/dev/null'), (e: unknown) => e instanceof PortcullisError && /\/dev\/null: not a regular file/.test(e.message));
});
