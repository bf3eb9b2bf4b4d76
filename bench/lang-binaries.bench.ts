// Throughput of the binary and archive analyzers (go-binary, rust-binary, java-archive) on synthetic
// worst cases: a large executable without build info (full fallback scan), a large Go binary whose
// build info sits at the end, and a war with many nested jars.
import { randomBytes } from 'node:crypto';
import type { Analyzer, AnalyzerContext, FileInput } from '../src/core/types.js';
import { DEFAULT_LIMITS } from '../src/walker/types.js';
import { goBinaryAnalyzer } from '../src/analyzers/lang/go/index.js';
import { rustBinaryAnalyzer } from '../src/analyzers/lang/rust/index.js';
import { javaArchiveAnalyzer } from '../src/analyzers/lang/java/index.js';
import { inlineBuildInfo, makeElf } from '../src/analyzers/lang/binfmt/testdata/synth.js';
import { makeZip, pomProps } from '../src/analyzers/lang/java/testdata/zipwriter.js';

const layer = { index: 0, diffId: 'sha256:' + '0'.repeat(64) };

async function time(label: string, an: Analyzer, path: string, content: Buffer, reps: number): Promise<void> {
  const ctx: AnalyzerContext = { layer, warn: () => undefined, limits: DEFAULT_LIMITS };
  const file: FileInput = { path, entry: { path, type: 'file', size: content.length, mode: 0o755 }, content, layer };
  let facts = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) facts = (await an.analyze(file, ctx)).length;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / reps;
  const mb = content.length / 1024 / 1024;
  console.log(`${label.padEnd(52)} ${mb.toFixed(1).padStart(7)} MiB ${ms.toFixed(2).padStart(9)} ms  ${(mb / (ms / 1000)).toFixed(0).padStart(6)} MiB/s  ${facts} packages`);
}

export async function run(): Promise<void> {
  const text = Buffer.alloc(100 * 1024 * 1024, 0x90);
  const plain = makeElf([
    { name: '.text', vaddr: 0x400000, data: text, executable: true },
    { name: '.data', vaddr: 0x8000000, data: Buffer.alloc(1024 * 1024), writable: true },
  ]);
  await time('go-binary: 100 MiB ELF, no build info', goBinaryAnalyzer, '/usr/bin/big', plain, 5);
  await time('rust-binary: 100 MiB ELF, no .dep-v0', rustBinaryAnalyzer, '/usr/bin/big', plain, 5);
  const deps = Array.from({ length: 400 }, (_, i) => `dep\tgithub.com/org${i}/mod${i}\tv1.${i}.0\th1:x=`).join('\n');
  const gobin = makeElf([
    { name: '.text', vaddr: 0x400000, data: text, executable: true },
    { name: '.go.buildinfo', vaddr: 0x8000000, data: inlineBuildInfo('go1.22.5', `path\tx/y\nmod\tx/y\tv1.0.0\t\n${deps}\n`), writable: true },
  ]);
  await time('go-binary: 100 MiB ELF, 400 deps', goBinaryAnalyzer, '/usr/bin/go-app', gobin, 5);
  const jar = (i: number): Buffer =>
    makeZip([
      { name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\n' },
      { name: `META-INF/maven/org.g${i}/a${i}/pom.properties`, data: pomProps(`org.g${i}`, `a${i}`, `1.${i}`) },
      { name: 'classes.bin', data: randomBytes(200 * 1024) },
    ]);
  const war = makeZip(Array.from({ length: 300 }, (_, i) => ({ name: `WEB-INF/lib/a${i}-1.${i}.jar`, data: jar(i) })));
  await time('java-archive: war with 300 nested jars', javaArchiveAnalyzer, '/app/app.war', war, 5);
}
