import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Analyzer, FileInput } from '../core/types.js';
import { isPortcullisError } from '../core/errors.js';
import { makeTar, tempDir, type TarEntry } from '../source/testkit.js';
import { walkImage } from './index.js';
import { memImage } from './testkit.js';
import { MAX_META_BYTES, TarFormatError, TarReader } from './tarreader.js';
import { chunked, END, header, padded, paxEntry, viaReader, viaTarStream, withChecksum, type Rec } from './tarreader.testkit.js';

const CHUNKINGS = [0, 1, 7, 511, 512, 513, 4099];

/** Both readers agree (or both fail) on `b` in every chunking; returns the records. */
async function same(b: Buffer, what: string, chunkings = CHUNKINGS): Promise<Rec[] | Error> {
  const want = await viaTarStream(b);
  for (const c of chunkings) {
    for (const readAll of [true, false]) {
      const got = await viaReader(b, c, readAll);
      if (want instanceof Error) {
        assert.ok(got instanceof Error, `${what} (chunks of ${c}): tar-stream failed (${want.message}), the reader did not`);
        continue;
      }
      assert.ok(!(got instanceof Error), `${what} (chunks of ${c}): ${got instanceof Error ? got.message : ''}`);
      const expected = readAll ? want : want.map((r, i) => (i % 2 === 0 ? r : { ...r, sha: (got as Rec[])[i]?.sha ?? '' }));
      assert.deepEqual(got, expected, `${what} (chunks of ${c}, ${readAll ? 'all read' : 'odd entries skipped'})`);
    }
  }
  return want;
}

const long = (n: number, seg = 'd'): string => {
  const parts: string[] = [];
  while (parts.join('/').length < n) parts.push(`${seg}${parts.length}`.padEnd(20, 'x'));
  return parts.join('/');
};

test('tar-stream pack output: long names (ustar prefix, PAX), unicode, links, empty and 512-byte files, PAX records', async () => {
  const entries: TarEntry[] = [
    { name: 'etc/', type: 'directory' },
    { name: 'etc/os-release', content: 'ID=debian\n' },
    { name: 'empty', content: '' },
    { name: 'block512', content: Buffer.alloc(512, 7) },
    { name: 'block513', content: Buffer.alloc(513, 9) },
    { name: `${long(120)}/file`, content: 'prefix split' },
    { name: `${long(300)}/deep`, content: 'pax path' },
    { name: 'x'.repeat(150), content: 'one long segment: pax' },
    { name: 'données/日本語/файл.txt', content: 'unicode' },
    { name: 'hard', type: 'link', linkname: 'etc/os-release' },
    { name: 'sym', type: 'symlink', linkname: `../${long(200)}/target` },
    { name: 'xattr', content: 'x', pax: { 'SCHILY.xattr.security.capability': 'abc', comment: 'a=b=c', 'ünï': 'ç' } },
    { name: 'ids', content: 'y', uid: 0o7777777, gid: 65534, mode: 0o4755 },
    { name: 'big', content: Buffer.alloc(20_000, 1) },
  ];
  const recs = await same(await makeTar(entries), 'pack');
  assert.ok(!(recs instanceof Error));
  assert.deepEqual(
    recs.map((r) => r.name),
    entries.map((e) => e.name),
  );
  assert.equal(recs.find((r) => r.name === 'sym')!.linkname, `../${long(200)}/target`);
  await same(Buffer.alloc(0), 'zero-size layer');
  await same(END, 'only the end blocks');
  await same(await makeTar([]), 'empty pack');
});

test('GNU tar output (gnu, oldgnu, ustar, pax, sparse) reads as tar-stream reads it', (t) => {
  if (spawnSync('tar', ['--version']).status !== 0) return t.skip('SKIPPED: no tar on this machine');
  const dir = tempDir();
  return (async () => {
    try {
      const root = join(dir, 'root');
      const deep = join(root, long(180), 'é'.repeat(60));
      mkdirSync(deep, { recursive: true });
      writeFileSync(join(deep, `${'n'.repeat(120)}.txt`), 'long name\n');
      writeFileSync(join(root, 'exact'), Buffer.alloc(1024, 3));
      symlinkSync(join('..', long(180), 'target-'.repeat(20)), join(root, 'longlink'));
      const sparse = join(root, 'sparse');
      writeFileSync(sparse, Buffer.alloc(0));
      spawnSync('truncate', ['-s', '300K', sparse]);
      writeFileSync(sparse, 'data at the start', { flag: 'r+' });
      for (const format of ['gnu', 'oldgnu', 'pax', 'posix']) {
        const out = join(dir, `${format}.tar`);
        const args = ['-C', root, '--format', format, '-cf', out, '.'];
        if (format !== 'posix') args.splice(0, 0, '--sparse');
        const r = spawnSync('tar', args);
        assert.equal(r.status, 0, `${format}: ${r.stderr}`);
        const recs = await same(readFileSync(out), format, [0, 7, 513]);
        assert.ok(!(recs instanceof Error), format);
        assert.ok(recs.some((x) => x.name.endsWith(`${'n'.repeat(120)}.txt`)), `${format}: the long name`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
});

test('hand-made headers: base-256 size and uid, spaces and NULs in numbers, old GNU magic, a slash-terminated file', async () => {
  const base256 = (n: number, len: number): Buffer => {
    const b = Buffer.alloc(len);
    b[0] = 0x80;
    for (let i = len - 1, v = n; i > 0; i--, v = Math.floor(v / 256)) b[i] = v % 256;
    return b;
  };
  const body = Buffer.alloc(1000, 0x61);
  const tar = Buffer.concat([
    header({ name: 'b256', size: base256(1000, 12), uid: base256(5_000_000, 8) }),
    padded(body),
    header({ name: 'spaced', mode: '  644 \0\0', size: ' 14\0      ' }),
    padded(Buffer.from('twelve bytes')),
    header({ name: 'nuls', mode: '\x00\x00\x00\x00644', size: '\0\0\0\0\0\0\0\0\0\0\0\0' }),
    header({ name: 'oldgnu', magic: 'ustar  \0', prefix: 'ignored', size: '00000000003\0' }),
    padded(Buffer.from('gnu')),
    header({ name: 'zero-typed-dir/', type: '0' }),
    header({ name: 'n', prefix: 'the/prefix' }),
    header({ name: 'weird-type', type: 'Z', size: '00000000002\0' }),
    padded(Buffer.from('zz')),
    END,
  ]);
  const recs = await same(tar, 'hand-made');
  assert.ok(!(recs instanceof Error));
  assert.deepEqual(
    recs.map((r) => [r.name, r.type, r.size, r.uid]),
    [
      ['b256', 'file', 1000, 5_000_000],
      ['spaced', 'file', 12, 0],
      ['nuls', 'file', 0, 0],
      ['oldgnu', 'file', 3, 0],
      ['zero-typed-dir/', 'file', 0, 0],
      ['the/prefix/n', 'file', 0, 0],
      ['weird-type', null, 2, 0],
    ],
  );
  // GNU long name ('L') and long link ('K') records, NUL-terminated, apply to the next header only
  const gnu = Buffer.concat([
    header({ name: '././@LongLink', type: 'L', magic: 'ustar  \0', size: '00000000011\0' }),
    padded(Buffer.from('long/name\0')),
    header({ name: '././@LongLink', type: 'K', magic: 'ustar  \0', size: '00000000007\0' }),
    padded(Buffer.from('target\0')),
    header({ name: 'short', type: '2', magic: 'ustar  \0', linkname: 'short-target' }),
    header({ name: 'plain', magic: 'ustar  \0' }),
    END,
  ]);
  const g = await same(gnu, 'gnu long names');
  assert.deepEqual(
    (g as Rec[]).map((r) => [r.name, r.linkname]),
    [
      ['long/name', 'target'],
      ['plain', null],
    ],
  );
});

test('the hostile tarballs under ../shared read as tar-stream reads them', async (t) => {
  const { sharedOrSkip } = await import('../core/shared.js');
  const dir = sharedOrSkip(t, 'fixtures/third-party/hostile');
  if (!dir) return;
  const files = spawnSync('find', [dir, '-name', '*.tar'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  assert.ok(files.length > 5);
  for (const f of files) await same(readFileSync(f), f, [0, 1, 511]);
});

async function fails(b: Buffer, re: RegExp, chunkings = CHUNKINGS): Promise<void> {
  for (const c of chunkings) {
    const got = await viaReader(b, c);
    assert.ok(got instanceof TarFormatError, `chunks of ${c}: ${got instanceof Error ? got.message : 'no error'}`);
    assert.match(got.message, re);
  }
}

test('malformed archives: a clear error, never a hang', { timeout: 30_000 }, async () => {
  const good = await makeTar([{ name: `${long(300)}/f`, content: Buffer.alloc(2000, 5) }]);
  const body = header({ name: 'f', size: '00000000012\0' });
  const corrupt = Buffer.from(body);
  corrupt[0] = 0x67;
  await fails(Buffer.concat([corrupt, padded(Buffer.from('0123456789')), END]), /checksum/);
  await fails(good.subarray(0, 300), /Unexpected end of data \(in a header/);
  await fails(good.subarray(0, 512 + 100), /Unexpected end of data \(in an extended header/);
  await fails(good.subarray(0, 2048 + 700), /Unexpected end of data \(in entry data/);
  await fails(Buffer.concat([body, Buffer.from('0123456789')]), /Unexpected end of data \(in entry data/); // padding missing
  await fails(Buffer.concat([header({ name: 'f', magic: 'xxxxx\0' }), END]), /unknown format/);
  await fails(Buffer.concat([header({ name: 'f', size: 'zz\0' }), END]), /Invalid size field/);
  // PAX records with a bogus length, no '=', a non-number
  const rec = (s: string): Buffer => Buffer.concat([header({ name: 'PaxHeader', type: 'x', size: `${s.length.toString(8).padStart(11, '0')}\0` }), padded(Buffer.from(s)), body, padded(Buffer.from('0123456789')), END]);
  await fails(rec('99 path=a\n'), /Invalid PAX record/);
  await fails(rec('5 path=abc\n'), /Invalid PAX record/);
  await fails(rec('11 pathabc\n'), /no '='/);
  await fails(rec('xx path=a\n'), /Invalid PAX record/);
  await fails(rec('11 path=abcd\n'), /Invalid PAX record/); // no newline where the length says the record ends
  await fails(Buffer.concat([paxEntry({ size: '12abc' }), body, END]), /Invalid PAX size/);
  // a declared PAX size far past the cap: refused before anything is buffered
  const huge = Buffer.alloc(12);
  huge[0] = 0x80;
  huge[5] = 1; // 2^48 bytes
  const before = process.memoryUsage().arrayBuffers;
  await fails(Buffer.concat([header({ name: 'PaxHeader', type: 'x', size: huge }), Buffer.alloc(4096)]), /Header exceeds max size/);
  await fails(Buffer.concat([header({ name: 'L', type: 'L', size: `${(MAX_META_BYTES + 1).toString(8)}\0` }), Buffer.alloc(4096)]), /Header exceeds max size/);
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
});

test('data is handed out as views of the incoming chunks, and nothing is read ahead of the consumer', async () => {
  const file = Buffer.alloc(8 * 1024 * 1024, 2);
  const tar = await makeTar([{ name: 'a', content: file }, { name: 'b', content: 'small' }]);
  const chunks = chunked(tar, 1024 * 1024);
  let pulled = 0;
  async function* source(): AsyncGenerator<Buffer> {
    for (const c of chunks) {
      pulled++;
      yield c;
    }
  }
  const r = new TarReader(source());
  const a = await r.next();
  assert.equal(a?.name, 'a');
  assert.equal(pulled, 1);
  const first = r.read();
  assert.ok(Buffer.isBuffer(first));
  assert.equal(first.buffer, chunks[0]!.buffer, 'a view, not a copy');
  assert.equal(pulled, 1);
  const b = await r.next(); // the rest of 'a' skipped without reading it through the caller
  assert.equal(b?.name, 'b');
  const body = r.read();
  assert.equal(Buffer.isBuffer(body) ? body.toString() : body, 'small');
  assert.equal(r.read(), null);
  assert.equal(await r.next(), null);
  assert.equal(pulled, chunks.length, 'the end blocks and trailing bytes are read (so digests are checked)');
});

test('where the reader follows Go archive/tar (the runtime) rather than tar-stream', async () => {
  // a symlink whose size field is not 0: no data follows it for Go; tar-stream skipped the next 512 bytes
  const hidden = Buffer.concat([header({ name: 'hidden', size: '00000000004\0' }), padded(Buffer.from('evil'))]);
  const liar = Buffer.concat([header({ name: 'link', type: '2', linkname: 'x', size: `${hidden.length.toString(8).padStart(11, '0')}\0` }), hidden, END]);
  const got = await viaReader(liar);
  assert.ok(!(got instanceof Error));
  assert.deepEqual(
    got.map((r) => r.name),
    ['link', 'hidden'],
  );
  const ts = await viaTarStream(liar);
  assert.deepEqual(
    (ts as Rec[]).map((r) => r.name),
    ['link'],
  );
  // a NUL typeflag and a trailing '/': a directory, no data (tar-stream: a file, its size skipped)
  const slash = Buffer.concat([header({ name: 'olddir/', type: '\0', size: '00000000001\0' }), header({ name: 'next' }), END]);
  assert.deepEqual(
    ((await viaReader(slash)) as Rec[]).map((r) => [r.name, r.type]),
    [
      ['olddir/', 'directory'],
      ['next', 'file'],
    ],
  );
  // both a GNU long name and a PAX path: Go takes the long name, tar-stream the path
  const both = Buffer.concat([header({ name: '././@LongLink', type: 'L', size: '00000000005\0' }), padded(Buffer.from('gnu!\0')), paxEntry({ path: 'pax!' }), header({ name: 'short' }), END]);
  assert.deepEqual(
    ((await viaReader(both)) as Rec[]).map((r) => r.name),
    ['gnu!'],
  );
  assert.deepEqual(
    ((await viaTarStream(both)) as Rec[]).map((r) => r.name),
    ['pax!'],
  );
  // a PAX global header changes no entry (tar-stream merged it into entries with their own 'x')
  const glob = Buffer.concat([paxEntry({ path: 'global/name', comment: 'c' }, 'g'), paxEntry({ mtime: '1' }), header({ name: 'mine' }), END]);
  const g = await viaReader(glob);
  assert.deepEqual(
    (g as Rec[]).map((r) => [r.name, r.pax]),
    [['mine', [['mtime', '1']]]],
  );
  // entries after the end-of-archive block are not read (tar-stream read on)
  const after = Buffer.concat([header({ name: 'one' }), Buffer.alloc(512), header({ name: 'after-the-end' }), END]);
  assert.deepEqual(
    ((await viaReader(after)) as Rec[]).map((r) => r.name),
    ['one'],
  );
  assert.deepEqual(
    ((await viaTarStream(after)) as Rec[]).map((r) => r.name),
    ['one', 'after-the-end'],
  );
  // a checksum-only block is an end too, as tar-stream's null header
  assert.deepEqual(await viaReader(Buffer.concat([withChecksum(Buffer.alloc(512)).fill(0, 0, 148), END])), []);
});

test('a stream error reaches the caller', async () => {
  const r = new TarReader(
    new Readable({
      read() {
        this.destroy(new Error('gunzip failed'));
      },
    }),
  );
  await assert.rejects(r.next(), /gunzip failed/);
});

test('walker: a layer cut in a header, in content or in a PAX record is IMAGE_UNREADABLE naming the layer; content and skips as before', async () => {
  const seen: FileInput[] = [];
  const a: Analyzer = {
    name: 'probe',
    version: 1,
    required: (p: string) => p.startsWith('/etc/'),
    analyze(f: FileInput) {
      seen.push(f);
      return Promise.resolve([]);
    },
  };
  const good = await makeTar([
    { name: 'usr/big', content: Buffer.alloc(300_000, 1) },
    { name: `etc/${long(200)}`, content: 'long' },
    { name: 'etc/os-release', content: 'ID=x\n' },
  ]);
  const r = await walkImage(memImage([good]), [a]);
  assert.deepEqual(
    seen.map((f) => [f.path, f.content.toString()]),
    [
      [`/etc/${long(200)}`, 'long'],
      ['/etc/os-release', 'ID=x\n'],
    ],
  );
  assert.equal(r.problems.length, 0);
  for (const cut of [100, 512 + 50, 512 + 512 + 1000, good.length - 1024 - 512 - 3]) {
    await assert.rejects(walkImage(memImage([good.subarray(0, cut)]), [a]), (e: unknown) => {
      assert.ok(isPortcullisError(e) && e.code === 'IMAGE_UNREADABLE', String(e));
      assert.match(e.message, /mem.tar: layer 1 \(sha256:[a-f0-9]{64}\): not a valid tar stream \(Unexpected end of data/);
      return true;
    });
  }
});

test('header checksums: the same verdict at every alignment of the header in its chunk', async () => {
  for (let t = 0; t < 2000; t++) {
    const at = (t % 8) + (t % 3) * 512;
    const mem = Buffer.alloc(at + 512);
    const h = mem.subarray(at);
    for (let i = 0; i < 512; i++) h[i] = t % 5 === 0 ? 255 : (i * 31 + t * 17) % 256;
    h.write('ustar\0', 257, 'latin1');
    h.write('00000000000\0', 124, 'latin1');
    h[156] = 0x35;
    withChecksum(h);
    const bit = (t * 7) % 512;
    if (t % 2 === 1) h[bit >= 148 && bit < 156 ? 147 : bit]! ^= 4; // corrupt one byte outside the checksum field
    const got = await viaReader(Buffer.concat([mem, END]).subarray(at), 0);
    if (t % 2 === 0) assert.ok(!(got instanceof Error), `t=${t}: ${got instanceof Error ? got.message : ''}`);
    else assert.ok(got instanceof Error && /checksum/.test(got.message), `t=${t}: corrupt header accepted`);
  }
});

/** A source over `b` in chunks of `size` that can leave bytes out (LayerStream.skip); past its end, the next read fails. */
function skipper(b: Buffer, size: number): AsyncIterable<Buffer> & { skip(n: number): void; read: number } {
  let pos = 0;
  const s = {
    read: 0,
    skip(n: number) {
      pos += n;
    },
    async *[Symbol.asyncIterator]() {
      while (pos < b.length) {
        const c = b.subarray(pos, pos + size);
        pos += c.length;
        s.read += c.length;
        yield c;
      }
      if (pos > b.length) throw new Error(`the layer ends ${pos - b.length} bytes before the data its reader passed over`);
    },
  };
  return s;
}

test('a source that can skip: content nobody reads past the current chunk is left out and counted; skipping past the end is an error', async () => {
  const big = Buffer.alloc(8 * 1024 * 1024, 3);
  const tar = await makeTar([{ name: 'a', content: big }, { name: 'b', content: 'small' }, { name: 'c', content: Buffer.alloc(300_000, 4) }]);
  const src = skipper(tar, 64 * 1024);
  let counted = 0;
  const r = new TarReader(src, (n) => (counted += n));
  const names: string[] = [];
  for (let h = await r.next(); h; h = await r.next()) {
    names.push(h.name);
    if (h.name === 'b') {
      const body = r.read();
      assert.equal(Buffer.isBuffer(body) ? body.toString() : body, 'small');
    }
  }
  assert.deepEqual(names, ['a', 'b', 'c']);
  assert.equal(counted, tar.length, 'every byte counted, read or left out');
  assert.ok(src.read < 1024 * 1024, `${src.read} bytes read of ${tar.length}`);
  // the same archive cut inside 'a': the entries before it, then the source's error, never an end
  const cut = skipper(tar.subarray(0, 2 * 1024 * 1024), 64 * 1024);
  const rc = new TarReader(cut);
  assert.equal((await rc.next())?.name, 'a');
  await assert.rejects(rc.next(), /the layer ends \d+ bytes before the data its reader passed over/);
  // a gap of less than 64 KiB past the current chunk is read through, not skipped
  const small = await makeTar([{ name: 'x', content: Buffer.alloc(70_000, 1) }, { name: 'y', content: 'z' }]);
  const s2 = skipper(small, 64 * 1024);
  const r2 = new TarReader(s2);
  while (await r2.next());
  assert.equal(s2.read, small.length);
});
