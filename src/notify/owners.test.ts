// The owners file parser (CODEOWNERS-like) and the router: grammar, last match wins, hostile input
// (huge files, long lines, control characters, pathological globs), secrets never in errors, and each
// owner's share of a decision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatchWork } from '../core/glob.js';
import { PortcullisError } from '../core/errors.js';
import type { ScanReport, Violation } from '../core/report.js';
import type { Policy } from '../policy/schema.js';
import { sampleReport } from '../report/testdata/sample.js';
import { lastMatch, parseOwners, type ItemFacts } from './owners.js';
import { route } from './route.js';

const IMG: ItemFacts['image'] = { name: 'registry.example.com/shop/orders-api', tag: '1.4.2' };
const fact = (path?: string, origin?: 'base' | 'app', image = IMG): ItemFacts => ({ image, ...(path ? { path } : {}), ...(origin ? { origin } : {}) });

function fails(text: string, re: RegExp, env: NodeJS.ProcessEnv = {}): string {
  let msg = '';
  assert.throws(
    () => parseOwners(text, 'OWNERS', env),
    (e: unknown) => {
      assert.ok(e instanceof PortcullisError);
      msg = e.message;
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'), 'one line');
      return true;
    },
  );
  return msg;
}

const FILE = `# comment
@platform https://hooks.example/platform
@app      https://hooks.example/app  $APP_EXTRA

*                              @platform
registry.example.com/shop/*    @app
/srv/app/                      @app        # trailing slash: everything under it
/srv/app/vendor/**
origin:base                    @platform
/usr/lib/**   https://hooks.example/direct
`;

test('grammar: teams, rules, comments; last matching line wins; a rule without owners un-owns', () => {
  const f = parseOwners(FILE, 'OWNERS', { APP_EXTRA: 'https://hooks.example/app2' });
  assert.equal(f.rules.length, 6);
  const owners = (x: ItemFacts) => lastMatch(f, x)?.owners.map((o) => o.url);
  assert.deepEqual(owners(fact(undefined, undefined, { name: 'docker.io/other/thing' })), ['https://hooks.example/platform'], '* is every image');
  assert.deepEqual(owners(fact()), ['https://hooks.example/app', 'https://hooks.example/app2'], 'image glob');
  assert.deepEqual(owners(fact('/srv/app/node_modules/qs/package.json')), ['https://hooks.example/app', 'https://hooks.example/app2']);
  assert.deepEqual(owners(fact('/srv/app/vendor/x/package.json')), [], 'a later rule without owners');
  assert.equal(lastMatch(f, fact('/srv/app/vendor/x'))?.at, 'OWNERS:8');
  assert.deepEqual(owners(fact('/srv/app/x', 'base')), ['https://hooks.example/platform'], 'origin:base comes later: it wins');
  assert.deepEqual(owners(fact('/usr/lib/x/libc.so')), ['https://hooks.example/direct'], 'a URL as owner');
  assert.deepEqual(owners(fact('config:env/AWS_KEY')), ['https://hooks.example/app', 'https://hooks.example/app2'], 'not a path: only image rules');
  assert.equal(lastMatch(f, fact('/srv/application/x'))?.at, 'OWNERS:6', '/srv/app/ is not a prefix match');
});

test('an unset $VARIABLE is kept as missing (named, never guessed); a set one must hold a URL', () => {
  const f = parseOwners(FILE, 'OWNERS', {});
  assert.deepEqual(lastMatch(f, fact('/srv/app/x'))!.owners.map((o) => o.missing ?? o.url), ['https://hooks.example/app', 'APP_EXTRA']);
  fails(FILE, /^OWNERS:3: \$APP_EXTRA does not hold an http\(s\) URL$/, { APP_EXTRA: 'not a url' });
});

test('malformed lines: one line naming file:line, and never the text of a (secret) URL', () => {
  fails('@a https://x.example/a\n\n/srv/ @b\n', /^OWNERS:3: @b: no such team/);
  fails('@a https://x.example/a\n@a https://x.example/b\n', /^OWNERS:2: @a is already defined at OWNERS:1$/);
  fails('@a\n', /^OWNERS:1: @a: a team needs at least one URL/);
  fails('@a! https://x.example\n', /^OWNERS:1: a team name is @/);
  fails('origin:middle @a\n', /^OWNERS:1: origin: expected origin:base or origin:app$/);
  fails('/srv/../etc x\n', /^OWNERS:1: a path pattern may not contain \.\.$/);
  fails('https://hooks.slack.com/services/T/B/SECRET @a\n', /^OWNERS:1: a rule starts with a pattern/);
  fails('shop/(evil) @a\n', /^OWNERS:1: an image pattern may contain/);
  const m = fails('/srv/ hooks.slack.com/services/T/B/SECRETVALUE\n', /^OWNERS:1: owner 1: expected @team, an http\(s\) URL or \$VARIABLE$/);
  assert.ok(!m.includes('SECRET'));
  fails('/srv/ ftp://x.example/secret\n', /^OWNERS:1: owner 1: expected/);
  fails('/srv/ @a\u001b[2J\n', /^OWNERS:1: control characters are not allowed$/);
  fails('/a\0 @b', /^OWNERS: not a text file/);
});

test('hostile: huge files, long lines, too many rules or owners are refused; pathological globs stay linear', () => {
  fails('#'.repeat(300 * 1024), /^OWNERS: larger than the 262144-byte limit$/);
  fails(`/${'a'.repeat(5000)} https://x.example\n`, /^OWNERS:1: line longer than 4096 characters$/);
  fails(`/${'a'.repeat(2000)} https://x.example\n`, /^OWNERS:1: pattern longer than 1024 characters$/);
  fails(Array.from({ length: 2001 }, (_, i) => `/p${i} https://x.example`).join('\n'), /^OWNERS:2001: more than 2000 rules$/);
  fails(`/p ${Array.from({ length: 51 }, () => 'https://x.example').join(' ')}`, /^OWNERS:1: more than 50 owners on one line$/);
  // a*a*a*…b against aaaa…: exponential for a backtracking matcher, pattern × value steps here
  const pattern = `/${'a*'.repeat(200)}b`;
  const f = parseOwners(`${pattern} https://x.example/a\n`, 'OWNERS');
  const value = `/${'a'.repeat(3000)}`;
  assert.equal(lastMatch(f, fact(value)), undefined);
  assert.ok(globMatchWork(pattern, value) <= pattern.length * value.length);
  // empty, comments only, CRLF and a BOM are fine
  assert.equal(parseOwners('', 'OWNERS').rules.length, 0);
  assert.equal(parseOwners('\uFEFF# x\r\n\r\n/srv/ https://x.example\r\n', 'OWNERS').rules.length, 1);
});

// ---- router ---------------------------------------------------------------------------------------

function policy(name: string, spec: Partial<Policy['spec']> = {}): Policy {
  return { apiVersion: 'portcullis/v1', kind: 'AssurancePolicy', metadata: { name }, spec: { controls: {}, ...spec } } as Policy;
}

/** The sample report with its violations pointed at files we choose. */
function report(): { r: ScanReport; paths: string[] } {
  const r = sampleReport();
  const d = r.decision!;
  const paths: string[] = [];
  const vs: Violation[] = [];
  r.findings.forEach((f, i) => {
    const path = i % 2 === 0 ? `/srv/app/node_modules/p${i}/package.json` : `/usr/lib/p${i}`;
    if (f.kind === 'vulnerability') f.package = { ...f.package, path };
    else return;
    paths.push(path);
    vs.push({ policy: 'gate', control: 'vulnerabilities.failOn', findingId: f.id, message: `m${i}`, enforcement: 'block' });
  });
  r.decision = { ...d, verdict: 'fail', violations: vs, warnings: [] };
  return { r, paths };
}

test('route: shares by owner, the policy URL gets the whole, the unowned go to the defaults, one message per URL', () => {
  const { r, paths } = report();
  assert.ok(paths.some((p) => p.startsWith('/srv/')) && paths.some((p) => p.startsWith('/usr/')), 'both kinds in the sample');
  const owners = parseOwners('@app https://h.example/app\n/srv/app/ @app\n', 'OWNERS');
  const gate = policy('gate', { notify: ['https://h.example/security'], owners: [{ team: 'platform', notify: ['https://h.example/platform'], paths: ['/usr/lib/**'] }] });
  const { deliveries, notes } = route(r, { owners, policies: [gate], defaults: ['https://h.example/default', 'https://h.example/security'] });
  assert.deepEqual(notes, []);
  const urls = deliveries.map((x) => x.url);
  assert.deepEqual(urls, ['https://h.example/security', ...(paths[0]!.startsWith('/srv/') ? ['https://h.example/app', 'https://h.example/platform'] : ['https://h.example/platform', 'https://h.example/app'])], 'everything is owned: the default gets nothing; the security URL once');
  const of = (u: string) => deliveries.find((x) => x.url === u)!.payload;
  assert.equal(of('https://h.example/security').routed, undefined);
  const app = of('https://h.example/app');
  assert.deepEqual(app.routed!.owners, ['@app']);
  assert.deepEqual(app.violations.map((v) => v.message), r.decision!.violations.filter((_, i) => paths[i]!.startsWith('/srv/')).map((v) => v.message));
  assert.deepEqual(of('https://h.example/platform').violations.map((v) => v.message), r.decision!.violations.filter((_, i) => paths[i]!.startsWith('/usr/')).map((v) => v.message));
  // without the file the app's share goes to the defaults
  const noFile = route(r, { policies: [gate], defaults: ['https://h.example/default'] }).deliveries;
  assert.deepEqual(noFile.find((x) => x.url === 'https://h.example/default')!.payload.violations.map((v) => v.message), app.violations.map((v) => v.message));
  // no owners anywhere: the defaults get the whole message, as before owners existed
  const plain = route(r, { policies: [policy('gate')], defaults: ['https://h.example/default'] }).deliveries;
  assert.equal(plain.length, 1);
  assert.equal(plain[0]!.payload.routed, undefined);
  assert.equal(plain[0]!.payload.violations.length, r.decision!.violations.length);
});

test('route: an owner that is only an unset variable leaves its items to the defaults, with a note naming the variable', () => {
  const { r } = report();
  const owners = parseOwners('@app $APP_HOOK\n/srv/ @app\n', 'OWNERS', {});
  const { deliveries, notes } = route(r, { owners, policies: [policy('gate')], defaults: ['https://h.example/default'] });
  assert.deepEqual(notes, ['owners OWNERS:1: @app: $APP_HOOK is not set: no notification to it']);
  assert.equal(deliveries.length, 1);
  assert.equal(deliveries[0]!.payload.routed, undefined, 'the default owns everything: the whole message');
  // a pass without warnings: nobody is told
  const pass = { ...r, decision: { ...r.decision!, verdict: 'pass' as const, violations: [], warnings: [] } };
  assert.deepEqual(route(pass, { owners, policies: [policy('gate')], defaults: ['https://h.example/default'] }), { deliveries: [], notes: [] });
});
