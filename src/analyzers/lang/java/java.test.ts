import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sharedOrSkip } from '../../../core/shared.js';
import type { Analyzer, EntryInfo, Package } from '../../../core/types.js';
import { extractFromImage } from '../binfmt/testdata/image.js';
import { runOn } from '../testimage.js';
import { fromFileName, fromManifest } from './coords.js';
import { DEFAULT_JAVA_LIMITS, javaArchiveAnalyzer, makeJavaArchiveAnalyzer } from './index.js';
import { parseManifest, parseProperties } from './props.js';
import { makeZip, pomProps, zeroBomb } from './testdata/zipwriter.js';

const layer = { index: 2, diffId: 'sha256:' + '2'.repeat(64) };
const JARS = 'fixtures/third-party/packages/lockfiles/java/jar';
const SNYK = 'fixtures/third-party/images/snyk/docker-archives/docker-save';

async function run(path: string, content: Buffer, an: Analyzer = javaArchiveAnalyzer): Promise<{ pkgs: Package[]; warnings: string[] }> {
  const { pkgs, warnings } = await runOn(an, path, content, layer, 0o644);
  return { pkgs, warnings };
}
/** name@version (confidence) [archive path] */
const brief = (ps: Package[]): string[] => ps.map((p) => `${p.name}@${p.version} ${p.confidence}${p.metadata?.archivePath ? ' ' + p.metadata.archivePath : ''}`);

async function fixture(t: { skip(m?: string): void }, name: string): Promise<{ pkgs: Package[]; warnings: string[] } | undefined> {
  const p = sharedOrSkip(t, `${JARS}/${name}`);
  if (!p) return undefined;
  return run(`/app/${name}`, readFileSync(p));
}

test('required: archive extensions and size bounds', () => {
  const e = (size: number, type: EntryInfo['type'] = 'file'): EntryInfo => ({ path: '/x', type, size, mode: 0o644 });
  for (const p of ['/a.jar', '/a.WAR', '/a.ear', '/p.jpi', '/p.hpi', '/x.par']) assert.equal(javaArchiveAnalyzer.required(p, e(1000)), true, p);
  assert.equal(javaArchiveAnalyzer.required('/a.jar.sha1', e(1000)), false);
  assert.equal(javaArchiveAnalyzer.required('/a.jar', e(10)), false);
  // by path only: a jar over the cap is the walker's file-too-large gap (maxFileBytes), never silently skipped
  assert.equal(javaArchiveAnalyzer.required('/a.jar', e(300 * 1024 * 1024)), true);
  assert.equal(javaArchiveAnalyzer.maxFileBytes, DEFAULT_JAVA_LIMITS.maxFileBytes);
  assert.equal(javaArchiveAnalyzer.required('/a.jar', e(1000, 'symlink')), false);
});

test('real: maven.war — the war\'s own pom.properties and 7 WEB-INF/lib jars', async (t) => {
  const r = await fixture(t, 'maven.war');
  if (!r) return;
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(brief(r.pkgs), [
    'com.cronutils:cron-utils@9.1.2 high WEB-INF/lib/cron-utils-9.1.2.jar',
    'com.example:web-app@1.0-SNAPSHOT high',
    'com.fasterxml.jackson.core:jackson-annotations@2.9.10 high WEB-INF/lib/jackson-annotations-2.9.10.jar',
    'com.fasterxml.jackson.core:jackson-core@2.9.10 high WEB-INF/lib/jackson-core-2.9.10.jar',
    'com.fasterxml.jackson.core:jackson-databind@2.9.10.6 high WEB-INF/lib/jackson-databind-2.9.10.6.jar',
    'org.apache.commons:commons-lang3@3.11 high WEB-INF/lib/commons-lang3-3.11.jar',
    'org.glassfish:javax.el@3.0.0 high WEB-INF/lib/javax.el-3.0.0.jar',
    'org.slf4j:slf4j-api@1.7.30 high WEB-INF/lib/slf4j-api-1.7.30.jar',
  ]);
  const d = r.pkgs.find((p) => p.name.endsWith('jackson-databind'));
  assert.equal(d?.purl, 'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.10.6');
  assert.deepEqual(d?.locations, [{ path: '/app/maven.war', layer }]);
  assert.equal(d?.metadata?.pomProperties, 'META-INF/maven/com.fasterxml.jackson.core/jackson-databind/pom.properties');
});

test('real: gradle.war (no pom of its own, no versioned name → only its libs)', async (t) => {
  const r = await fixture(t, 'gradle.war');
  if (!r) return;
  assert.deepEqual(brief(r.pkgs), [
    'commons-dbcp:commons-dbcp@1.4 high WEB-INF/lib/commons-dbcp-1.4.jar',
    'commons-pool:commons-pool@1.6 high WEB-INF/lib/commons-pool-1.6.jar',
    'log4j:log4j@1.2.17 high WEB-INF/lib/log4j-1.2.17.jar',
    'org.apache.commons:commons-compress@1.19 high WEB-INF/lib/commons-compress-1.19.jar',
  ]);
});

test('real: shaded hadoop jar lists every embedded artifact once; manifest not duplicated', async (t) => {
  const r = await fixture(t, 'hadoop-shaded-guava-1.1.0-SNAPSHOT.jar');
  if (!r) return;
  assert.deepEqual(brief(r.pkgs), [
    'com.google.guava:failureaccess@1.0.1 high',
    'com.google.guava:guava@29.0-jre high',
    'com.google.guava:listenablefuture@9999.0-empty-to-avoid-conflict-with-guava high',
    'com.google.j2objc:j2objc-annotations@1.3 high',
    'org.apache.hadoop.thirdparty:hadoop-shaded-guava@1.1.0-SNAPSHOT high',
  ]);
});

test('real: nested.jar — three levels with pom.properties outside META-INF/maven', async (t) => {
  const r = await fixture(t, 'nested.jar');
  if (!r) return;
  assert.deepEqual(brief(r.pkgs), [
    'test:nested@0.0.1 medium',
    'test:nested2@0.0.2 medium META-INF/jars/nested2.jar',
    'test:nested3@0.0.3 medium META-INF/jars/nested2.jar!/META-INF/jars/nested3.jar',
  ]);
});

test('real: gizmo jar — own pom, two nested log4j, stray pom.properties copies', async (t) => {
  const r = await fixture(t, 'io.quarkus.gizmo.gizmo-1.1.jar');
  if (!r) return;
  assert.deepEqual(brief(r.pkgs), [
    'com.fasterxml.jackson.core:jackson-databind@2.12.3 medium',
    'com.fasterxml.jackson.core:jackson-databind@2.13.4 medium',
    'io.quarkus.gizmo:gizmo@1.1 high',
    'log4j:log4j@1.2.16 high jars/log4j-1.2.16.jar',
    'log4j:log4j@1.2.17 high jars/log4j-1.2.17.jar',
  ]);
});

test('real: manifest-only and name-only jars', async (t) => {
  const jenkins = await fixture(t, 'license-from-jenkins-plugin.jar');
  if (!jenkins) return;
  assert.deepEqual(brief(jenkins.pkgs), ['com.example:jenkins-plugin@1.0.0 medium']);
  assert.equal(jenkins.pkgs[0]?.metadata?.evidence, 'MANIFEST.MF');
  const spring = await fixture(t, 'test.jar');
  // Implementation-Title "Spring Framework" is not an id; Bundle-SymbolicName is used; no group evidence
  assert.deepEqual(brief(spring!.pkgs), ['org.springframework.core@2.5.6.SEC03 medium']);
  assert.equal(spring!.pkgs[0]?.metadata?.groupIdUnknown, 'true');
  assert.equal(spring!.pkgs[0]?.purl, 'pkg:maven/org.springframework.core@2.5.6.SEC03');
  const heur = await fixture(t, 'heuristic-1.0.0-SNAPSHOT.jar');
  assert.deepEqual(brief(heur!.pkgs), ['heuristic@1.0.0-SNAPSHOT low']);
  assert.equal(heur!.pkgs[0]?.metadata?.evidence, 'file name');
  const multi = await fixture(t, 'multi-license-1.0.0.jar');
  assert.deepEqual(brief(multi!.pkgs), ['com.example:multi-license@1.0.0 high']);
});

test('real: snyk 3-level-jar image — listenablefuture found two archives down; snyk.jar has nothing', async (t) => {
  const img = sharedOrSkip(t, `${SNYK}/3-level-jar.tar`);
  if (!img) return;
  const top = extractFromImage(img, 'level-3-jar.jar');
  const snyk = extractFromImage(img, 'lib/snyk.jar');
  assert.ok(top && snyk);
  const r = await run('/level-3-jar.jar', top);
  assert.deepEqual(brief(r.pkgs), [
    'com.google.guava:listenablefuture@9999.0-empty-to-avoid-conflict-with-guava high level-2-jar.jar!/lib/listenablefuture-9999.0-empty-to-avoid-conflict-with-guava.jar',
  ]);
  assert.deepEqual(await run('/lib/snyk.jar', snyk), { pkgs: [], warnings: [] });
});

test('real: snyk war-with-3-level-jar image — war, lib-provided tomcat jars (manifest), 3-level nested jar', async (t) => {
  const img = sharedOrSkip(t, `${SNYK}/war-with-3-level-jar.tar`);
  if (!img) return;
  const war = extractFromImage(img, 'workspace/app/mywar.war');
  assert.ok(war);
  const r = await run('/workspace/app/mywar.war', war);
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(brief(r.pkgs), [
    'com.example:demo@0.0.1-SNAPSHOT high',
    'com.google.guava:listenablefuture@9999.0-empty-to-avoid-conflict-with-guava high WEB-INF/lib/level-3-jar.jar!/level-2-jar.jar!/lib/listenablefuture-9999.0-empty-to-avoid-conflict-with-guava.jar',
    'tomcat-embed-core@9.0.63 medium WEB-INF/lib-provided/tomcat-embed-core-9.0.63.jar',
    'tomcat-embed-el@9.0.63 medium WEB-INF/lib-provided/tomcat-embed-el-9.0.63.jar',
    'tomcat-embed-websocket@9.0.63 medium WEB-INF/lib-provided/tomcat-embed-websocket-9.0.63.jar',
  ]);
});

test('ear with nested war with nested jar; Spring Boot launch script prepended; Zip64; stored entries', async () => {
  const inner = makeZip([{ name: 'META-INF/maven/org.x/lib/pom.properties', data: pomProps('org.x', 'lib', '2.0.1') }]);
  const war = makeZip([{ name: 'WEB-INF/lib/lib-2.0.1.jar', data: inner, method: 0 }], Buffer.alloc(0), true);
  const ear = makeZip(
    [
      { name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\r\nImplementation-Title: shop-ear\r\nImplementation-Vendor-Id: com.shop\r\nImplementation-Version: 3.1\r\n' },
      { name: 'web.war', data: war },
    ],
    Buffer.from('#!/bin/bash\n# launch script\nexec java -jar "$0" "$@"\n'),
  );
  const { pkgs, warnings } = await run('/opt/shop.ear', ear);
  assert.deepEqual(warnings, []);
  assert.deepEqual(brief(pkgs), ['com.shop:shop-ear@3.1 medium', 'org.x:lib@2.0.1 high web.war!/WEB-INF/lib/lib-2.0.1.jar']);
});

test('pom.properties and manifest of the same jar are reported once', async () => {
  const jar = makeZip([
    { name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\nImplementation-Title: log4j-core\nImplementation-Version: 2.14.1\nImplementation-Vendor-Id: org.apache.logging.log4j\n' },
    { name: 'META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties', data: pomProps('org.apache.logging.log4j', 'log4j-core', '2.14.1') },
  ]);
  const { pkgs } = await run('/app/log4j-core-2.14.1.jar', jar);
  assert.deepEqual(brief(pkgs), ['org.apache.logging.log4j:log4j-core@2.14.1 high']);
  // renamed jar without matching name: manifest matches the pom → still once
  assert.deepEqual(brief((await run('/app/app.jar', jar)).pkgs), ['org.apache.logging.log4j:log4j-core@2.14.1 high']);
  // name only
  const empty = makeZip([{ name: 'a.txt', data: 'x' }]);
  const byName = (await run('/app/log4j-core-2.14.1.jar', empty)).pkgs;
  assert.deepEqual(brief(byName), ['log4j-core@2.14.1 low']);
  assert.equal(byName[0]?.metadata?.groupIdUnknown, 'true');
  assert.equal(byName[0]?.purl, 'pkg:maven/log4j-core@2.14.1');
});

test('hostile: zip bomb — entry declaring 1 GiB is not inflated; entry lying about its size stops at the limit', async () => {
  const declared = makeZip([{ name: 'lib/huge.jar', data: Buffer.alloc(0), raw: zeroBomb(4), declaredSize: 1 << 30 }]);
  let r = await run('/bomb.jar', declared);
  assert.deepEqual(r.pkgs, []);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!, /lib\/huge\.jar: declares 1073741824 bytes \(limit 134217728\)/);
  // 1 GiB of zeros in ~1 MiB of deflate, declared as 100 bytes
  const lying = makeZip([
    { name: 'META-INF/maven/g/a/pom.properties', data: pomProps('g', 'a', '1.0') },
    { name: 'lib/bomb.jar', data: Buffer.alloc(0), raw: zeroBomb(1024), declaredSize: 100 },
    { name: 'META-INF/maven/g/b/pom.properties', data: Buffer.alloc(0), raw: zeroBomb(8), declaredSize: 50 },
  ]);
  const t0 = process.hrtime.bigint();
  r = await run('/bomb.jar', lying);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.deepEqual(brief(r.pkgs), ['g:a@1.0 high'], 'what could be read is still reported');
  assert.equal(r.warnings.length, 2);
  assert.match(r.warnings.join('\n'), /pom\.properties: inflates past 1048576 bytes/);
  assert.match(r.warnings.join('\n'), /lib\/bomb\.jar: inflates past 134217728 bytes \(declared 100\)/);
  assert.ok(ms < 30_000, `took ${ms} ms`);
});

test('hostile: total inflate budget across nested archives', async () => {
  const limits = { ...DEFAULT_JAVA_LIMITS, maxTotalBytes: 3 * 1024 * 1024, maxNestedBytes: 2 * 1024 * 1024 };
  const filler = (n: number): Buffer =>
    makeZip([
      { name: `META-INF/maven/g/a${n}/pom.properties`, data: pomProps('g', `a${n}`, '1.0') },
      { name: 'pad.bin', data: Buffer.alloc(10) },
    ]);
  // each nested jar is padded to ~1 MiB uncompressed by a stored comment-free zero entry
  const nested = (n: number): Buffer => Buffer.concat([filler(n), Buffer.alloc(0)]);
  const padded = (n: number): Buffer => makeZip([{ name: 'z.bin', data: Buffer.alloc(1 << 20), method: 0 }, { name: 'in.jar', data: nested(n), method: 0 }]);
  const top = makeZip([0, 1, 2, 3, 4, 5].map((n) => ({ name: `lib/j${n}.jar`, data: padded(n) })));
  const r = await run('/app/x.jar', top, makeJavaArchiveAnalyzer(limits));
  assert.ok(r.pkgs.length >= 1 && r.pkgs.length < 6, `found ${r.pkgs.length}`);
  assert.equal(r.warnings.filter((w) => /stopped reading nested content after 3145728/.test(w)).length, 1);
});

test('hostile: 20 levels of nesting stop at depth 8 with one warning', async () => {
  let jar = makeZip([{ name: 'META-INF/maven/deep/level20/pom.properties', data: pomProps('deep', 'level20', '1.0') }]);
  for (let level = 19; level >= 0; level--) {
    jar = makeZip([
      { name: `META-INF/maven/deep/level${level}/pom.properties`, data: pomProps('deep', `level${level}`, '1.0') },
      { name: `lib/level${level + 1}.jar`, data: jar },
    ]);
  }
  const { pkgs, warnings } = await run('/deep.jar', jar);
  assert.deepEqual(
    pkgs.map((p) => p.name),
    [0, 1, 2, 3, 4, 5, 6, 7, 8].map((n) => `deep:level${n}`),
  );
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /nested deeper than 8 archives/);
});

test('hostile: garbage, truncated, encrypted, unknown method, entry outside the archive, too many entries', async () => {
  assert.match((await run('/x.jar', Buffer.from('this is not a zip file at all, just text'))).warnings[0] ?? '', /no end of central directory/);
  const good = makeZip([{ name: 'META-INF/maven/g/a/pom.properties', data: pomProps('g', 'a', '1.0') }]);
  for (let cut = 1; cut < good.length; cut += 7) {
    const r = await run('/x.jar', good.subarray(0, cut));
    assert.ok(r.pkgs.length === 0 && r.warnings.length >= 1, `cut ${cut}`);
  }
  const weird = makeZip([
    { name: 'META-INF/maven/g/enc/pom.properties', data: pomProps('g', 'enc', '1.0'), flags: 1 },
    { name: 'META-INF/maven/g/bz/pom.properties', data: pomProps('g', 'bz', '1.0'), method: 12, raw: Buffer.from('BZh9') },
    { name: 'META-INF/maven/g/ok/pom.properties', data: pomProps('g', 'ok', '1.0') },
    { name: 'lib/corrupt.jar', data: Buffer.alloc(0), raw: Buffer.from('not deflate data at all'), declaredSize: 10 },
  ]);
  const r = await run('/x.jar', weird);
  assert.deepEqual(brief(r.pkgs), ['g:ok@1.0 high']);
  assert.equal(r.warnings.length, 3);
  assert.match(r.warnings.join('\n'), /encrypted/);
  assert.match(r.warnings.join('\n'), /compression method 12 not supported/);
  assert.match(r.warnings.join('\n'), /corrupt deflate data/);
  const outside = Buffer.from(good);
  const cd = outside.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  outside.writeUInt32LE(0x7fff0000, cd + 42);
  assert.match((await run('/x.jar', outside)).warnings[0] ?? '', /local header missing/);
  const two = makeZip([
    { name: 'META-INF/maven/g/first/pom.properties', data: pomProps('g', 'first', '1.0') },
    { name: 'META-INF/maven/g/second/pom.properties', data: pomProps('g', 'second', '1.0') },
  ]);
  const cd2 = two.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  two.writeUInt32LE(0xdeadbeef, cd2); // break the second central directory header
  const partial = await run('/x.jar', two);
  assert.deepEqual(brief(partial.pkgs), ['g:first@1.0 high']);
  assert.match(partial.warnings[0] ?? '', /central directory entry 1 of 2 is malformed; the entries before it are used/);
  const many = makeZip(Array.from({ length: 30 }, (_, i) => ({ name: `f${i}`, data: '' })));
  const r2 = await run('/x.jar', many, makeJavaArchiveAnalyzer({ ...DEFAULT_JAVA_LIMITS, maxEntries: 20 }));
  assert.match(r2.warnings[0] ?? '', /30 entries \(limit 20\)/);
});

test('manifest: continuation lines, main section only, CRLF', () => {
  const mf = parseManifest('Manifest-Version: 1.0\r\nImplementation-Title: very-long-arti\r\n fact-name\r\nBundle-Version: 1.2\r\n\r\nName: x/\r\nImplementation-Version: 9.9\r\n');
  assert.equal(mf.get('implementation-title'), 'very-long-artifact-name');
  assert.equal(mf.get('implementation-version'), undefined);
  assert.deepEqual(fromManifest(mf, undefined), { groupId: undefined, artifactId: 'very-long-artifact-name', version: '1.2', evidence: 'MANIFEST.MF' });
  const jenkins = parseManifest('Group-Id: org.jenkins-ci.plugins\nShort-Name: git\nPlugin-Version: 5.2.1\nImplementation-Version: 5.2.1\n');
  assert.deepEqual(fromManifest(jenkins, undefined), { groupId: 'org.jenkins-ci.plugins', artifactId: 'git', version: '5.2.1', evidence: 'MANIFEST.MF' });
  assert.equal(fromManifest(parseManifest('Implementation-Title: x\n'), undefined), undefined);
});

test('properties: separators, comments, continuation, escapes', () => {
  const p = parseProperties('# c\n! c\n  groupId = org.x\nartifactId:lib\\\n  -core\nversion 1.0\nname=caf\\u00e9\\tok\n');
  assert.equal(p.get('groupId'), 'org.x');
  assert.equal(p.get('artifactId'), 'lib-core');
  assert.equal(p.get('version'), '1.0');
  assert.equal(p.get('name'), 'café\tok');
});

test('file names', () => {
  assert.deepEqual(fromFileName('log4j-core-2.14.1.jar'), { artifactId: 'log4j-core', version: '2.14.1', evidence: 'file name' });
  assert.deepEqual(fromFileName('commons-lang3-3.11.jar'), { artifactId: 'commons-lang3', version: '3.11', evidence: 'file name' });
  assert.equal(fromFileName('level-3-jar.jar'), undefined);
  assert.equal(fromFileName('app.jar'), undefined);
  assert.equal(fromFileName('spring-boot-3.2.0-SNAPSHOT.war')?.version, '3.2.0-SNAPSHOT');
});

test('cross-check: gradle.war libs = build.gradle implementation deps; maven.war ⊇ pom.xml compile deps', async (t) => {
  const gradle = sharedOrSkip(t, `${JARS}/testimage/gradle/build.gradle`);
  const pom = sharedOrSkip(t, `${JARS}/testimage/maven/pom.xml`);
  if (!gradle || !pom) return;
  const declared = [...readFileSync(gradle, 'utf8').matchAll(/^\s*implementation '([^:']+:[^:']+):([^']+)'/gm)].map((m) => `${m[1]}@${m[2]}`).sort();
  assert.equal(declared.length, 4);
  const war = await fixture(t, 'gradle.war');
  assert.deepEqual(war!.pkgs.map((p) => `${p.name}@${p.version}`), declared);
  const deps = [...readFileSync(pom, 'utf8').matchAll(/<dependency>\s*<groupId>([^<]+)<\/groupId>\s*<artifactId>([^<]+)<\/artifactId>\s*<version>([^<]+)<\/version>(\s*<scope>([^<]+)<\/scope>)?/g)]
    .filter((m) => m[5] !== 'test')
    .map((m) => `${m[1]}:${m[2]}@${m[3]}`);
  assert.equal(deps.length, 2);
  const mwar = await fixture(t, 'maven.war');
  const got = new Set(mwar!.pkgs.map((p) => `${p.name}@${p.version}`));
  for (const d of deps) assert.ok(got.has(d), d);
});

test('real: snyk java.tar jars — pom.properties, and an Ant-built jar whose vendor id is not its groupId', async (t) => {
  const img = sharedOrSkip(t, `${SNYK}/java.tar`);
  if (!img) return;
  const want: [string, string][] = [
    ['layer/libs/aopalliance-repackaged-2.5.0.jar', 'org.glassfish.hk2.external:aopalliance-repackaged@2.5.0 high'],
    ['layer/libs/audience-annotations-0.5.0.jar', 'org.apache.yetus:audience-annotations@0.5.0 high'],
    // Implementation-Title "Sun Java System Application Server" is not an id → file name artifact, group unknown
    ['layer/app/activation-1.1.1.jar', 'activation@1.1.1 medium'],
  ];
  for (const [path, expected] of want) {
    const jar = extractFromImage(img, path);
    assert.ok(jar, path);
    const r = await run('/' + path, jar);
    assert.deepEqual(brief(r.pkgs), [expected]);
  }
});
