// Through the real source and walker: every executable of the orders-api image goes to the binary
// analyzers; only /usr/sbin/gosu is Go (with one warning: no module info), none is Rust.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedOrSkip } from '../../../core/shared.js';
import { openImage } from '../../../source/index.js';
import { walkImage } from '../../../walker/index.js';
import { rustBinaryAnalyzer } from '../rust/index.js';
import { goBinaryAnalyzer, goModAnalyzer } from './index.js';

test('orders-api image: gosu found through the walker, stdlib go1.19.8 in layer 2', async (t) => {
  const p = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!p) return;
  const img = await openImage(`docker-archive:${p}`);
  try {
    const r = await walkImage(img, [goBinaryAnalyzer, goModAnalyzer, rustBinaryAnalyzer]);
    const pkgs = r.files.flatMap((f) => f.facts.flatMap((x) => (x.kind === 'package' ? [{ f, pkg: x.pkg }] : [])));
    assert.deepEqual(
      pkgs.map(({ f, pkg }) => `${f.analyzer} ${f.path} ${pkg.purl} layer=${pkg.locations[0]?.layer.index} effective=${f.effective}`),
      ['go-binary /usr/sbin/gosu pkg:golang/stdlib@go1.19.8 layer=1 effective=true'],
    );
    const status = new Map(r.analyzers.map((a) => [a.analyzer, a]));
    assert.ok((status.get('go-binary')?.files ?? 0) > 100, 'every executable was offered');
    // the only warning: gosu was built in GOPATH mode, so its vendored dependencies are unknown. A warning,
    // not a partial read: the binary's own build info was read whole (see README: GOPATH binaries)
    assert.equal(status.get('go-binary')?.warnings.length, 1);
    assert.match(status.get('go-binary')?.warnings[0] ?? '', /gosu.*built without Go module information/);
    assert.equal(status.get('go-binary')?.state, 'complete');
    assert.deepEqual(r.problems, []);
    assert.deepEqual(status.get('rust-binary')?.warnings, []);
    assert.equal(pkgs[0]?.pkg.locations[0]?.layer.diffId, 'sha256:1fafd689d892c2211579bee343e2fe72ebf20179f809d9ae139e85aece8f7d4d');
  } finally {
    await img.close();
  }
});
