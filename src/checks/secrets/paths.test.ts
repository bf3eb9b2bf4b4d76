import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultRules } from './config.js';
import { pathTest, relativeForm, relativeMatters } from './paths.js';

/** what a path test must answer: some regex matches the absolute or the relative form */
function naive(res: RegExp[], path: string): boolean {
  return res.some((re) => {
    re.lastIndex = 0;
    if (re.test(path)) return true;
    re.lastIndex = 0;
    return re.test(path.replace(/^\/+/, ''));
  });
}

test('relativeForm drops every leading slash and nothing else', () => {
  assert.equal(relativeForm('/srv/app/.env'), 'srv/app/.env');
  assert.equal(relativeForm('///srv//x/'), 'srv//x/');
  assert.equal(relativeForm('srv/x'), 'srv/x');
  assert.equal(relativeForm(''), '');
  assert.equal(relativeForm('/'), '');
});

test('relativeMatters: anchors, lookbehinds and \\B look before the match; a leading (?:^|/) and negated classes do not', () => {
  for (const re of [/^go\.mod$/, /a|^b/, /(?<=x)y/, /(?<!x)y/, /\Bfoo/, /x(?:^|\/)y/, /((?:^|\/)x)/, /[a]^/, /(?:^|\/)a|^b/]) {
    assert.equal(relativeMatters(re), true, re.source);
  }
  for (const re of [/\.gem$/, /(?:^|\/)node_modules(?:\/.*)?$/, /(?:^|\x2f)[^\x2f]+\.p12$/, /(?:^|\/)[^/]+\.p(?:12|fx)$/i, /[\^]x/, /\^x/, /\bfoo/, /(?=a)a/, /(?:^|\/)a|b/]) {
    assert.equal(relativeMatters(re), false, re.source);
  }
});

const PATHS = [
  '/srv/app/.env',
  '/go.mod',
  'go.mod',
  '/app/go.mod',
  '//node_modules/x/index.js',
  '/usr/lib/node_modules/npm/package.json',
  '/opt/certs/client.p12',
  '/client.P12',
  'client.pfx',
  '/usr/lib/python3.11/site-packages/x.py',
  '/lib/python3.11/os.py',
  '/vendor/modules.txt',
  '/app/vendor/github.com/x/y.go',
  '/home/u/.git',
  '/x/gitleaks.toml',
  '/a/b/Database.refactorlog',
  '/img/logo.PNG',
  '/etc/nuget.config',
  '/k8s/secret.yaml',
  '/deploy/main.tf',
  '/app/index.php',
  '/layers/meta-x/recipe.bbappend',
  '/x/@octokit/auth-token/README.md',
  '@octokit/auth-token/README.md',
  '/venv/lib/python3.9/x',
  '/',
  '',
  '/a\nb/.env',
];

test('pathTest answers as testing every regex on both forms, for the default rules and the global allowlist', () => {
  const set = defaultRules();
  const groups: RegExp[][] = [set.allowlists.flatMap((a) => a.paths)];
  for (const r of set.rules) {
    if (r.path) groups.push([r.path]);
    for (const a of r.allowlists) if (a.paths.length) groups.push(a.paths);
  }
  assert.ok(groups[0]!.length >= 20, 'the default global allowlist has its paths');
  let matched = 0;
  for (const res of groups) {
    const t = pathTest(res);
    for (const p of PATHS) {
      const want = naive(res, p);
      assert.equal(t(p), want, `${p} against ${res.map((r) => r.source).join(' | ')}`);
      if (want) matched++;
    }
  }
  assert.ok(matched >= 15, `the corpus exercises matches (${matched})`);
});

test('pathTest: regexes that need the relative form, mixed flags, global regexes and none at all', () => {
  const groups: RegExp[][] = [[/^go\.mod$/, /\.gem$/], [/^srv\//i, /(?:^|\/)\.env$/], [/^a$/g, /b/y], [/^go\.mod$/], [], [/(?<![a-z])node_modules\//]];
  for (const res of groups) {
    const t = pathTest(res);
    for (const p of [...PATHS, '/srv/x', 'SRV/x', '/a', 'b', '/b', '/x.gem', '/node_modules/y']) {
      // twice: a global or sticky regex must not carry lastIndex from one path to the next
      assert.equal(t(p), naive(res, p), `${p} against ${res.map(String).join(' ')}`);
      assert.equal(t(p), naive(res, p), `${p} (again) against ${res.map(String).join(' ')}`);
    }
  }
});
