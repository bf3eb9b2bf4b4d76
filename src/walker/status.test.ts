// Analyzer status: complete / partial / failed with file-level reasons, per-analyzer size caps, and the
// analyzer-error problems they turn into.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Analyzer, FileInput } from '../core/types.js';
import { makeTar } from '../source/testkit.js';
import { partial, failed } from '../analyzers/status.js';
import { MAX_STATUS_REASONS, withPath } from './status.js';
import { walkImage } from './index.js';
import { memImage } from './testkit.js';


function reporter(name: string, re: RegExp, what: (f: FileInput, a: Analyzer & { seen: string[] }) => void, max?: number): Analyzer & { seen: string[] } {
  const a: Analyzer & { seen: string[] } = {
    name,
    version: 1,
    seen: [],
    required: (p) => re.test(p),
    async analyze(f, ctx) {
      a.seen.push(f.path);
      const s = f.content.toString();
      if (s.startsWith('partial')) partial(ctx, `${f.path}: stanza at line 3 skipped`);
      if (s.startsWith('fail')) failed(ctx, 'not a database');
      if (s.startsWith('many')) for (let i = 0; i < MAX_STATUS_REASONS + 5; i++) partial(ctx, `record ${i} skipped`);
      what(f, a);
      return [];
    },
  };
  if (max !== undefined) a.maxFileBytes = max;
  return a;
}

test('status: complete, partial and failed with `path: reason`, one analyzer-error problem per analyzer+file', async () => {
  const l0 = await makeTar([
    { name: 'db/ok', content: 'fine' },
    { name: 'db/p', content: 'partial' },
    { name: 'db/f', content: 'fail' },
  ]);
  const l1 = await makeTar([{ name: 'db/p', content: 'partial again' }]);
  const a = reporter('a', /^\/db\//, () => {});
  const b = reporter('b', /^\/db\/ok$/, () => {});
  const r = await walkImage(memImage([l0, l1]), [a, b]);
  const sa = r.analyzers.find((s) => s.analyzer === 'a')!;
  assert.equal(sa.state, 'failed');
  assert.equal(sa.files, 4);
  assert.deepEqual(sa.reasons, ['/db/p: stanza at line 3 skipped', '/db/f: not a database', '/db/p: stanza at line 3 skipped']);
  assert.equal(r.analyzers.find((s) => s.analyzer === 'b')!.state, 'complete');
  // one problem per analyzer+file, however many layers or reasons
  assert.deepEqual(
    r.problems.map((p) => `${p.reason} ${p.subject} ${p.analyzer} ${p.layer?.index}: ${p.detail}`),
    [
      'analyzer-error /db/f a 0: analyzer a failed: not a database',
      'analyzer-error /db/p a 0: analyzer a partial: stanza at line 3 skipped (and 1 more problem in this file)',
    ],
  );
});

test('status: reasons are capped with a count; a path already in the message is not doubled; newlines flattened', async () => {
  const a = reporter('a', /^\/many$/, () => {});
  const r = await walkImage(memImage([await makeTar([{ name: 'many', content: 'many' }])]), [a]);
  const st = r.analyzers[0]!;
  assert.equal(st.state, 'partial');
  assert.equal(st.reasons!.length, MAX_STATUS_REASONS + 1);
  assert.equal(st.reasons!.at(-1), '5 more not shown');
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]!.detail, /record 0 skipped \(and 54 more problems in this file\)/);
  assert.equal(withPath('/x', '/x: y\nz'), '/x: y z');
  assert.equal(withPath('/x', 'y'.repeat(400)).length, '/x: '.length + 301);
});

test('size caps: an analyzer declares its max; the walker never buffers more and the gap names the cap', async () => {
  const l0 = await makeTar([
    { name: 'app/Cargo.lock', content: 'x'.repeat(3000) },
    { name: 'app/small.lock', content: 'y'.repeat(10) },
  ]);
  const small = reporter('small', /\.lock$/, () => {}, 1000);
  const big = reporter('big', /Cargo\.lock$/, (f) => assert.equal(f.content.length, 3000));
  const r = await walkImage(memImage([l0]), [small, big], { limits: { maxFileBytes: 5000 } });
  assert.deepEqual(small.seen, ['/app/small.lock']);
  assert.deepEqual(big.seen, ['/app/Cargo.lock']);
  assert.deepEqual(r.problems.map((p) => `${p.reason} ${p.subject}: ${p.detail}`), ['file-too-large /app/Cargo.lock: 3000 bytes, more than the 1000 analyzer small accepts (wanted by small)']);
  const st = r.analyzers.find((s) => s.analyzer === 'small')!;
  assert.equal(st.state, 'partial');
  assert.deepEqual(st.reasons, ['/app/Cargo.lock: not read: 3000 bytes, over the 1000-byte cap']);
  assert.equal(r.analyzers.find((s) => s.analyzer === 'big')!.state, 'complete');
  // the walker's own cap still bounds an analyzer that declares more
  const huge = reporter('huge', /Cargo\.lock$/, () => {}, 10_000_000);
  const r2 = await walkImage(memImage([l0]), [huge], { limits: { maxFileBytes: 2000 } });
  assert.deepEqual(huge.seen, []);
  assert.match(r2.problems[0]!.detail, /more than the 2000 analyzers may read \(wanted by huge\)/);
});

test('status: a required link that leads nowhere fails the analyzer that asked for it', async () => {
  const l0 = await makeTar([
    { name: 'var/lib/dpkg/status', type: 'symlink', linkname: '/nowhere/status' },
    { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
    { name: 'usr/lib/os-release', content: 'ID=debian' },
  ]);
  const a = reporter('a', /^\/(var|etc)\//, () => {});
  const r = await walkImage(memImage([l0]), [a]);
  assert.deepEqual(a.seen, ['/etc/os-release']);
  assert.equal(r.analyzers[0]!.state, 'failed');
  assert.deepEqual(r.problems.map((p) => `${p.subject}: ${p.detail}`), ['/var/lib/dpkg/status: analyzer a failed: link to /nowhere/status, which is not a regular file in the image (dangling link); not read']);
});
