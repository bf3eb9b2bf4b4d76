// Crafted layers: overlay semantics (whiteouts, opaque dirs, overwrites), link resolution inside the
// root, limits, hostile names, analyzer failures, dir: sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Analyzer, EntryInfo, FileInput } from '../core/types.js';
import { isPortcullisError, type ErrorCode } from '../core/errors.js';
import { openImage } from '../source/index.js';
import { dockerArchive, makeTar, paxHeaderClaiming, sha, tempDir, writeTree, type TarEntry } from '../source/testkit.js';
import { normaliseEntryPath, resolveInRoot, walkImage, type WalkResult } from './index.js';
import { memImage } from './testkit.js';


/** An analyzer that records what it got; `content` fact carries the text it read. */
function probe(re: RegExp, name = 'probe'): Analyzer & { seen: FileInput[] } {
  const seen: FileInput[] = [];
  return {
    name,
    version: 1,
    seen,
    required: (p: string) => re.test(p),
    async analyze(f: FileInput) {
      seen.push(f);
      return [{ kind: 'config', issue: { check: 'probe', title: f.content.toString('utf8').slice(0, 100), severity: 'low', detail: f.entry.type } }];
    },
  };
}

function view(r: WalkResult): string[] {
  return r.files.map((f) => {
    const fact = f.facts[0];
    const text = fact?.kind === 'config' ? fact.issue.title : '-';
    return `${f.layer.index}:${f.path}:${f.effective ? 'E' : 'x'}:${text}`;
  });
}

function isErr(code: ErrorCode, re: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(isPortcullisError(e), `expected PortcullisError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, re);
    return true;
  };
}

const f = (name: string, content = name): TarEntry => ({ name, content });

test('path normalisation and link resolution stay inside the root', () => {
  assert.deepEqual(normaliseEntryPath('./etc/os-release'), { ok: true, path: '/etc/os-release' });
  assert.deepEqual(normaliseEntryPath('/abs//x/./y/'), { ok: true, path: '/abs/x/y' });
  // the one-test fast path agrees with taking names apart, on every name made of these pieces
  const parts = ['', '.', '..', '...', 'a', '.a', 'a.', '..b', 'usr', '\u0000'];
  const slowly = (raw: string) => {
    if (raw.includes('\u0000')) return 'nul';
    const stack: string[] = [];
    for (const c of raw.split('/')) {
      if (c === '' || c === '.') continue;
      if (c === '..') {
        if (stack.length === 0) return 'escapes';
        stack.pop();
      } else stack.push(c);
    }
    return `/${stack.join('/')}`;
  };
  let names = 0;
  for (const a of parts) for (const b of parts) for (const c of parts) for (const lead of ['', '/', './']) for (const trail of ['', '/']) {
    const raw = `${lead}${a}/${b}/${c}${trail}`;
    const got = normaliseEntryPath(raw);
    const want = slowly(raw);
    assert.deepEqual(got.ok ? got.path : /NUL/.test(got.reason) ? 'nul' : 'escapes', want, JSON.stringify(raw));
    names++;
  }
  for (const raw of ['', '/', 'a', 'a/', '/a', '/a/', 'a/b', '...']) assert.deepEqual(normaliseEntryPath(raw), { ok: true, path: slowly(raw) }, raw);
  assert.equal(names, 6000);
  assert.deepEqual(normaliseEntryPath('a/../b'), { ok: true, path: '/b' });
  assert.equal(normaliseEntryPath('../etc/passwd').ok, false);
  assert.equal(normaliseEntryPath('a/../../etc/passwd').ok, false);
  const links = new Map([
    ['/etc/os-release', '../usr/lib/os-release'],
    ['/lib', 'usr/lib'],
    ['/loop1', '/loop2'],
    ['/loop2', 'loop1'],
    ['/escape', '../../../../../../etc/shadow'],
  ]);
  const look = (p: string) => links.get(p);
  assert.deepEqual(resolveInRoot('/etc', '../usr/lib/os-release', look, 40), { ok: true, path: '/usr/lib/os-release' });
  assert.deepEqual(resolveInRoot('/', '/lib/apk/db/installed', look, 40), { ok: true, path: '/usr/lib/apk/db/installed' });
  assert.deepEqual(resolveInRoot('/', '/escape', look, 40), { ok: true, path: '/etc/shadow' });
  const cyc = resolveInRoot('/', '/loop1', look, 40);
  assert.equal(cyc.ok, false);
});

test('effective: overwrites, whiteouts, opaque dirs, ancestors replaced, same-layer duplicates', async () => {
  const l0 = await makeTar([
    f('etc/a'), f('etc/b'), f('opt/x/y'), f('var/lib/p'), f('keep'), f('dir/sub/file'), f('opt/z/kept'),
  ]);
  const l1 = await makeTar([
    f('opt/x/new'), // before the opaque marker, same layer: survives
    { name: 'opt/x/.wh..wh..opq', content: '' },
    { name: 'etc/.wh.a', content: '' },
    { name: 'var/lib', type: 'symlink', linkname: '/tmp' }, // a non-directory replaces an ancestor
    { name: '.wh.dir', content: '' },
    f('dup', 'first'),
    f('dup', 'second'),
    { name: '.wh..wh.plnk', content: '' }, // aufs metadata: ignored
  ]);
  const l2 = await makeTar([f('etc/b', 'b2'), { name: 'opt/z', type: 'directory' }]);
  const a = probe(/^\/(etc|opt|var|keep|dir|dup)/);
  const r = await walkImage(memImage([l0, l1, l2]), [a]);
  assert.deepEqual(view(r), [
    '0:/dir/sub/file:x:dir/sub/file',
    '0:/etc/a:x:etc/a',
    '0:/etc/b:x:etc/b',
    '0:/keep:E:keep',
    '0:/opt/x/y:x:opt/x/y',
    '0:/opt/z/kept:E:opt/z/kept',
    '0:/var/lib/p:x:var/lib/p',
    '1:/dup:x:first',
    '1:/dup:E:second',
    '1:/opt/x/new:E:opt/x/new',
    '2:/etc/b:E:b2',
  ]);
  // /var/lib became a symlink to a directory: the probe asked for it as a file, so it failed on it
  assert.deepEqual(r.problems.map((p) => `${p.reason}:${p.subject}:${p.analyzer}`), ['analyzer-error:/var/lib:probe']);
  assert.match(r.problems[0]!.detail, /^analyzer probe failed: link to \/tmp, which is not a regular file in the image \(dangling link\)/);
  assert.equal(r.analyzers[0]!.state, 'failed');
  assert.equal(r.stats.layers, 3);
  assert.equal(r.files[0]!.layer.createdBy, 'step 1');
});

test('required symlinks and hard links resolve inside the image, after the pass', async () => {
  const big = Buffer.alloc(1_200_000, 0x41); // larger than what the walker keeps: fetched in a second pass
  const l0 = await makeTar([
    f('usr/lib/os-release', 'ID=debian\n'),
    { name: 'bin/busybox', content: big },
    f('etc/shadow', 'image shadow'),
    f('usr/lib/apk/db/installed', 'P:musl\n'),
  ]);
  const l1 = await makeTar([
    { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
    { name: 'bin/sh', type: 'link', linkname: 'bin/busybox' },
    { name: 'etc/passwd', type: 'symlink', linkname: '../../../../../../etc/shadow' },
    { name: 'etc/loop', type: 'symlink', linkname: 'loop2' },
    { name: 'etc/loop2', type: 'symlink', linkname: '/etc/loop' },
    { name: 'etc/dangling', type: 'symlink', linkname: '/nope' },
    { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
    { name: 'etc/installed', type: 'symlink', linkname: '/lib/apk/db/installed' },
  ]);
  const l2 = await makeTar([f('usr/lib/os-release', 'ID=alpine\n')]);
  const a = probe(/^\/(etc\/(os-release|passwd|loop|dangling|installed)|bin\/sh)$/);
  const r = await walkImage(memImage([l0, l1, l2]), [a], { limits: { maxLinkDepth: 8 } });
  const byPath = new Map(a.seen.map((s) => [s.path, s]));
  assert.equal(byPath.get('/etc/os-release')!.content.toString(), 'ID=alpine\n', 'resolved against the final filesystem');
  assert.equal(byPath.get('/etc/os-release')!.entry.linkTarget, '/usr/lib/os-release');
  assert.equal(byPath.get('/etc/os-release')!.layer.index, 1);
  assert.equal(byPath.get('/bin/sh')!.content.length, big.length);
  assert.equal(byPath.get('/etc/passwd')!.content.toString(), 'image shadow', 'never the host file');
  assert.equal(byPath.get('/etc/installed')!.content.toString(), 'P:musl\n', 'through a directory symlink');
  assert.equal(byPath.has('/etc/dangling'), false);
  assert.equal(byPath.has('/etc/loop'), false);
  assert.ok(r.problems.some((p) => p.subject === '/etc/loop' && /cycle/.test(p.detail)), JSON.stringify(r.problems));
  assert.ok(r.files.filter((x) => x.path === '/etc/os-release').every((x) => x.effective));
});

test('a stream that reuses its memory: analyzers get each file intact while they run, and links resolve to kept copies', async () => {
  const layers = [
    await makeTar([f('usr/lib/os-release', 'ID=debian\n'), f('etc/a.conf', 'a'.repeat(700)), f('etc/b.conf', 'b'.repeat(3000)), { name: 'noise', content: Buffer.alloc(20_000, 0x4e) }]),
    await makeTar([{ name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' }, { name: 'more-noise', content: Buffer.alloc(20_000, 0x4d) }]),
  ];
  // what an analyzer sees, read while it runs (after an await, as an async analyzer may)
  const reading = (): Analyzer & { got: Map<string, string> } => {
    const got = new Map<string, string>();
    return {
      name: 'reader',
      version: 1,
      got,
      required: (p: string) => /^\/etc\/(os-release|a\.conf|b\.conf)$|^\/usr\/lib\/os-release$/.test(p),
      async analyze(file: FileInput) {
        await Promise.resolve();
        got.set(file.path, file.content.toString('latin1'));
        return [];
      },
    };
  };
  const whole = reading();
  await walkImage(memImage(layers), [whole]);
  assert.equal(whole.got.get('/etc/os-release'), 'ID=debian\n');
  assert.equal(whole.got.get('/etc/b.conf'), 'b'.repeat(3000));
  // 1 KiB chunks: os-release and a.conf lie in one chunk each (handed over as views), b.conf spans several
  for (const chunk of [1024, 4096, 512]) {
    const reused = reading();
    const r = await walkImage(memImage(layers, chunk), [reused]);
    assert.deepEqual(r.problems, []);
    assert.deepEqual([...reused.got].sort(), [...whole.got].sort(), `chunks of ${chunk}`);
  }
});

test('limits: file too large is a problem; entries, total bytes and names have limits', async () => {
  const l0 = await makeTar([f('a/big', 'x'.repeat(5000)), f('a/small', 'y'), { name: `long/${'n'.repeat(300)}`, content: 'z' }]);
  const a = probe(/^\/a\//);
  const r = await walkImage(memImage([l0]), [a], { limits: { maxFileBytes: 1000, maxPathLength: 200 } });
  assert.deepEqual(a.seen.map((s) => s.path), ['/a/small']);
  assert.ok(r.problems.some((p) => p.reason === 'file-too-large' && p.subject === '/a/big'));
  assert.ok(r.problems.some((p) => p.reason === 'limit-exceeded' && /longer than 200/.test(p.detail)));
  await assert.rejects(walkImage(memImage([l0, l0]), [a], { limits: { maxEntries: 4 } }), isErr('LIMIT_EXCEEDED', /mem.tar: layer 2 .*more than 4 entries/));
  await assert.rejects(walkImage(memImage([l0]), [a], { limits: { maxTotalBytes: 4096 } }), isErr('LIMIT_EXCEEDED', /layer 1 .*more than 4096 uncompressed bytes/));
});

test('hostile entry names are problems, never escapes; absolute names are neutralised', async () => {
  const l0 = await makeTar([f('../../etc/passwd', 'evil'), f('/etc/abs', 'abs'), f('ok/../etc/fine', 'fine')]);
  const a = probe(/^\/etc\//);
  const r = await walkImage(memImage([l0]), [a]);
  assert.deepEqual(a.seen.map((s) => s.path).sort(), ['/etc/abs', '/etc/fine']);
  assert.ok(r.problems.some((p) => p.reason === 'layer-unreadable' && /escapes the image root/.test(p.detail)));
});

test('analyzer failures become warnings and problems, not crashes', async () => {
  const l0 = await makeTar([f('x/a'), f('x/b')]);
  const boom: Analyzer = {
    name: 'boom',
    version: 1,
    required: (p) => {
      if (p === '/x/b') throw new Error('required exploded');
      return p === '/x/a';
    },
    async analyze(_f, ctx) {
      ctx.warn('looked odd');
      throw new Error('analyze exploded');
    },
  };
  const ok = probe(/^\/x\//, 'ok');
  const r = await walkImage(memImage([l0]), [boom, ok]);
  const st = r.analyzers.find((s) => s.analyzer === 'boom')!;
  assert.equal(st.files, 1);
  assert.deepEqual(st.warnings, ['/x/a: looked odd']);
  assert.equal(st.state, 'failed');
  assert.deepEqual(st.reasons, ['/x/a: analyze exploded', '/x/b: required exploded']);
  assert.deepEqual(r.problems.filter((p) => p.reason === 'analyzer-error').map((p) => `${p.subject} ${p.detail}`), ['/x/a analyzer boom failed: analyze exploded', '/x/b analyzer boom failed: required exploded']);
  assert.equal(r.analyzers.find((s) => s.analyzer === 'ok')!.state, 'complete');
  assert.equal(ok.seen.length, 2);
  assert.deepEqual(r.analyzers.map((s) => s.analyzer), ['boom', 'ok']);
});

test('a layer that is not a tar, a truncated gzip layer, a huge pax header: IMAGE_UNREADABLE naming the layer', async () => {
  const a = probe(/./);
  await assert.rejects(walkImage(memImage([Buffer.from('this is not a tar archive'.repeat(40))]), [a]), isErr('IMAGE_UNREADABLE', /mem.tar: layer 1 \(sha256:[a-f0-9]{64}\): not a valid tar/));
  const dir = tempDir();
  try {
    const layer = await makeTar([f('a', 'x'.repeat(10000))]);
    const gz = gzipSync(layer);
    const file = join(dir, 'trunc.tar');
    writeFileSync(
      file,
      await makeTar([
        { name: 'c.json', content: Buffer.from(JSON.stringify({ rootfs: { diff_ids: [sha(layer)] } })) },
        { name: 'l/layer.tar', content: gz.subarray(0, gz.length - 20) },
        { name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', Layers: ['l/layer.tar'] }]) },
      ]),
    );
    const img = await openImage(file);
    await assert.rejects(walkImage(img, [a]), isErr('IMAGE_UNREADABLE', /trunc.tar: layer 1 \(sha256:[a-f0-9]{64}\): compressed data is corrupt or truncated/));
    await img.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // a pax header claiming 64 MiB
  const h = paxHeaderClaiming(64 * 1024 * 1024);
  await assert.rejects(walkImage(memImage([Buffer.concat([h, Buffer.alloc(8192)])]), [a]), isErr('IMAGE_UNREADABLE', /layer 1 .*not a valid tar stream \(Header exceeds max size\)/));
});

test('gzip bomb layer stops at maxTotalBytes; diff_id mismatch surfaces during the walk', async () => {
  const dir = tempDir();
  try {
    const zeros = Buffer.alloc(40 * 1024 * 1024);
    const bomb = gzipSync(await makeTar([{ name: 'zeros', content: zeros }]));
    const file = join(dir, 'bomb.tar');
    writeFileSync(
      file,
      await makeTar([
        { name: 'c.json', content: Buffer.from(JSON.stringify({ rootfs: { diff_ids: [sha('whatever')] } })) },
        { name: 'l/layer.tar', content: bomb },
        { name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', Layers: ['l/layer.tar'] }]) },
      ]),
    );
    const img = await openImage(file);
    await assert.rejects(walkImage(img, [probe(/./)], { limits: { maxTotalBytes: 1024 * 1024 } }), isErr('LIMIT_EXCEEDED', /layer 1 .*more than 1048576 uncompressed bytes/));
    await assert.rejects(walkImage(img, [probe(/./)]), isErr('DIGEST_MISMATCH', /bomb.tar: layer 1 .*diff_id: digest mismatch/));
    await img.close();
    const good = join(dir, 'good.tar');
    const layers = [await makeTar([f('etc/os-release', 'ID=x\n')]), await makeTar([f('app/a')])];
    writeFileSync(good, await dockerArchive(layers));
    const img2 = await openImage(good);
    const calls: string[] = [];
    const r = await walkImage(img2, [probe(/os-release/)], { onLayer: (d, t) => calls.push(`${d}/${t}`) });
    assert.deepEqual(calls, ['1/2', '2/2']);
    assert.equal(r.files[0]!.layer.diffId, sha(layers[0]!));
    assert.equal(r.files[0]!.layer.createdBy, 'layer 1');
    await img2.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dir: source walks the tree, resolves links inside the root, never reads fifos or the host', async () => {
  const dir = tempDir();
  try {
    writeTree(dir, { 'usr/lib/os-release': 'ID=rootfs\n', 'lib/apk/db/installed': 'P:busybox\n', 'big/file': 'x'.repeat(3000) });
    mkdirSync(join(dir, 'etc'));
    symlinkSync('../usr/lib/os-release', join(dir, 'etc/os-release'));
    symlinkSync('/etc/hostname', join(dir, 'etc/hostname-link')); // absolute: inside the root, where it does not exist
    symlinkSync('../../../../../../../etc/passwd', join(dir, 'etc/passwd')); // climbs: stays inside the root
    const fifo = spawnSync('mkfifo', [join(dir, 'etc/fifo')]);
    const a = probe(/^\/(etc\/.*|lib\/apk\/db\/installed|big\/file)$/);
    const img = await openImage(`dir:${dir}`);
    const r = await walkImage(img, [a], { limits: { maxFileBytes: 1000 } });
    const got = Object.fromEntries(a.seen.map((s) => [s.path, s.content.toString()]));
    assert.deepEqual(got, { '/etc/os-release': 'ID=rootfs\n', '/lib/apk/db/installed': 'P:busybox\n' });
    assert.ok(r.problems.some((p) => p.reason === 'file-too-large' && p.subject === '/big/file'));
    assert.ok(r.files.every((x) => x.effective && x.layer.diffId === `dir:${dir}`));
    if (fifo.status !== 0) console.log('SKIPPED fifo part: mkfifo not available');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('entry info given to required(): type, size, mode', async () => {
  const l0 = await makeTar([{ name: 'bin/su', content: 'x', mode: 0o4755 }, { name: 'd', type: 'directory' }, { name: 's', type: 'symlink', linkname: 'bin/su' }]);
  const seen: EntryInfo[] = [];
  const a: Analyzer = { name: 'e', version: 1, required: (_p, e) => (seen.push(e), false), analyze: async () => [] };
  await walkImage(memImage([l0]), [a]);
  assert.deepEqual(seen, [
    { path: '/bin/su', type: 'file', size: 1, mode: 0o4755, uid: 0, gid: 0 },
    { path: '/s', type: 'symlink', size: 0, mode: 0o644, uid: 0, gid: 0, linkTarget: 'bin/su' },
  ]);
});

test('abort signal stops the walk between layers and entries', async () => {
  const l0 = await makeTar([f('a'), f('b')]);
  const ac = new AbortController();
  await assert.rejects(
    walkImage(memImage([l0, l0, l0]), [probe(/./)], { signal: ac.signal, onLayer: (d) => d === 1 && ac.abort() }),
    isErr('INTERNAL', /aborted/),
  );
  const pre = new AbortController();
  pre.abort();
  await assert.rejects(walkImage(memImage([l0]), [probe(/./)], { signal: pre.signal }), isErr('INTERNAL', /aborted/));
});

test('dir:/ walks this machine without entering /proc, /sys or /dev, reading only required files', async () => {
  const offered: string[] = [];
  let reads = 0;
  const a: Analyzer = {
    name: 'root-probe',
    version: 1,
    required: (p) => {
      if (/^\/(proc|sys|dev)\//.test(p)) offered.push(p);
      return p === '/etc/os-release';
    },
    async analyze() {
      reads++;
      return [];
    },
  };
  const img = await openImage('dir:/');
  const r = await walkImage(img, [a]);
  assert.deepEqual(offered.slice(0, 5), []);
  assert.ok(r.stats.entries > 1000, `${r.stats.entries} entries`);
  assert.ok(reads <= 1);
  assert.ok(r.stats.bytes < 1024 * 1024, 'only the required file was read');
  assert.equal(r.stats.layers, 1);
});
