// The keyword pass (keywords.ts): every occurrence of every keyword, overlapping ones and keywords inside
// other keywords included, ASCII case folded, as a naive search finds them; bytes above 0x7f and NULs pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeywordMatcher } from './keywords.js';

function naive(keywords: string[], text: Buffer): string[] {
  const low = Buffer.from(text.toString('latin1').replace(/[A-Z]/g, (c) => c.toLowerCase()), 'latin1');
  const out: string[] = [];
  for (let i = 0; i < low.length; i++) keywords.forEach((k, ki) => low.subarray(i, i + k.length).equals(Buffer.from(k, 'latin1')) && out.push(`${i}:${ki}`));
  return out.sort();
}

const found = (m: KeywordMatcher, b: Buffer, from?: number, to?: number): string[] => m.scan(b, from, to).map((h) => `${h.at}:${h.keyword}`).sort();

test('every occurrence, overlapping and nested, case folded, as a naive search finds them', () => {
  const keywords = ['key', 'api_key', 'apikey', 'token', 'ken', 'aaa', 'aa', 'sk_live', 'x'];
  const m = new KeywordMatcher(keywords);
  const text = Buffer.from('API_KEY=1 apikey tokEN aaaa Sk_LiVe_x kekey keN\u00e9\u0000token', 'latin1');
  assert.deepEqual(found(m, text), naive(keywords, text));
  // random bytes over a small alphabet: many partial matches and failure links
  let seed = 7;
  const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / (1 << 24);
  const alphabet = Buffer.from('aAkKeEyYnN_tToOx\u0000\u00ff ', 'latin1');
  const big = Buffer.alloc(20_000, 0).map(() => alphabet[Math.floor(rand() * alphabet.length)]!);
  assert.deepEqual(found(m, Buffer.from(big)), naive(keywords, Buffer.from(big)));
});

test('a range of the buffer: occurrences that lie wholly inside it', () => {
  const m = new KeywordMatcher(['token']);
  const b = Buffer.from('token token token');
  assert.deepEqual(found(m, b, 1, 17), ['12:0', '6:0']);
  assert.deepEqual(found(m, b, 0, 4), []);
  assert.deepEqual(new KeywordMatcher([]).scan(b), []);
});
