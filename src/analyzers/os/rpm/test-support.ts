// Test support for the rpm analyzer: reading the committed fixtures and rpm's own listings of them, and
// building header blobs by hand for cases rpm 4.18 no longer writes (OLDFILENAMES) or never would
// (hostile blobs). Used by the *.test.ts files only.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Package } from '../../../core/types.js';
import { RPM_TYPE } from './header.js';

export const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
export const LAYER = { index: 0, diffId: 'sha256:' + '0'.repeat(64) };

export function testdata(name: string): Buffer {
  return readFileSync(join(TESTDATA, name));
}

/** One line of `rpm -qa --qf` output as make-fixtures.sh writes it. */
export interface ExpectedRow {
  name: string;
  epoch?: number;
  version: string;
  release: string;
  arch?: string;
  license?: string;
  sourceRpm?: string;
  vendor?: string;
  modularityLabel?: string;
  files: string[];
}

export function parseExpected(tsv: string): ExpectedRow[] {
  const none = (s: string | undefined): string | undefined => (s === undefined || s === '(none)' ? undefined : s);
  return tsv
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [name, epoch, version, release, arch, license, sourceRpm, vendor, ml, files] = l.split('\t');
      const e = none(epoch);
      return {
        name: name!,
        epoch: e === undefined ? undefined : Number(e),
        version: version!,
        release: release!,
        arch: none(arch),
        license: none(license),
        sourceRpm: none(sourceRpm),
        vendor: none(vendor),
        modularityLabel: none(ml),
        files: (files ?? '').split(',').filter((f) => f.length > 0),
      };
    });
}

/** The same view of one of our packages, to compare with rpm's listing. */
export function asRow(p: Package): ExpectedRow {
  return {
    name: p.name,
    epoch: p.epoch,
    version: p.version.slice(0, p.version.lastIndexOf('-')),
    release: p.version.slice(p.version.lastIndexOf('-') + 1),
    arch: p.arch,
    license: p.licenses[0],
    sourceRpm: p.metadata?.sourceRpm,
    vendor: p.metadata?.vendor,
    modularityLabel: p.modularityLabel,
    files: p.files ?? [],
  };
}

export type BuildValue =
  | { type: typeof RPM_TYPE.STRING | typeof RPM_TYPE.I18NSTRING; value: string }
  | { type: typeof RPM_TYPE.STRING_ARRAY; value: string[] }
  | { type: typeof RPM_TYPE.INT8 | typeof RPM_TYPE.INT16 | typeof RPM_TYPE.INT32 | typeof RPM_TYPE.INT64; value: number[] }
  | { type: typeof RPM_TYPE.BIN; value: Buffer };

/** Builds a well-formed header blob (il, dl, index, aligned data) from tag → value. */
export function buildHeader(tags: Record<number, BuildValue>): Buffer {
  const index: Buffer[] = [];
  const chunks: Buffer[] = [];
  let dl = 0;
  const align = (n: number): void => {
    const pad = (n - (dl % n)) % n;
    if (pad) {
      chunks.push(Buffer.alloc(pad));
      dl += pad;
    }
  };
  for (const [tagStr, v] of Object.entries(tags).sort(([a], [b]) => Number(a) - Number(b))) {
    let data: Buffer;
    let count: number;
    switch (v.type) {
      case RPM_TYPE.STRING:
      case RPM_TYPE.I18NSTRING:
        data = Buffer.from(v.value + '\0');
        count = 1;
        break;
      case RPM_TYPE.STRING_ARRAY:
        data = Buffer.from(v.value.map((s) => s + '\0').join(''));
        count = v.value.length;
        break;
      case RPM_TYPE.BIN:
        data = v.value;
        count = v.value.length;
        break;
      default: {
        const size = { [RPM_TYPE.INT8]: 1, [RPM_TYPE.INT16]: 2, [RPM_TYPE.INT32]: 4, [RPM_TYPE.INT64]: 8 }[v.type];
        align(size);
        data = Buffer.alloc(size * v.value.length);
        v.value.forEach((n, i) => {
          if (size === 1) data.writeUInt8(n, i);
          else if (size === 2) data.writeUInt16BE(n, i * 2);
          else if (size === 4) data.writeUInt32BE(n, i * 4);
          else data.writeBigUInt64BE(BigInt(n), i * 8);
        });
        count = v.value.length;
      }
    }
    const e = Buffer.alloc(16);
    e.writeUInt32BE(Number(tagStr), 0);
    e.writeUInt32BE(v.type, 4);
    e.writeInt32BE(dl, 8);
    e.writeUInt32BE(count, 12);
    index.push(e);
    chunks.push(data);
    dl += data.length;
  }
  const intro = Buffer.alloc(8);
  intro.writeUInt32BE(index.length, 0);
  intro.writeUInt32BE(dl, 4);
  return Buffer.concat([intro, ...index, ...chunks]);
}

/** Overwrites field `field` (0 tag, 1 type, 2 offset, 3 count) of index entry `i` of a header blob. */
export function patchEntry(blob: Buffer, i: number, field: 0 | 1 | 2 | 3, value: number): Buffer {
  const b = Buffer.from(blob);
  const p = 8 + i * 16 + field * 4;
  if (field === 2) b.writeInt32BE(value, p);
  else b.writeUInt32BE(value >>> 0, p);
  return b;
}

/** Deterministic pseudo-random bytes (xorshift32), for fuzz-style tests that must be reproducible. */
export function pseudoRandom(seed: number): (n: number) => Buffer {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      b[i] = x & 0xff;
    }
    return b;
  };
}
