// Loading gitleaks configurations: the default set, extend with useDefault / path and disabledRules, and
// malformed or hostile files rejected with one line naming the file and the rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PortcullisError } from '../../core/errors.js';
import { DEFAULT_RULES_PATH, defaultRules, loadRules, parseRules, TRANSLATIONS_PATH, translationsOf } from './config.js';

const bad = (text: string, why: RegExp): void =>
  assert.throws(() => parseRules(text, 'my.toml'), (e: unknown) => e instanceof PortcullisError && e.code === 'BAD_INPUT' && /^my\.toml: /.test(e.message) && why.test(e.message) && !e.message.includes('\n'), why.source);

test('the default rules load: 222 rules, sorted ids, a digest', () => {
  const set = defaultRules();
  assert.equal(set.rules.length, 222);
  assert.deepEqual(set.rules.map((r) => r.id), [...set.rules.map((r) => r.id)].sort());
  assert.match(set.digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(set.rules.find((r) => r.id === 'private-key')?.multiline, true);
  assert.equal(set.rules.find((r) => r.id === 'github-pat')?.multiline, false);
});

test('the default rules translate their regexes on first use, to what an eager parse of the same file gives', () => {
  const lazy = loadRules();
  // a lazy rule says whether it was translated; an eager one is plain data, translated at load
  const pending = (r: object): boolean => (r as { translated?: boolean }).translated === false;
  assert.ok(lazy.rules.filter((r) => r.hasRegex).every(pending), 'nothing translated at load');
  const eager = parseRules(readFileSync(DEFAULT_RULES_PATH, 'utf8'), DEFAULT_RULES_PATH);
  assert.ok(!eager.rules.some(pending));
  assert.equal(lazy.digest, eager.digest);
  // every field a rule has, read through its getters (a spread would see only a lazy rule's own fields)
  const fields = (r: (typeof eager.rules)[number]) => ({
    id: r.id,
    description: r.description,
    severity: r.severity,
    hasRegex: r.hasRegex,
    maxWidth: r.maxWidth,
    multiline: r.multiline,
    maxNewlines: r.maxNewlines,
    secretGroup: r.secretGroup,
    entropy: r.entropy,
    keywords: r.keywords,
    keywordInMatch: r.keywordInMatch,
    path: r.path?.source,
    allowlists: r.allowlists,
    regex: r.regex?.source,
    core: r.core && { ...r.core, regex: r.core.regex.source, prefix: r.core.prefix.source, lead: r.core.lead.source },
  });
  // and nothing else: a field added to SecretRule must be added here too
  assert.deepEqual(Object.keys(eager.rules.find((r) => r.core)!).sort(), Object.keys(fields(eager.rules[0]!)).sort());
  assert.deepEqual(lazy.rules.map(fields), eager.rules.map(fields));
  assert.ok(!lazy.rules.some(pending), 'translated once read, then plain data');
  const gh = lazy.rules.find((r) => r.id === 'github-pat')!;
  assert.equal(gh.regex, gh.regex, 'the same RegExp on every read');
  // rule objects keep one shape (fields fixed at construction): per-object accessors made them hash tables
  assert.ok(lazy.rules.every((r) => Object.getOwnPropertyDescriptor(r, 'regex') === undefined), 'no per-object accessors');
});

test('extend useDefault adds rules and disables some; path extends a file beside it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-cfg-'));
  const mine = join(dir, '.gitleaks.toml');
  writeFileSync(mine, `[extend]\nuseDefault = true\ndisabledRules = ["generic-api-key"]\n\n[[rules]]\nid = "acme-token"\nregex = '''acme_[a-z0-9]{20}'''\nkeywords = ["acme_"]\n`);
  const set = loadRules(mine);
  assert.equal(set.rules.length, 222);
  assert.ok(set.rules.some((r) => r.id === 'acme-token'));
  assert.ok(!set.rules.some((r) => r.id === 'generic-api-key'));
  assert.notEqual(set.digest, defaultRules().digest);
  const child = join(dir, 'child.toml');
  writeFileSync(child, `[extend]\npath = ".gitleaks.toml"\n`);
  assert.ok(loadRules(child).rules.some((r) => r.id === 'acme-token'));
});

test('malformed configurations name the file and the rule', () => {
  bad('[[rules]\nid = "x"', /TOML: line 1/);
  bad('[[rules]]\nregex = "a"', /rules\[0\]: a rule needs an id/);
  bad('[[rules]]\nid = "x"', /rule "x": a rule needs a regex or a path/);
  bad(`[[rules]]\nid = "uni"\nregex = '''\\pL+'''`, /rule "uni": cannot translate the RE2 regex safely: Unicode classes/);
  bad(`[[rules]]\nid = "la"\nregex = '''a(?=b)'''`, /rule "la": cannot translate.*look-around/);
  bad(`[[rules]]\nid = "e"\nregex = '''a*'''`, /rule "e": the regex matches the empty string/);
  bad(`[[rules]]\nid = "g"\nregex = '''(a)'''\nsecretGroup = 2`, /rule "g"\.secretGroup: expected a capture group number between 0 and 1/);
  bad(`[[rules]]\nid = "n"\nregex = '''a'''\nentropy = "high"`, /rule "n"\.entropy/);
  bad(`[[rules]]\nid = "k"\nregex = '''a'''\nkeywords = "a"`, /rule "k"\.keywords: expected a list of strings/);
  bad(`[[rules]]\nid = "u"\nregex = '''a'''\nregexx = 1`, /rule "u": unknown key "regexx"/);
  bad(`[[rules]]\nid = "d"\nregex = '''a'''\n[[rules]]\nid = "d"\nregex = '''b'''`, /rule "d": defined twice/);
  bad(`[[rules]]\nid = "a"\nregex = '''a'''\n[[rules.allowlists]]\ndescription = "empty"`, /rule "a"\.allowlists\[0\]: an allowlist needs regexes, paths or stopwords/);
  bad(`[[rules]]\nid = "a"\nregex = '''a'''\n[[rules.allowlists]]\ncondition = "XOR"\npaths = ['''x''']`, /condition: expected OR or AND/);
  bad(`[extend]\nuseDefault = true\ndisabledRules = ["nope"]`, /extend\.disabledRules: no rule "nope"/);
  assert.throws(() => parseRules(`[extend]\npath = "/nonexistent/x.toml"`, 'my.toml'), /^PortcullisError: \/nonexistent\/x\.toml: cannot read the secret rules: ENOENT$|\/nonexistent\/x\.toml: cannot read the secret rules: ENOENT/);
  bad(`title = "x"`, /no rules defined/);
  bad(`[[rules]]\nid = "big"\nregex = '''a{5000}'''`, /at most 1000/);
});

test('a rules file that extends itself is stopped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-cfg-'));
  const f = join(dir, 'loop.toml');
  writeFileSync(f, `[extend]\npath = "loop.toml"\n[[rules]]\nid = "x"\nregex = '''x'''\n`);
  assert.throws(() => loadRules(f), /extends nest deeper than 2/);
});

test('the precomputed translations are the default rules\' patterns translated afresh (regenerate: scripts/gen-secret-rules.ts)', () => {
  const fresh = translationsOf(readFileSync(DEFAULT_RULES_PATH, 'utf8'), DEFAULT_RULES_PATH);
  assert.equal(readFileSync(TRANSLATIONS_PATH, 'utf8'), fresh, 'gitleaks.translated.json is stale: run node --import tsx scripts/gen-secret-rules.ts');
  const rows = (JSON.parse(fresh) as { translations: [string, { source: string }][] }).translations;
  assert.ok(rows.length > 300, `${rows.length} patterns`);
  // the process-wide default set and a fresh parse of the file agree
  const viaTable = defaultRules();
  const direct = parseRules(readFileSync(DEFAULT_RULES_PATH, 'utf8'), DEFAULT_RULES_PATH);
  assert.equal(viaTable.digest, direct.digest);
  assert.deepEqual(viaTable.rules.map((r) => [r.id, r.regex?.source, r.core?.regex.source, r.path?.source]), direct.rules.map((r) => [r.id, r.regex?.source, r.core?.regex.source, r.path?.source]));
});

test('the default rules\' prepared TOML document is used for that very text only, and gives what parsing it gives', () => {
  const text = readFileSync(DEFAULT_RULES_PATH, 'utf8');
  const file = JSON.parse(readFileSync(TRANSLATIONS_PATH, 'utf8')) as { parsed?: { sha256: string; document: Record<string, unknown> } };
  assert.ok(file.parsed, 'the document is prepared');
  assert.equal(file.parsed.sha256, createHash('sha256').update(text).digest('hex'));
  // translationsOf parses the TOML itself; the prepared document is what it parsed
  const fresh = JSON.parse(translationsOf(text, DEFAULT_RULES_PATH)) as { parsed: { document: unknown } };
  assert.deepEqual(file.parsed.document, fresh.parsed.document);
  const all = (set: ReturnType<typeof parseRules>): unknown => JSON.stringify(set.rules.map((r) => ({ ...r, regex: r.regex?.source, core: r.core?.regex.source, path: r.path?.source, allowlists: r.allowlists.length })));
  assert.equal(all(parseRules(text, DEFAULT_RULES_PATH)), all(parseRules(text, DEFAULT_RULES_PATH)));
  // one byte more (a comment) is another text: parsed as TOML, and the rule removed from it is gone
  const without = `${text.slice(0, text.indexOf('[[rules]]\nid = "zendesk-secret-key"'))}\n# edited: its last rule removed\n`;
  assert.notEqual(without, text);
  const edited = parseRules(without, DEFAULT_RULES_PATH);
  assert.equal(edited.rules.length, 221);
  assert.equal(edited.rules.some((r) => r.id === 'zendesk-secret-key'), false);
});
