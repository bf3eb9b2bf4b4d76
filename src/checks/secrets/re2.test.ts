// RE2 → JavaScript translation: flags anywhere, named groups, \z, POSIX classes; what cannot be translated
// is rejected with a reason; every default rule translates to a regex of finite match width (the
// linear-time argument in re2.ts) and keeps its meaning on samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRe2, Re2Error, translateRe2, UNBOUNDED_CAP } from './re2.js';
import { loadRules } from './config.js';

test('inline flags: (?i) at the start, in the middle of a group, (?i:...) and (?-i:...)', () => {
  const whole = compileRe2('(?i)abc');
  assert.ok(whole.test('xABCx'));
  const mid = compileRe2('\\b(p8e-(?i)[a-z0-9]{4})x');
  assert.ok(mid.test('p8e-AbC1x'));
  assert.ok(!mid.test('P8E-abc1x'), 'the prefix before (?i) stays case-sensitive');
  assert.ok(!mid.test('p8e-abc1X'), '(?i) ends with its group');
  const scoped = compileRe2('a(?i:b)c');
  assert.ok(scoped.test('aBc'));
  assert.ok(!scoped.test('aBC'));
  const off = compileRe2('(?i)a(?-i:b)c');
  assert.ok(off.test('AbC'));
  assert.ok(!off.test('ABC'));
  const negated = compileRe2('(?i)[^a-c]');
  assert.ok(!negated.test('B'), 'case folding applies before negation');
  assert.ok(compileRe2('(?s)a.b').test('a\nb'));
  assert.ok(!compileRe2('a.b').test('a\nb'));
});

test('named groups, \\z, \\A, POSIX classes, \\x{...}, octal', () => {
  const m = compileRe2('(?P<key>[[:alnum:]]{3})\\z').exec('xx ab1');
  assert.equal(m?.groups?.key, 'ab1');
  assert.ok(!compileRe2('ab\\z').test('ab\n'), '\\z is the very end, not before a final newline');
  assert.ok(compileRe2('\\Aab').test('abc'));
  assert.ok(!compileRe2('\\Aab').test('cab'));
  assert.ok(compileRe2('[[:^digit:]]').test('a'));
  assert.ok(!compileRe2('^[[:^digit:]]$').test('5'));
  assert.ok(compileRe2('\\x{41}\\x42\\101').test('ABA'));
  assert.ok(compileRe2('[^]]x').test('ax'), '] right after [^ is a literal');
  assert.ok(compileRe2('{{[^}]+}}').test('{{ x }}'), 'a brace that starts no repetition is literal');
  assert.equal(translateRe2('a*').source, `a{0,${UNBOUNDED_CAP}}`);
});

test('what cannot be translated with the same meaning is rejected, saying why', () => {
  const cases: [string, RegExp][] = [
    ['\\pL+', /Unicode classes/],
    ['(a)\\1', /back references/],
    ['(?=a)', /look-around/],
    ['(?<!a)b', /look-around/],
    ['(?U)a+', /ungreedy/],
    ['(?m)^a', /multi-line/],
    ['a{1001}', /at most 1000/],
    ['a{3,2}', /bad repetition range/],
    ['a**', /nested repetition/],
    ['*a', /missing argument/],
    ['[a', /missing closing/],
    ['(a', /missing "\)"/],
    ['a)', /unexpected "\)"/],
    ['[z-a]', /bad character class range/],
    ['[[:nope:]]', /unknown POSIX class/],
    ['\\Qa.b\\E', /quoted text/],
    ['\\', /trailing backslash/],
    ['\\y', /invalid escape/],
  ];
  for (const [p, why] of cases) assert.throws(() => translateRe2(p), (e: unknown) => e instanceof Re2Error && why.test(e.message), p);
});

test('linear time: every default rule and allowlist regex translates to a finite match width', () => {
  // A backtracking match that can consume at most W characters reads only the W characters after its
  // start, so its work per start position is a constant of the regex: linear over the text (re2.ts).
  const set = loadRules();
  assert.ok(set.rules.length >= 200);
  for (const r of set.rules) {
    if (!r.regex) continue;
    assert.ok(Number.isFinite(r.maxWidth) && r.maxWidth > 0 && r.maxWidth <= 200_000, `${r.id}: width ${r.maxWidth}`);
    assert.ok(!/[*+]|\{\d+,\}/.test(r.regex.source.replace(/\\./g, '').replace(/\[[^\]]*\]/g, '')), `${r.id}: an unbounded repetition was left in ${r.regex.source}`);
  }
});

test('a long hostile line through every default rule: no rule backtracks out of its window', () => {
  // 16 KiB lines built from each rule's own keywords and the characters its classes accept: every start
  // position fails after reading at most maxWidth characters, so the scan ends (an exponential pattern
  // such as (a+)+b would not finish on these inputs within the test runner's timeout). Throughput on
  // such lines is measured by `npm run bench`, never asserted here.
  const set = loadRules();
  const fillers = ['a'.repeat(1 << 14), ' \t'.repeat(1 << 13), 'a='.repeat(1 << 13)];
  for (const r of set.rules) {
    if (!r.regex) continue;
    const kw = r.keywords[0] ?? 'key';
    const line = (kw + '=').repeat(Math.floor((1 << 14) / (kw.length + 1)));
    for (const text of [line, ...fillers.map((f) => kw + f)]) {
      r.regex.lastIndex = 0;
      let n = 0;
      while (r.regex.exec(text) && n++ < 10);
    }
  }
});
