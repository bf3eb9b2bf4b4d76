// dpkg status / apk installed parsing speed on large synthetic databases (real stanzas from the shared
// fixtures repeated under new names when ../shared exists, else hand-written ones), and required()
// throughput of the three OS analyzers over a million paths.
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { sharedPath } from '../src/core/shared.js';
import type { EntryInfo } from '../src/core/types.js';
import { readInstalled } from '../src/analyzers/os/apk/index.js';
import { dpkgAnalyzer, readStatus } from '../src/analyzers/os/dpkg/index.js';
import { apkAnalyzer } from '../src/analyzers/os/apk/index.js';
import { osReleaseAnalyzer } from '../src/analyzers/os/release/index.js';

const LAYER = { index: 0, diffId: 'sha256:' + '0'.repeat(64) };

function time(label: string, iterations: number, f: () => number, unit: string): void {
  f();
  const t0 = performance.now();
  let n = 0;
  for (let i = 0; i < iterations; i++) n += f();
  const ms = performance.now() - t0;
  console.log(`${label}: ${(ms / iterations).toFixed(2)} ms per run, ${((n / ms) * 1000).toFixed(0)} ${unit}/s`);
}

function records(text: string): string[] {
  return text.split(/\n\s*\n/).filter((s) => /^P:|^Package:/m.test(s));
}

export async function run(): Promise<void> {
  const dpkgSrc = sharedPath('fixtures/third-party/packages/dpkg/ubuntu-10.04-status');
  const apkSrc = sharedPath('fixtures/third-party/packages/apk/installed');
  const dpkgStanzas = existsSync(dpkgSrc)
    ? records(readFileSync(dpkgSrc, 'utf8'))
    : ['Package: x\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1\nDescription: d\n long\n'];
  const apkRecs = existsSync(apkSrc) ? records(readFileSync(apkSrc, 'utf8')) : ['P:x\nV:1.0-r0\nA:x86_64\nF:usr/bin\nR:x\n'];

  const N = 5000;
  const status = Buffer.from(
    Array.from({ length: N }, (_, i) => dpkgStanzas[i % dpkgStanzas.length]!.replace(/^Package: (.*)$/m, `Package: $1-${i}`)).join('\n\n') + '\n',
  );
  console.log(`dpkg status with ${N} packages: ${(status.length / 1024 / 1024).toFixed(1)} MiB`);
  time('dpkg readStatus', 10, () => readStatus(status, '/var/lib/dpkg/status', LAYER, () => {}, { statusRequired: true }).packages.length, 'packages');

  const installed = Buffer.from(Array.from({ length: N }, (_, i) => apkRecs[i % apkRecs.length]!.replace(/^P:(.*)$/m, `P:$1-${i}`)).join('\n\n') + '\n');
  console.log(`apk installed with ${N} packages: ${(installed.length / 1024 / 1024).toFixed(1)} MiB`);
  time('apk readInstalled', 10, () => readInstalled(installed, '/lib/apk/db/installed', LAYER, () => {}).packages.length, 'packages');

  const dirs = ['/usr/lib/x86_64-linux-gnu/', '/var/lib/dpkg/info/', '/etc/', '/usr/share/doc/libc6/', '/lib/apk/db/', '/srv/app/node_modules/lodash/'];
  const paths = Array.from({ length: 1_000_000 }, (_, i) => `${dirs[i % dirs.length]}file-${i}${i % 7 === 0 ? '.list' : '.so'}`);
  const entry: EntryInfo = { path: '', type: 'file', size: 100, mode: 0o644 };
  for (const a of [dpkgAnalyzer, apkAnalyzer, osReleaseAnalyzer]) {
    time(`${a.name} required() over 1M paths`, 3, () => {
      let hits = 0;
      for (const p of paths) if (a.required(p, entry)) hits++;
      return paths.length + hits * 0;
    }, 'calls');
  }
}
