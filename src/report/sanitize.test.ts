// Control characters from image or SBOM data never reach a text rendering raw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScanReport } from '../core/report.js';
import { sampleReport } from './testdata/sample.js';
import { renderToString } from './golden.js';
import { tableReporter } from './table/index.js';
import { markdownReporter } from './markdown/index.js';
import { junitReporter } from './junit/index.js';
import { sarifReporter } from './sarif/index.js';

const EVIL = '\x1b[2J\x1b]0;pwned\x07\r\nVerdict   PASS\u0000\u009b31m\u0085';

function hostileReport(): ScanReport {
  const r = sampleReport();
  r.inventory.image.name = `shop/orders${EVIL}`;
  r.inventory.os!.prettyName = `Debian${EVIL}`;
  const pkg = r.inventory.packages[1]!;
  pkg.name = `lodash${EVIL}`;
  pkg.locations[0]!.path = `/srv/app/node_modules/lo${EVIL}/package.json`;
  for (const f of r.findings) {
    f.title = `title${EVIL}`;
    if (f.kind === 'vulnerability') {
      f.package.name = `pkg${EVIL}`;
      f.package.path = `/p${EVIL}`;
      f.installedVersion = `1.0${EVIL}`;
      f.remediation = `upgrade${EVIL}`;
      f.aliases = [`GHSA${EVIL}`];
    }
    if (f.kind === 'coverage-gap') f.detail = `detail${EVIL}`;
  }
  return r;
}

// every control character except the newlines the format itself puts between its lines
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

test('table, Markdown, JUnit and SARIF carry no control character from image data', async () => {
  const r = hostileReport();
  const outs: [string, string][] = [
    ['table scan', await renderToString(tableReporter, r, { mode: 'scan', color: false })],
    ['table sbom', await renderToString(tableReporter, r, { mode: 'sbom', color: false })],
    ['markdown', await renderToString(markdownReporter, r, { mode: 'scan', color: false })],
    ['junit', await renderToString(junitReporter, r, { mode: 'scan', color: false })],
  ];
  for (const [name, out] of outs) {
    assert.doesNotMatch(out, RAW_CONTROL, `${name}: raw control character`);
    const verdicts = out.split('\n').filter((l) => /^Verdict\s+PASS/.test(l));
    assert.deepEqual(verdicts, [], `${name}: a forged verdict line`);
    assert.match(out, /pwned/, `${name}: the text itself is kept`);
  }
  // SARIF is JSON: control characters would be escaped (\u001b), so check the decoded text fields
  const sarif = await renderToString(sarifReporter, r, { mode: 'scan', color: false });
  const doc = JSON.parse(sarif) as { runs: { results: { message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[]; tool: { driver: { rules: { shortDescription: { text: string }; fullDescription: { text: string }; help: { text: string } }[] } } }[] };
  const texts: string[] = [];
  for (const res of doc.runs[0]!.results) texts.push(res.message.text, res.locations[0]!.physicalLocation.artifactLocation.uri);
  for (const rule of doc.runs[0]!.tool.driver.rules) texts.push(rule.shortDescription.text, rule.fullDescription.text, rule.help.text);
  for (const s of texts) {
    assert.doesNotMatch(s, RAW_CONTROL, `sarif: ${JSON.stringify(s)}`);
    assert.equal(s.split('\n').some((l) => /^Verdict\s+PASS/.test(l)), false, `sarif: forged line in ${JSON.stringify(s)}`);
  }
});

test('colour codes of the table are still written when asked', async () => {
  const out = await renderToString(tableReporter, hostileReport(), { mode: 'scan', color: true });
  assert.ok(out.includes('\x1b[1;31mCRITICAL'));
  assert.equal(out.includes('\x1b[2J'), false);
});
