// The streaming scanner: line numbers across blocks, a secret cut by a block boundary, a 50 MB single
// line, CRLF, invalid UTF-8, binary sniffing, allowlists (global and per rule, AND/OR, targets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultRules, parseRules, type RuleSet } from './config.js';
import { BLOCK, CompiledRules, shannonEntropy, SNIFF_BYTES, TextScanner } from './scan.js';

const TOKEN = 'ghp_' + 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';
const RULES = `
[[rules]]
id = "github-pat"
description = "GitHub token"
regex = '''ghp_[0-9a-zA-Z]{36}'''
keywords = ["ghp_"]

[[rules]]
id = "pem"
description = "Private key"
regex = '''(?i)-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\\s\\S-]{64,}?KEY(?: BLOCK)?-----'''
keywords = ["-----begin"]

[[rules]]
id = "pw"
description = "password"
regex = '''(?i)password\\s*=\\s*"?([a-z0-9!]{8,})'''
entropy = 2.5
keywords = ["password"]
[[rules.allowlists]]
stopwords = ["example"]
[[rules.allowlists]]
condition = "AND"
paths = ['''(?:^|/)test/''']
regexTarget = "line"
regexes = ['''#\\s*fixture''']

[allowlist]
paths = ['''(?:^|/)node_modules/''']
regexes = ['''^ghp_0+$''']
`;

function compiled(text = RULES): CompiledRules {
  return new CompiledRules(parseRules(text, 'test.toml'));
}

function scan(c: CompiledRules, path: string, chunks: (string | Buffer)[]): { hits: [string, number | undefined, string][]; binary: boolean } {
  const s = new TextScanner(c, path);
  for (const ch of chunks) s.write(typeof ch === 'string' ? Buffer.from(ch, 'latin1') : ch);
  return { hits: s.end().map((h) => [h.rule.id, h.line, h.secret.slice(0, 8)]), binary: s.binary };
}

test('lines are counted across chunks and blocks; a secret cut by a block boundary is found once', () => {
  const c = compiled();
  const line = 'x'.repeat(99) + '\n';
  const before = line.repeat(Math.floor((BLOCK + 100) / 100) + 3);
  const lines = before.length / 100;
  // the token straddles the first block's end, whatever the chunking
  for (const chunk of [1, 4096, 65536, 3 * BLOCK]) {
    const text = before + `token=${TOKEN}\n` + line.repeat(10) + `again ${TOKEN}\n`;
    const parts: string[] = [];
    for (let i = 0; i < text.length; i += chunk) parts.push(text.slice(i, i + chunk));
    assert.deepEqual(scan(c, '/a.txt', parts).hits, [['github-pat', lines + 1, 'ghp_aB3d'], ['github-pat', lines + 12, 'ghp_aB3d']], `chunk ${chunk}`);
  }
});

test('a 50 MB single line streams: secrets at the start, across blocks and at the end; buffer stays bounded', () => {
  const c = compiled();
  const s = new TextScanner(c, '/big.min.js');
  const filler = Buffer.alloc(1 << 20, 'a=b;');
  let max = 0;
  s.write(Buffer.from(`${TOKEN};`));
  for (let i = 0; i < 50; i++) {
    s.write(filler);
    if (i === 25) s.write(Buffer.from(`;${TOKEN};`));
    max = Math.max(max, s.buffered);
  }
  s.write(Buffer.from(`;${TOKEN}`));
  const hits = s.end();
  assert.equal(hits.length, 3);
  assert.ok(hits.every((h) => h.line === 1));
  assert.ok(max <= 2 * BLOCK + (1 << 20), `buffered ${max}`);
});

test('CRLF lines, invalid UTF-8 and latin1 bytes do not disturb lines or matches', () => {
  const c = compiled();
  const bytes = Buffer.concat([Buffer.from('a\r\nb\r\n'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x0d, 0x0a]), Buffer.from(`k=${TOKEN}\r\n`)]);
  assert.deepEqual(scan(c, '/w.ini', [bytes]).hits, [['github-pat', 4, 'ghp_aB3d']]);
});

test('binary content is sniffed (a NUL in the first 8000 bytes) and skipped; a NUL later is text', () => {
  const c = compiled();
  const bin = scan(c, '/bin/tool', [Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0]), `${TOKEN}\n`]);
  assert.equal(bin.binary, true);
  assert.deepEqual(bin.hits, []);
  const late = scan(c, '/x.txt', ['a'.repeat(SNIFF_BYTES) + '\0\n' + TOKEN]);
  assert.equal(late.binary, false);
  assert.equal(late.hits.length, 1);
});

test('private keys: one finding per key block, with the line of BEGIN', () => {
  const c = compiled();
  const key = (n: number): string => `-----BEGIN RSA PRIVATE KEY-----\n${'MIIEow'.repeat(10 + n)}\n${'QUFB'.repeat(16)}\n-----END RSA PRIVATE KEY-----\n`;
  const hits = scan(c, '/keys.pem', ['# two keys\n', key(1), '\n', key(2)]).hits;
  assert.deepEqual(hits.map((h) => [h[0], h[1]]), [['pem', 2], ['pem', 7]]);
});

test('allowlists: global path and regex, rule stopwords, AND of path and line', () => {
  const c = compiled();
  assert.deepEqual(scan(c, '/srv/node_modules/x/readme.md', [TOKEN]).hits, [], 'global path allowlist');
  assert.ok(c.skipsPath('/srv/node_modules/x/readme.md'));
  assert.deepEqual(scan(c, '/a', ['ghp_' + '0'.repeat(36)]).hits, [], 'global regex on the secret');
  assert.deepEqual(scan(c, '/a', ['password = "examplePw9!"\n']).hits, [], 'stopword');
  assert.deepEqual(scan(c, '/a', ['password = "Zx9!Lm2Pq7"\n']).hits.map((h) => h[0]), ['pw']);
  assert.deepEqual(scan(c, '/test/a', ['password = "Zx9!Lm2Pq7" # fixture\n']).hits, [], 'AND: path and line both match');
  assert.deepEqual(scan(c, '/src/a', ['password = "Zx9!Lm2Pq7" # fixture\n']).hits.length, 1, 'AND: the path does not match');
  assert.deepEqual(scan(c, '/a', ['password = "aaaaaaaa"\n']).hits, [], 'entropy below the rule threshold');
});

test('entropy is Shannon entropy over characters', () => {
  assert.equal(shannonEntropy(''), 0);
  assert.equal(shannonEntropy('aaaa'), 0);
  assert.equal(shannonEntropy('ab'), 1);
  assert.equal(shannonEntropy('abcd'), 2);
});

test('path decisions made once per rule set agree with testing every allowlist and rule path in turn', () => {
  const set = defaultRules();
  const compiled = CompiledRules.of(set);
  const pathOnly = (a: RuleSet['allowlists'][number]) => a.paths.length > 0 && (a.condition === 'OR' || (a.regexes.length === 0 && a.stopwords.length === 0));
  const matches = (re: RegExp, p: string) => re.test(p) || re.test(p.replace(/^\/+/, ''));
  const dirs = ['/', '/usr/share/doc/libc6/', '/srv/app/node_modules/left-pad/', '/root/.cache/pip/', '/app/vendor/github.com/x/', '/etc/ssl/certs/', '/home/u/.ssh/', '/srv/app/'];
  const names = ['copyright', 'package-lock.json', 'go.sum', 'logo.png', 'font.woff2', 'id_rsa', 'cert.p12', 'app.jks', 'README.md', 'main.js', '.env', 'yarn.lock', 'x.min.js', 'Pipfile.lock', 'secrets.yaml', 'a.pfx', 'credentials.json', 'x.svg'];
  let skipped = 0;
  for (const d of dirs) {
    for (const n of names) {
      const p = `${d}${n}`;
      const skip = set.allowlists.some((a) => a.targetRules.length === 0 && pathOnly(a) && a.paths.some((re) => matches(re, p)));
      assert.equal(compiled.skipsPath(p), skip, p);
      if (skip) skipped++;
      set.rules.forEach((r, ri) => {
        const applies = (!r.path || matches(r.path, p)) && !r.allowlists.some((a) => pathOnly(a) && a.paths.some((re) => matches(re, p))) && set.allowlists.every((a) => !(pathOnly(a) && a.targetRules.includes(r.id) && a.paths.some((re) => matches(re, p))));
        assert.equal(compiled.applies(ri, p), applies, `${r.id} at ${p}`);
        if (!compiled.pathRules.includes(ri)) assert.equal(applies, true, `${r.id} does not depend on the path`);
      });
    }
  }
  assert.ok(skipped > 0 && skipped < dirs.length * names.length, `some paths skipped, not all (${skipped})`);
  // a path-only rule still names a binary file
  const s = new TextScanner(compiled, '/home/u/.ssh/cert.p12');
  s.write(Buffer.from([0, 1, 2]));
  assert.deepEqual(s.end().map((h) => [h.rule.id, h.secret]), [['pkcs12-file', '/home/u/.ssh/cert.p12']]);
});

test('a whole file scanned where it lies (whole) finds what write then end finds, and its buffer is left as it was', () => {
  const c = compiled();
  const files: [string, Buffer][] = [
    ['/etc/app.conf', Buffer.from(`# config\nuser = ci\ntoken = ${TOKEN}\npassword = "s3cr3tPass!"\n`, 'latin1')],
    ['/srv/README', Buffer.from('nothing to see here\n'.repeat(50), 'latin1')],
    ['/usr/bin/tool', Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0]), Buffer.from(TOKEN)])],
    ['/root/.ssh/id_rsa', Buffer.from(`-----BEGIN RSA PRIVATE KEY-----\n${'A'.repeat(80)}\n-----END RSA PRIVATE KEY-----\n`, 'latin1')],
    ['/empty', Buffer.alloc(0)],
  ];
  for (const [path, buf] of files) {
    const copy = Buffer.from(buf);
    const a = new TextScanner(c, path);
    a.whole(buf);
    const b = new TextScanner(c, path);
    b.write(Buffer.from(buf));
    const hitsOf = (s: TextScanner) => s.end().map((h) => [h.rule.id, h.line, h.secret]);
    assert.deepEqual(hitsOf(a), hitsOf(b), path);
    assert.deepEqual([a.binary, a.bytes], [b.binary, b.bytes], path);
    assert.deepEqual(buf, copy, `${path}: left as it was`);
  }
  // path-only rules still name a binary file scanned whole, as through write
  const withPath = compiled(`${RULES}\n[[rules]]\nid = "keystore"\ndescription = "a keystore"\npath = '''\\.jks$'''\n`);
  const k = new TextScanner(withPath, '/opt/app/keys.jks');
  k.whole(Buffer.from([1, 0, 2]));
  assert.deepEqual(k.end().map((h) => h.rule.id), ['keystore']);
  // misuse is an error, never a silent partial scan
  const used = new TextScanner(c, '/x');
  used.write(Buffer.from('a'));
  assert.throws(() => used.whole(Buffer.from('b')), /written already/);
  const binary = new TextScanner(c, '/bin/x');
  binary.write(Buffer.from([0x7f, 0]));
  assert.throws(() => binary.whole(Buffer.from('b')), /written already/);
  const done = new TextScanner(c, '/y');
  done.whole(Buffer.from('a'));
  assert.throws(() => done.write(Buffer.from('b')), /after whole/);
  assert.throws(() => new TextScanner(c, '/z').whole(Buffer.alloc(BLOCK + 1, 0x61)), /over a block/);
});
