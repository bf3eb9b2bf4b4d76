// Content checks ride the walker's single pass: every entry is shown, regular files stream to the
// sinks observers return, deleted files stay visible with the layer that removed them, a failing sink
// is dropped without hiding the file from the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EntryInfo, LayerRef } from '../core/types.js';
import { makeTar, tempDir, writeTree } from '../source/testkit.js';
import { openImage } from '../source/index.js';
import { FileTracker, walkImage, type ContentSink, type EntryObserver, type TrackedFile } from './index.js';
import { memImage } from './testkit.js';


interface Seen {
  entry: EntryInfo;
  layer: number;
  pax?: Record<string, string>;
  content?: string;
  aborted?: string;
  tracked?: TrackedFile;
}

function recorder(tracker: FileTracker, opts: { name?: string; failOn?: string } = {}): EntryObserver & { seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    name: opts.name ?? 'rec',
    seen,
    onEntry(entry: EntryInfo, layer: LayerRef, extra): ContentSink | undefined {
      const s: Seen = { entry, layer: layer.index };
      if (extra.pax) s.pax = extra.pax;
      seen.push(s);
      if (entry.type !== 'file') return undefined;
      s.tracked = tracker.track(entry.path, layer);
      const chunks: Buffer[] = [];
      return {
        write(c) {
          if (opts.failOn && entry.path === opts.failOn) throw new Error('boom');
          chunks.push(c);
        },
        end() {
          s.content = Buffer.concat(chunks).toString('utf8');
        },
        abort(reason) {
          s.aborted = reason;
        },
      };
    },
  };
}

test('observers see every entry of every layer, with streamed content, pax records and removal layers', async () => {
  const l0 = await makeTar([
    { name: 'app/', type: 'directory' },
    { name: 'app/.env', content: 'TOKEN=one' },
    { name: 'app/keep.txt', content: 'kept', mode: 0o4755, pax: { 'SCHILY.xattr.security.capability': 'cap' } },
    { name: 'app/over.txt', content: 'v1' },
    { name: 'etc/dir/a', content: 'a' },
    { name: 'bin/link', type: 'symlink', linkname: '/app/keep.txt' },
  ]);
  const l1 = await makeTar([
    { name: 'app/.wh..env' },
    { name: 'app/over.txt', content: 'v2' },
    { name: 'etc/dir/.wh..wh..opq' },
  ]);
  const tracker = new FileTracker();
  const rec = recorder(tracker);
  await walkImage(memImage([l0, l1]), [], { observers: [rec], tracker });
  const byPath = (p: string, layer: number) => rec.seen.find((s) => s.entry.path === p && s.layer === layer)!;
  assert.deepEqual(
    rec.seen.map((s) => `${s.layer}:${s.entry.path}:${s.entry.type}`),
    ['0:/app:dir', '0:/app/.env:file', '0:/app/keep.txt:file', '0:/app/over.txt:file', '0:/etc/dir/a:file', '0:/bin/link:symlink', '1:/app/over.txt:file'],
    'whiteout markers are not shown; everything else is, in order',
  );
  assert.equal(byPath('/app/.env', 0).content, 'TOKEN=one');
  assert.equal(byPath('/app/.env', 0).tracked!.effective, false);
  assert.equal(byPath('/app/.env', 0).tracked!.removedIn!.index, 1);
  assert.equal(byPath('/app/over.txt', 0).tracked!.effective, false, 'replaced in layer 1');
  assert.equal(byPath('/app/over.txt', 1).tracked!.effective, true);
  assert.equal(byPath('/app/over.txt', 1).content, 'v2');
  assert.equal(byPath('/etc/dir/a', 0).tracked!.removedIn!.index, 1, 'hidden by an opaque directory');
  const keep = byPath('/app/keep.txt', 0);
  assert.equal(keep.tracked!.effective, true);
  assert.equal(keep.entry.mode & 0o4000, 0o4000, 'setuid bit reaches observers');
  assert.equal(keep.pax?.['SCHILY.xattr.security.capability'], 'cap');
  assert.equal(byPath('/bin/link', 0).entry.linkTarget, '/app/keep.txt');
});

test('a sink that throws is dropped and named; the same file still reaches the other observers and analyzers', async () => {
  const l0 = await makeTar([{ name: 'a.txt', content: 'hello' }]);
  const tracker = new FileTracker();
  const bad = recorder(tracker, { name: 'bad', failOn: '/a.txt' });
  const good = recorder(tracker, { name: 'good' });
  const seenByAnalyzer: string[] = [];
  const r = await walkImage(
    memImage([l0]),
    [{ name: 'probe', version: 1, required: (p) => p === '/a.txt', analyze: async (f) => (seenByAnalyzer.push(f.content.toString()), []) }],
    { observers: [bad, good], tracker },
  );
  assert.equal(good.seen[0]!.content, 'hello');
  assert.match(bad.seen[0]!.aborted ?? '', /boom/);
  assert.deepEqual(seenByAnalyzer, ['hello'], 'the analyzer got the same single read');
  assert.ok(r.problems.some((p) => p.reason === 'analyzer-error' && /check bad failed: boom/.test(p.detail)));
});

test('files over the analyzer cap still stream whole to observers; the analyzer gets a file-too-large gap', async () => {
  const big = Buffer.alloc(3000, 0x61);
  const l0 = await makeTar([{ name: 'big.lock', content: big }]);
  const tracker = new FileTracker();
  const rec = recorder(tracker);
  const r = await walkImage(memImage([l0]), [{ name: 'probe', version: 1, required: (p) => p === '/big.lock', analyze: async () => [] }], {
    observers: [rec],
    tracker,
    limits: { maxFileBytes: 1000 },
  });
  assert.equal(rec.seen[0]!.content!.length, 3000);
  assert.ok(r.problems.some((p) => p.reason === 'file-too-large' && p.subject === '/big.lock'));
});

test('dir: sources stream regular files to observers in chunks', async () => {
  const root = tempDir();
  const body = 'x'.repeat(600_000);
  writeTree(root, { 'srv/app/.env': 'TOKEN=two', 'srv/big.txt': body });
  const image = await openImage(`dir:${root}`);
  const tracker = new FileTracker();
  const rec = recorder(tracker);
  try {
    await walkImage(image, [], { observers: [rec], tracker });
  } finally {
    await image.close();
  }
  const env = rec.seen.find((s) => s.entry.path === '/srv/app/.env')!;
  assert.equal(env.content, 'TOKEN=two');
  assert.equal(env.tracked!.effective, true);
  assert.equal(rec.seen.find((s) => s.entry.path === '/srv/big.txt')!.content!.length, body.length);
});
