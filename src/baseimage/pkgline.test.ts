import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packageLine, parsePackageLine, type CatalogPackage } from './pkgline.js';
import { parseCatalog, renderCatalog } from './catalog.js';
import { dig } from './testutil.js';

const full: CatalogPackage = {
  type: 'rpm',
  name: 'nodejs',
  version: '18.14.2-2.module_el8.7.0+3370+c1f6d9e8',
  arch: 'x86_64',
  epoch: 1,
  source: { name: 'nodejs', version: '18.14.2-2.module_el8.7.0+3370+c1f6d9e8' },
  distro: { id: 'rocky', versionId: '8.7', codename: 'green' },
  modularityLabel: 'nodejs:18:8070020230306170042:bd1311ed',
  purl: 'pkg:rpm/rocky/nodejs@18.14.2-2.module_el8.7.0%2B3370%2Bc1f6d9e8?arch=x86_64&epoch=1&distro=rocky-8.7',
};

test('line form round trips every field', () => {
  const line = packageLine(full)!;
  assert.equal(
    line,
    'rpm nodejs 18.14.2-2.module_el8.7.0+3370+c1f6d9e8 arch=x86_64 epoch=1 src=nodejs srcv=18.14.2-2.module_el8.7.0+3370+c1f6d9e8 distro=rocky:8.7:green module=nodejs:18:8070020230306170042:bd1311ed pkg:rpm/rocky/nodejs@18.14.2-2.module_el8.7.0%2B3370%2Bc1f6d9e8?arch=x86_64&epoch=1&distro=rocky-8.7',
  );
  assert.deepEqual(parsePackageLine(line), full);
  const min: CatalogPackage = { type: 'npm', name: '@types/node', version: '20.1.0', purl: 'pkg:npm/%40types/node@20.1.0' };
  assert.deepEqual(parsePackageLine(packageLine(min)!), min);
  assert.deepEqual(parsePackageLine('apk musl 1.1.22-r3 distro=alpine pkg:apk/alpine/musl@1.1.22-r3'), { type: 'apk', name: 'musl', version: '1.1.22-r3', distro: { id: 'alpine' }, purl: 'pkg:apk/alpine/musl@1.1.22-r3' });
});

test('fields that cannot be tokens fall back to the mapping form, which reads back the same', () => {
  for (const p of [
    { ...full, name: 'has space' },
    { ...full, version: 'a=b' },
    { ...full, distro: { id: 'x:y' } },
    { ...full, distro: { id: 'debian', codename: 'bookworm' } },
    { ...full, purl: 'not-a-purl' },
    { ...full, source: { name: 'src', version: '' } },
  ] as CatalogPackage[]) {
    assert.equal(packageLine(p), undefined, JSON.stringify(p));
  }
  const odd: CatalogPackage = { type: 'pypi', name: 'weird name', version: '1.0', purl: 'pkg:pypi/weird%20name@1.0' };
  const text = renderCatalog({ entries: [{ name: 'docker.io/library/x:1', approved: true, layers: [dig('l')], packages: [odd, { ...odd, name: 'ok' }] }] });
  assert.match(text, /- \{ type: pypi, name: weird name, version: "1\.0", purl: pkg:pypi\/weird%20name@1\.0 \}/);
  assert.match(text, /- pypi ok 1\.0 pkg:pypi\/weird%20name@1\.0/);
  assert.deepEqual(parseCatalog(text, 'x.yaml').entries[0]!.packages, [odd, { ...odd, name: 'ok' }]);
});

test('hostile lines are problems, not exceptions', () => {
  for (const [line, re] of [
    ['', /expected "TYPE NAME VERSION/],
    ['deb a 1', /expected "TYPE NAME VERSION/],
    ['deb a 1 arch=x', /last token must be the purl/],
    ['deb a=1 1 pkg:deb/a@1', /name and version come before/],
    ['deb a 1 arch pkg:deb/a@1', /expected key=value/],
    ['deb a 1 arch= pkg:deb/a@1', /expected key=value/],
    ['deb a 1 =x pkg:deb/a@1', /expected key=value/],
    ['deb a 1 arch=x arch=y pkg:deb/a@1', /arch= given twice/],
    ['deb a 1 epoch=-1 pkg:deb/a@1', /epoch must be/],
    ['deb a 1 epoch=99999999999 pkg:deb/a@1', /epoch must be/],
    ['deb a 1 srcv=1 pkg:deb/a@1', /go together/],
    ['deb a 1 distro=a:b:c:d pkg:deb/a@1', /distro must be/],
    ['deb a 1 distro=a::c pkg:deb/a@1', /distro must be/],
    ['deb a 1 distro=:1 pkg:deb/a@1', /distro must be/],
    ['deb a 1 __proto__=x pkg:deb/a@1', /unknown key/],
    ['deb ' + 'a'.repeat(9000) + ' 1 pkg:deb/a@1', /longer than/],
  ] as const) {
    const r = parsePackageLine(line);
    assert.equal(typeof r, 'string', line.slice(0, 50));
    assert.match(r as string, re, line.slice(0, 50));
  }
});
