// The launcher's early start of the hash worker (early.ts): which arguments are a scan or sbom of a large
// local archive, read without the CLI's parser, whose value-taking options it must know.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from './program.js';
import { captureIo } from './testio.js';
import { needsHashWorker, positionals, VALUE_OPTIONS } from './early.js';
import { OFFLOAD_MIN_BYTES } from '../source/hashworker-code.js';

test('the options listed as taking a value are those of scan, sbom and the program, as the parser defines them', async () => {
  const program = await buildProgram(captureIo('2026-01-01T00:00:00Z').io, ['scan', 'sbom']);
  const parsed = new Set<string>();
  const add = (opts: readonly { required: boolean; optional: boolean; long?: string; short?: string }[]): void => {
    for (const o of opts) if (o.required || o.optional) for (const n of [o.long, o.short]) if (n) parsed.add(n);
  };
  add(program.options);
  for (const c of program.commands) if (c.name() === 'scan' || c.name() === 'sbom') add(c.options);
  assert.deepEqual([...VALUE_OPTIONS].sort(), [...parsed].sort());
});

test('positionals skip options and their values; `--` ends the options', () => {
  assert.deepEqual(positionals(['--quiet', 'scan', '--format', 'json', '--db', 'x.db', '--offline', 'img.tar']), ['scan', 'img.tar']);
  assert.deepEqual(positionals(['--config', 'c.yaml', 'sbom', '-o', 'out.json', '--format=json', 'img.tar']), ['sbom', 'img.tar']);
  assert.deepEqual(positionals(['scan', '--', '--odd-name.tar']), ['scan', '--odd-name.tar']);
});

test('a scan or sbom of a local archive from the offload size on needs the worker; anything else does not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-early-'));
  try {
    // a sparse file: its size is what counts
    const big = join(dir, 'big.tar');
    writeFileSync(big, '');
    truncateSync(big, OFFLOAD_MIN_BYTES);
    const small = join(dir, 'small.tar');
    writeFileSync(small, 'x');
    for (const argv of [
      ['scan', big],
      ['sbom', `docker-archive:${big}`],
      ['--quiet', 'scan', '--format', 'json', '--db', small, big],
      ['scan', `oci-archive:${big}`, '--policy', small],
    ]) assert.equal(needsHashWorker(argv), true, argv.join(' '));
    for (const argv of [
      ['scan', small],
      ['scan', '--db', big, small], // a large DB is not the image
      ['scan', '--malware-signatures', big, 'registry.example/app:1'],
      ['scan', dir], // a directory
      ['scan', join(dir, 'absent.tar')],
      ['help', 'scan', big],
      ['scan', big, '--help'],
      ['db', 'build', '--source', big],
      ['--version'],
      [],
    ]) assert.equal(needsHashWorker(argv), false, argv.join(' '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
