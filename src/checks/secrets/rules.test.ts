// Each default rule against its own true positive (generated from the rule's regex where the upstream file
// carries no samples: random characters from each class, so entropy thresholds are met) and against
// documentation look-alikes that must not be reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseToml } from '../../analyzers/lang/toml.js';
import { DEFAULT_RULES_PATH, defaultRules, type SecretRule } from './config.js';
import { parseRe2, type Node } from './re2.js';
import { CompiledRules, TextScanner } from './scan.js';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

const PRINTABLE = Array.from({ length: 95 }, (_, i) => i + 32);

function generate(n: Node, rand: () => number): string {
  switch (n.t) {
    case 'seq':
      return n.items.map((i) => generate(i, rand)).join('');
    case 'alt':
      return generate(n.alts[Math.floor(rand() * n.alts.length)]!, rand);
    case 'group':
      return generate(n.body, rand);
    case 'repeat': {
      const max = n.max === Infinity ? n.min + 40 : n.max;
      const count = n.lazy ? n.min : n.min === max ? n.min : Math.min(max, Math.max(n.min, max <= 64 ? max : n.min + Math.floor(rand() * 24)));
      let out = '';
      for (let i = 0; i < count; i++) out += generate(n.body, rand);
      return out;
    }
    case 'class': {
      const inSet = (c: number): boolean => n.ranges.some(([lo, hi]) => lo <= c && c <= hi) !== n.negate;
      // prefer letters and digits (what keys are made of), else any printable member
      const good = PRINTABLE.filter((c) => inSet(c) && /[A-Za-z0-9]/.test(String.fromCharCode(c)));
      const pool = good.length ? good : PRINTABLE.filter(inSet).concat(inSet(32) ? [] : [9].filter(inSet));
      return String.fromCharCode(pool[Math.floor(rand() * pool.length)] ?? 32);
    }
    case 'char':
      return String.fromCharCode(n.c);
    case 'raw':
      return '';
  }
}

function scanText(set: CompiledRules, path: string, text: string): string[] {
  const s = new TextScanner(set, path);
  s.write(Buffer.from(text, 'latin1'));
  return s.end().map((h) => h.rule.id);
}

const PATHS = ['/app/settings.conf', '/app/config.php', '/app/main.tf', '/app/secret.yaml', '/app/nuget.config'];

/** rules whose generated sample is not reported, each for a stated reason */
const NO_GENERATED_SAMPLE: Record<string, string> = {
  // greedy `.*` after `curl` swallows the generated quotes; a written sample is checked below instead
  'curl-auth-user': 'curl -u "deploy:Zq7x9Lm2Pw4Rt8Kc" https://registry.example.com/v2/',
};

test('rules whose samples are written by hand', () => {
  const compiled = new CompiledRules(defaultRules());
  for (const [id, sample] of Object.entries(NO_GENERATED_SAMPLE)) assert.ok(scanText(compiled, '/app/deploy.sh', `#!/bin/sh\n${sample}\n`).includes(id), id);
});

test('every default rule finds a true positive generated from its own regex', () => {
  const set = defaultRules();
  const compiled = new CompiledRules(set);
  const missing: string[] = [];
  for (const rule of set.rules) {
    if (!rule.regex) continue;
    if (NO_GENERATED_SAMPLE[rule.id]) continue;
    const ast = parseRe2(regexSource(rule));
    const path = PATHS.find((p) => !rule.path || rule.path.test(p))!;
    let found = false;
    for (let seed = 1; seed <= 40 && !found; seed++) {
      const sample = generate(ast, rng(seed * 7919 + rule.id.length));
      // gitleaks needs a keyword in the fragment, not in the match: where the match has none, the line names it
      const named = rule.keywords.length === 0 || rule.keywords.some((k) => sample.toLowerCase().includes(k)) ? sample : `${rule.keywords[0]} ${sample}`;
      const text = `# settings\n${named} \nother = 1\n`;
      if (scanText(compiled, path, text).includes(rule.id)) found = true;
    }
    if (!found) missing.push(rule.id);
  }
  assert.deepEqual(missing, [], `rules without a generated true positive: ${missing.join(', ')}`);
});

test('path rules match by file name only', () => {
  const compiled = new CompiledRules(defaultRules());
  assert.deepEqual(scanText(compiled, '/home/app/certs/client.p12', 'x'), ['pkcs12-file']);
  assert.deepEqual(scanText(compiled, '/home/app/certs/client.txt', 'x'), []);
});

test('documentation look-alikes and placeholders are not reported', () => {
  const compiled = new CompiledRules(defaultRules());
  const negatives = [
    'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE',
    'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    'GITHUB_TOKEN=<your-token-here>',
    'api_key: "${API_KEY}"',
    'password = {{ .Values.password }}',
    'token: ${{ secrets.GITHUB_TOKEN }}',
    'export STRIPE_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx',
    'password=changeme',
    'secret_key_base = abcdefghijklmnopqrstuvwxyz',
    'const keyboard = require("keyboard-layout");',
    'import { apiKey } from "./config";',
    'RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci',
  ];
  for (const line of negatives) assert.deepEqual(scanText(compiled, '/app/README.md', `${line}\n`), [], line);
});

function regexSource(rule: SecretRule): string {
  // the RE2 source as written upstream
  return RAW.get(rule.id)!;
}

const RAW = new Map<string, string>();
for (const r of (parseToml(readFileSync(DEFAULT_RULES_PATH, 'utf8')) as { rules: { id: string; regex?: string }[] }).rules) if (r.regex) RAW.set(r.id, r.regex);

test('the default rule set: its digest (given before its rules are parsed) is the one parsing the file gives', async () => {
  const { parseRules } = await import('./config.js');
  const eager = parseRules(readFileSync(DEFAULT_RULES_PATH, 'utf8'), DEFAULT_RULES_PATH);
  const lazy = defaultRules();
  assert.equal(lazy.digest, eager.digest);
  assert.deepEqual(
    lazy.rules.map((r) => r.id),
    eager.rules.map((r) => r.id),
  );
  assert.equal(lazy.allowlists.length, eager.allowlists.length);
  assert.doesNotMatch(readFileSync(DEFAULT_RULES_PATH, 'utf8'), /^\s*\[extend\]/m, 'the default set extends nothing (its digest is its text\'s)');
});

test('a rule opened by the lazy prefix runs its core where its opening group matches: the same findings as its whole regex', () => {
  const set = defaultRules();
  const led = set.rules.filter((r) => r.core !== undefined);
  assert.ok(led.length >= 90, `${led.length} default rules have a core`);
  const lob = set.rules.find((r) => r.id === 'lob-api-key')!.core!;
  assert.deepEqual([lob.lead.source, lob.atKeyword], ['(?:[Ll][Oo][Bb])', false], 'its keywords (test_, live_) are not what its core opens with');
  // every led rule's generated samples, among lines that hold keywords but not what the rules lead with
  const lines: string[] = [];
  for (const rule of led) {
    const ast = parseRe2(regexSource(rule));
    // with a generated prefix, and without one (the lead first on its line)
    const core: Node = ast.t === 'seq' ? { ...ast, items: ast.items.slice(1) } : ast;
    for (let seed = 1; seed <= 4; seed++) {
      const sample = generate(seed === 4 ? core : ast, rng(seed * 104729 + rule.id.length));
      // each on a line of its own between lines without keywords: a window of its own
      lines.push(rule.keywords.length === 0 || rule.keywords.some((k) => sample.toLowerCase().includes(k)) ? sample : `${rule.keywords[0]} ${sample}`, 'other = 1');
    }
    lines.push(`def test_${rule.id.replace(/-/g, '_')}(live_token, api_key=None): return ${rule.keywords.join(' + ')}`);
  }
  // (a default rule's translated fields are getters of its class: a spread copies the rest, so they are named)
  const unled = { ...set, rules: set.rules.map((r) => ({ ...r, regex: r.regex, maxWidth: r.maxWidth, multiline: r.multiline, maxNewlines: r.maxNewlines, core: undefined })) };
  const hits = (c: CompiledRules, text: string): string[] => {
    const s = new TextScanner(c, '/app/settings.conf');
    s.write(Buffer.from(text, 'latin1'));
    return s.end().map((h) => `${h.rule.id} ${h.line} ${h.secret}`);
  };
  const [led1, unled1] = [new CompiledRules(set), new CompiledRules(unled)];
  // all lines as one file, and each line as a file of its own (a window then starts where the line does)
  const whole = lines.join('\n') + '\n';
  const withLead = hits(led1, whole);
  assert.ok(withLead.length > led.length, `${withLead.length} findings`);
  assert.deepEqual(withLead, hits(unled1, whole));
  const each = (c: CompiledRules): string[] => lines.flatMap((l) => hits(c, `${l}\n`));
  assert.deepEqual(each(led1), each(unled1));
});
