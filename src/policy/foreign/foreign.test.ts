import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from '../evaluate.js';
import { readForeign, convertForeign, foreignKind } from './index.js';
import { CTX, CURL, NOW, ZLIB, policy, report, set, vuln } from '../testdata/synthetic.js';

// Samples in the shape of each tool's documentation.
const TRIVYIGNORE = `# Accept the risk
CVE-2018-14618

# Accept the risk until 2026-12-31
CVE-2023-38545 exp:2026-12-31

# No impact in our settings
CVE-2019-1543
`;

const TRIVYIGNORE_YAML = `vulnerabilities:
  - id: CVE-2022-40897
    paths:
      - "usr/local/lib/python3.9/site-packages/setuptools-58.1.0.dist-info/METADATA"
    statement: Accept the risk
  - id: CVE-2023-2650
  - id: CVE-2023-38545
    purls:
      - "pkg:deb/debian/curl"
    expired_at: 2026-12-31
    statement: curl only talks to our proxy
misconfigurations:
  - id: AVD-DS-0002
    paths:
      - "docs/Dockerfile"
    statement: The image needs root privileges
secrets:
  - id: aws-access-key-id
licenses:
  - id: GPL-3.0
`;

const GRYPE = `ignore:
  # This is the full set of supported rule fields:
  - vulnerability: CVE-2008-4318
    fix-state: unknown
    package:
      name: libcurl
      version: 1.5.1
      type: npm
      location: "/usr/local/lib/node_modules/**"
  # We can make rules to match just by vulnerability ID:
  - vulnerability: CVE-2023-38545
    reason: curl only talks to our proxy
  # ...or just by a single package field:
  - package:
      type: gem
  - fix-state: not-fixed
`;

const SNYK = `version: v1.25.0
ignore:
  SNYK-JS-LODASH-567746:
    - '*':
        reason: None Given
        expires: 2026-12-15T09:00:00.000Z
        created: 2026-11-15T09:00:00.000Z
  CVE-2023-38545:
    - 'app > curl':
        reason: proxy only
        expires: 2026-12-20T00:00:00.000Z
patch: {}
`;

test('file names choose the format', () => {
  assert.equal(foreignKind('/x/.trivyignore'), 'trivyignore');
  assert.equal(foreignKind('prod.trivyignore'), 'trivyignore');
  assert.equal(foreignKind('.trivyignore.yaml'), 'trivyignore-yaml');
  assert.equal(foreignKind('.grype.yaml'), 'grype');
  assert.equal(foreignKind('.snyk'), 'snyk');
  assert.equal(foreignKind('exceptions.yaml'), undefined);
});

test('.trivyignore: ids with exp:, comments; undated entries warned and dated by the clock (90 days), never permanent', () => {
  const d = readForeign(TRIVYIGNORE, '.trivyignore', NOW);
  assert.deepEqual(d.exceptions.map((e) => [e.id, e.finding, e.expires ?? `${e.created}+${e.ttl}`]), [
    ['.trivyignore:2', 'CVE-2018-14618', '2026-11-29+90d'],
    ['.trivyignore:5', 'CVE-2023-38545', '2026-12-31'],
    ['.trivyignore:8', 'CVE-2019-1543', '2026-11-29+90d'],
  ]);
  assert.deepEqual(d.exceptions[1]!.scope, { all: true });
  assert.equal(d.warnings!.filter((w) => /no expiry/.test(w)).length, 2);
  assert.equal(d.warnings!.filter((w) => /no reason given/.test(w)).length, 3);
  assert.throws(() => readForeign('CVE-1 expires:2026-01-01\n', 'x.trivyignore', NOW), /^PortcullisError: x\.trivyignore:1: unexpected "expires:2026-01-01" after the id/);
  assert.throws(() => readForeign('CVE-1 exp:soon\n', '.trivyignore', NOW), /\.trivyignore:1: expiry "soon": expected a date/);
});

test('.trivyignore.yaml: sections, paths made absolute, one exception per purl (package and version), statement as reason', () => {
  const d = readForeign(TRIVYIGNORE_YAML, '.trivyignore.yaml', NOW);
  const byId = Object.fromEntries(d.exceptions.map((e) => [e.id, e]));
  assert.deepEqual(byId['.trivyignore.yaml:vulnerabilities[0]']!.paths, ['/usr/local/lib/python3.9/site-packages/setuptools-58.1.0.dist-info/METADATA']);
  const curl = byId['.trivyignore.yaml:vulnerabilities[2].purls[0]']!;
  assert.equal(curl.package, 'pkg:deb/debian/curl');
  assert.equal(curl.reason, 'curl only talks to our proxy');
  assert.equal(curl.expires, '2026-12-31');
  assert.equal(byId['.trivyignore.yaml:secrets[0]']!.finding, 'aws-access-key-id');
  assert.throws(() => readForeign('vulnerabilities: {}\n', '.trivyignore.yaml', NOW), /vulnerabilities: expected a list/);
  assert.throws(() => readForeign('vulns: []\n', '.trivyignore.yaml', NOW), /vulns: unknown section/);
  assert.throws(() => readForeign('vulnerabilities: [{id: ""}]\n', '.trivyignore.yaml', NOW), /vulnerabilities\[0\]\.id: expected a non-empty string/);
  assert.throws(() => readForeign('a: [\n', '.trivyignore.yaml', NOW), /^PortcullisError: \.trivyignore\.yaml: invalid YAML/);
});

test('.grype.yaml: vulnerability, fix-state and package fields become narrowing fields; a rule matching everything is refused', () => {
  const d = readForeign(GRYPE, '.grype.yaml', NOW);
  const [full, byId, gems, unfixed] = d.exceptions;
  assert.deepEqual({ f: full!.finding, s: full!.fixState, p: full!.package, v: full!.version, t: full!.type, paths: full!.paths }, { f: 'CVE-2008-4318', s: 'unknown', p: 'libcurl', v: '1.5.1', t: 'npm', paths: ['/usr/local/lib/node_modules/**'] });
  assert.equal(byId!.reason, 'curl only talks to our proxy');
  assert.deepEqual([gems!.finding, gems!.type], ['*', 'gem']);
  assert.deepEqual([unfixed!.finding, unfixed!.fixState], ['*', 'not-fixed']);
  assert.throws(() => readForeign('ignore:\n  - reason: everything\n', '.grype.yaml', NOW), /ignore\[0\]: a rule that matches everything is refused/);
  assert.throws(() => readForeign('ignore:\n  - package: {type: cobol}\n', '.grype.yaml', NOW), /unknown Grype package type "cobol"/);
  assert.throws(() => readForeign('ignore:\n  - vulnerability: CVE-1\n    severity: high\n', '.grype.yaml', NOW), /ignore\[0\]\.severity: unknown field/);
});

test('.snyk: ids with paths; a dependency path becomes its package (warned); Snyk ids are warned about', () => {
  const d = readForeign(SNYK, '.snyk', NOW);
  assert.deepEqual(d.exceptions.map((e) => [e.finding, e.package, e.expires, e.created]), [
    ['SNYK-JS-LODASH-567746', undefined, '2026-12-15T09:00:00.000Z', '2026-11-15T09:00:00.000Z'],
    ['CVE-2023-38545', 'curl', '2026-12-20T00:00:00.000Z', undefined],
  ]);
  assert.ok(d.warnings!.some((w) => /Snyk id names Snyk's own database/.test(w)));
  assert.ok(d.warnings!.some((w) => /dependency path "app > curl" is converted to its package curl/.test(w)));
});

test('converted rules suppress what the original tool would: by id, by purl, by fix state and type; nothing else', () => {
  const p = [policy('p', { vulnerabilities: { failOn: 'low' } })];
  const curl = vuln();
  const zlib = vuln({ advisoryId: 'CVE-2023-45853', aliases: [], package: ZLIB, fixState: 'not-fixed', fixedVersion: undefined });
  const other = vuln({ advisoryId: 'CVE-2024-0001', aliases: [], package: { ...CURL, name: 'libcurl4', purl: 'pkg:deb/debian/libcurl4@7.88.1' } });
  const judge = (text: string, file: string) => {
    const d = readForeign(text, file, NOW);
    const ex = { ...set(d.exceptions), warnings: d.warnings };
    return evaluate(report({ findings: [curl, zlib, other] }), p, ex, CTX).suppressed.map((s) => `${s.findingId} ${s.ruleId}`).sort();
  };
  assert.deepEqual(judge(TRIVYIGNORE, '.trivyignore'), [`${curl.id} .trivyignore:5`]);
  assert.deepEqual(judge(TRIVYIGNORE_YAML, '.trivyignore.yaml'), [`${curl.id} .trivyignore.yaml:vulnerabilities[2].purls[0]`]);
  assert.deepEqual(judge(GRYPE, '.grype.yaml'), [`${curl.id} .grype.yaml:ignore[1]`, `${zlib.id} .grype.yaml:ignore[3]`]);
  assert.deepEqual(judge(SNYK, '.snyk'), [`${curl.id} .snyk:CVE-2023-38545[0]`]);
  // warnings reach the decision's notices
  const d = readForeign(TRIVYIGNORE, '.trivyignore', NOW);
  const dec = evaluate(report({ findings: [curl] }), p, { ...set(d.exceptions), warnings: d.warnings }, CTX);
  assert.ok(dec.notices.some((n) => /^\.trivyignore:2: no expiry/.test(n)));
  assert.equal(convertForeign('', '.grype.yaml', NOW).exceptions.length, 0);
});
