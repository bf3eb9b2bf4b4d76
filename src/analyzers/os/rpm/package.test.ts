import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RPM_TAG, RPM_TYPE, RpmHeader } from './header.js';
import { headerFiles, headerToPackage, parseSourceRpm, rpmVendorNamespace } from './package.js';
import { buildHeader, LAYER, patchEntry } from './test-support.js';

test('vendor to purl namespace: only clear vendors map, anchored at the start', () => {
  const cases: [string | undefined, string | undefined][] = [
    ['AlmaLinux', 'almalinux'],
    ['Rocky Enterprise Software Foundation', 'rocky'],
    ['Red Hat, Inc.', 'redhat'],
    ['Fedora Project', 'fedora'],
    ['Amazon Linux', 'amazon'],
    ['Amazon.com', 'amazon'],
    ['CentOS', 'centos'],
    ['Oracle America', 'oracle'],
    ['SUSE LLC <https://www.suse.com/>', 'suse'],
    ['openSUSE', 'opensuse'],
    ['  red hat, inc.  ', 'redhat'],
    ['Not Red Hat', undefined],
    ['Microsoft Corporation', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [vendor, ns] of cases) assert.equal(rpmVendorNamespace(vendor), ns, String(vendor));
});

test('source rpm file names', () => {
  assert.deepEqual(parseSourceRpm('openssl-3.0.7-27.el9.src.rpm'), { name: 'openssl', version: '3.0.7-27.el9' });
  assert.deepEqual(parseSourceRpm('python-urllib3-1.26.5-5.el9.src.rpm'), { name: 'python-urllib3', version: '1.26.5-5.el9' });
  assert.deepEqual(parseSourceRpm('kernel-5.14.0-427.13.1.el9_4.nosrc.rpm'), { name: 'kernel', version: '5.14.0-427.13.1.el9_4' });
  assert.equal(parseSourceRpm('openssl.src.rpm'), undefined);
  assert.equal(parseSourceRpm('a-1.src.rpm'), undefined);
  assert.equal(parseSourceRpm('-1-2.src.rpm'), undefined);
  assert.equal(parseSourceRpm('foo-1-2.rpm'), undefined);
  assert.equal(parseSourceRpm('(none)'), undefined);
  assert.equal(parseSourceRpm(undefined), undefined);
});

const base = {
  [RPM_TAG.NAME]: { type: RPM_TYPE.STRING, value: 'legacy' },
  [RPM_TAG.VERSION]: { type: RPM_TYPE.STRING, value: '2.0' },
  [RPM_TAG.RELEASE]: { type: RPM_TYPE.STRING, value: '1' },
  [RPM_TAG.ARCH]: { type: RPM_TYPE.STRING, value: 'i386' },
} as const;

test('legacy OLDFILENAMES (rpm < 4.0 headers) give the file list when BASENAMES is absent', () => {
  const h = RpmHeader.parse(
    buildHeader({ ...base, [RPM_TAG.OLDFILENAMES]: { type: RPM_TYPE.STRING_ARRAY, value: ['/bin/old', '/etc/old.conf'] } }),
  );
  assert.deepEqual(headerFiles(h), ['/bin/old', '/etc/old.conf']);
  const out = headerToPackage(h, '/var/lib/rpm/Packages', LAYER, (m) => assert.fail(m));
  assert.equal(out.kind, 'package');
  if (out.kind !== 'package') return;
  assert.equal(out.pkg.purl, 'pkg:rpm/legacy@2.0-1?arch=i386');
  assert.equal(out.pkg.epoch, undefined);
  assert.deepEqual(out.pkg.licenses, []);
  assert.deepEqual(out.pkg.files, ['/bin/old', '/etc/old.conf']);
});

test('inconsistent file tags: the package is kept, its file list dropped with a warning', () => {
  const mk = (dirindexes: number[]): Buffer =>
    buildHeader({
      ...base,
      [RPM_TAG.BASENAMES]: { type: RPM_TYPE.STRING_ARRAY, value: ['a', 'b'] },
      [RPM_TAG.DIRINDEXES]: { type: RPM_TYPE.INT32, value: dirindexes },
      [RPM_TAG.DIRNAMES]: { type: RPM_TYPE.STRING_ARRAY, value: ['/d/'] },
    });
  assert.deepEqual(headerFiles(RpmHeader.parse(mk([0, 0]))), ['/d/a', '/d/b']);
  assert.throws(() => headerFiles(RpmHeader.parse(mk([0]))), /2 basenames but 1 directory indexes/);
  assert.throws(() => headerFiles(RpmHeader.parse(mk([0, 5]))), /out of range/);
  const warnings: string[] = [];
  const out = headerToPackage(RpmHeader.parse(mk([0, 5])), '/p', LAYER, (m) => warnings.push(m));
  assert.equal(out.kind, 'package');
  if (out.kind === 'package') assert.equal(out.pkg.files, undefined);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /legacy: file list unreadable: directory index 5 out of range/);
});

test('a broken optional tag costs that field only; a broken NAME costs the record', () => {
  const blob = buildHeader({ ...base, [RPM_TAG.LICENSE]: { type: RPM_TYPE.STRING, value: 'MIT' } });
  const licIdx = RpmHeader.parse(blob).tags().indexOf(RPM_TAG.LICENSE);
  const warnings: string[] = [];
  const out = headerToPackage(RpmHeader.parse(patchEntry(blob, licIdx, 2, 99999)), '/p', LAYER, (m) => warnings.push(m));
  assert.equal(out.kind, 'package');
  if (out.kind === 'package') assert.deepEqual(out.pkg.licenses, []);
  assert.match(warnings.join('\n'), /LICENSE unreadable/);

  const bad = headerToPackage(RpmHeader.parse(patchEntry(blob, 0, 2, 99999)), '/p', LAYER, () => {});
  assert.equal(bad.kind, 'error');
  const noName = headerToPackage(
    RpmHeader.parse(buildHeader({ [RPM_TAG.VERSION]: { type: RPM_TYPE.STRING, value: '1' } })),
    '/p',
    LAYER,
    () => {},
  );
  assert.deepEqual(noName, { kind: 'error', reason: 'header has no NAME or VERSION' });
});

test('gpg-pubkey pseudo-packages are skipped; epoch 0 is kept as written', () => {
  const key = RpmHeader.parse(
    buildHeader({
      [RPM_TAG.NAME]: { type: RPM_TYPE.STRING, value: 'gpg-pubkey' },
      [RPM_TAG.VERSION]: { type: RPM_TYPE.STRING, value: 'fd431d51' },
      [RPM_TAG.RELEASE]: { type: RPM_TYPE.STRING, value: '4ae0493b' },
    }),
  );
  assert.equal(headerToPackage(key, '/p', LAYER, () => {}).kind, 'skip');
  const zero = RpmHeader.parse(buildHeader({ ...base, [RPM_TAG.EPOCH]: { type: RPM_TYPE.INT32, value: [0] } }));
  const out = headerToPackage(zero, '/p', LAYER, () => {});
  assert.equal(out.kind === 'package' && out.pkg.purl, 'pkg:rpm/legacy@2.0-1?arch=i386&epoch=0');
  assert.equal(out.kind === 'package' && out.pkg.epoch, 0);
});
