// Through the real source and walker: the snyk images with nested jars and a war.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedOrSkip } from '../../../core/shared.js';
import { openImage } from '../../../source/index.js';
import { walkImage } from '../../../walker/index.js';
import { javaArchiveAnalyzer } from './index.js';

const SNYK = 'fixtures/third-party/images/snyk/docker-archives/docker-save';

for (const [image, want] of [
  ['3-level-jar.tar', ['/level-3-jar.jar pkg:maven/com.google.guava/listenablefuture@9999.0-empty-to-avoid-conflict-with-guava']],
  [
    'war-with-3-level-jar.tar',
    [
      '/workspace/app/mywar.war pkg:maven/com.example/demo@0.0.1-SNAPSHOT',
      '/workspace/app/mywar.war pkg:maven/com.google.guava/listenablefuture@9999.0-empty-to-avoid-conflict-with-guava',
      '/workspace/app/mywar.war pkg:maven/tomcat-embed-core@9.0.63',
      '/workspace/app/mywar.war pkg:maven/tomcat-embed-el@9.0.63',
      '/workspace/app/mywar.war pkg:maven/tomcat-embed-websocket@9.0.63',
    ],
  ],
] as const) {
  test(`snyk ${image} through the walker`, async (t) => {
    const p = sharedOrSkip(t, `${SNYK}/${image}`);
    if (!p) return;
    const img = await openImage(`docker-archive:${p}`);
    try {
      const r = await walkImage(img, [javaArchiveAnalyzer]);
      const got = r.files.flatMap((f) => f.facts.flatMap((x) => (x.kind === 'package' ? [`${f.path} ${x.pkg.purl}`] : []))).sort();
      assert.deepEqual(got, [...want]);
      assert.deepEqual(r.analyzers.find((a) => a.analyzer === 'java-archive')?.warnings, []);
    } finally {
      await img.close();
    }
  });
}
