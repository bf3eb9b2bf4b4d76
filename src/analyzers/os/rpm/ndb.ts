// rpm's "ndb" package database (`Packages.db`, SUSE since SLE 15 SP3 / openSUSE), all integers
// little-endian. Spec: rpm lib/backend/ndb/rpmpkg.c (see README.md).
//   file header (32 bytes): 'RpmP' magic, version 0, generation, slot page count, next package index
//   slots: from byte 32 to slotPages × 4096, 16 bytes each: 'Slot' magic, package index (0 = free),
//          block offset, block count (blocks of 16 bytes)
//   blob at blockOffset × 16: 'BlbS' magic, package index, generation, blob length; the header blob;
//          and at the end of its blocks a tail: adler32 of everything before it, blob length, 'BlbE'.
import type { DbRecord } from './bdb.js';

const PKGDB_MAGIC = 0x506d7052; // 'RpmP'
const SLOT_MAGIC = 0x746f6c53; // 'Slot'
const BLOBHEAD_MAGIC = 0x53626c42; // 'BlbS'
const BLOBTAIL_MAGIC = 0x45626c42; // 'BlbE'
const HEADER_SIZE = 32;
const SLOT_SIZE = 16;
const BLK_SIZE = 16;
const PAGE_SIZE = 4096;
const BLOBHEAD_SIZE = 16;
const BLOBTAIL_SIZE = 12;

export function looksLikeNdb(buf: Buffer): boolean {
  return buf.length >= 4 && buf.readUInt32LE(0) === PKGDB_MAGIC;
}

export function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  // 5552 is the largest run before the sums can overflow 2^32 (zlib's NMAX)
  for (let i = 0; i < b.length; ) {
    const end = Math.min(i + 5552, b.length);
    for (; i < end; i++) {
      a += b[i]!;
      s += a;
    }
    a %= 65521;
    s %= 65521;
  }
  return ((s << 16) | a) >>> 0;
}

/** Reads every package blob of an ndb Packages.db. Problems go to `warn`; never throws. */
export function readNdb(buf: Buffer, warn: (m: string) => void): DbRecord[] {
  if (buf.length < HEADER_SIZE) {
    warn(`ndb: file too short (${buf.length} bytes)`);
    return [];
  }
  if (buf.readUInt32LE(0) !== PKGDB_MAGIC) {
    warn(`ndb: bad magic 0x${buf.readUInt32LE(0).toString(16)}`);
    return [];
  }
  const version = buf.readUInt32LE(4);
  if (version !== 0) {
    warn(`ndb: unsupported version ${version}`);
    return [];
  }
  const slotPages = buf.readUInt32LE(12);
  if (slotPages < 1) {
    warn('ndb: no slot pages');
    return [];
  }
  let slotEnd = slotPages * PAGE_SIZE;
  if (slotEnd > buf.length) {
    warn(`ndb: truncated file (${buf.length} bytes, ${slotPages} slot pages); reading what is there`);
    slotEnd = buf.length - (buf.length % SLOT_SIZE);
  }
  const out: DbRecord[] = [];
  const seen = new Set<number>();
  for (let p = HEADER_SIZE; p + SLOT_SIZE <= slotEnd; p += SLOT_SIZE) {
    const slot = (p - HEADER_SIZE) / SLOT_SIZE;
    if (buf.readUInt32LE(p) !== SLOT_MAGIC) {
      warn(`ndb: slot ${slot}: bad magic; skipped`);
      continue;
    }
    const pkgidx = buf.readUInt32LE(p + 4);
    const blkoff = buf.readUInt32LE(p + 8);
    const blkcnt = buf.readUInt32LE(p + 12);
    if (blkoff === 0) continue; // free slot
    const where = `ndb: package ${pkgidx}`;
    if (pkgidx === 0) {
      warn(`ndb: slot ${slot}: used slot without a package index; skipped`);
      continue;
    }
    if (seen.has(pkgidx)) {
      warn(`${where}: listed in more than one slot; later slot skipped`);
      continue;
    }
    seen.add(pkgidx);
    const start = blkoff * BLK_SIZE;
    const size = blkcnt * BLK_SIZE;
    if (start < slotEnd || size < BLOBHEAD_SIZE + BLOBTAIL_SIZE || start + size > buf.length) {
      warn(`${where}: blob blocks ${blkoff}+${blkcnt} outside the file; skipped`);
      continue;
    }
    if (buf.readUInt32LE(start) !== BLOBHEAD_MAGIC || buf.readUInt32LE(start + 4) !== pkgidx) {
      warn(`${where}: bad blob header; skipped`);
      continue;
    }
    const bloblen = buf.readUInt32LE(start + 12);
    if (bloblen > size - BLOBHEAD_SIZE - BLOBTAIL_SIZE) {
      warn(`${where}: blob length ${bloblen} larger than its ${blkcnt} blocks; skipped`);
      continue;
    }
    const tail = start + size - BLOBTAIL_SIZE;
    if (buf.readUInt32LE(tail + 8) !== BLOBTAIL_MAGIC || buf.readUInt32LE(tail + 4) !== bloblen) {
      warn(`${where}: bad blob tail; skipped`);
      continue;
    }
    // the checksum covers the blob head, the blob and its padding: everything before the tail
    if (adler32(buf.subarray(start, tail)) !== buf.readUInt32LE(tail)) {
      warn(`${where}: blob checksum mismatch; skipped`);
      continue;
    }
    out.push({ key: pkgidx, blob: buf.subarray(start + BLOBHEAD_SIZE, start + BLOBHEAD_SIZE + bloblen) });
  }
  return out;
}
