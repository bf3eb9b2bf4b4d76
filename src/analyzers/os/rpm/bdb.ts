// Berkeley DB hash databases, as rpm's `Packages` file (rpm < 4.16, CentOS/RHEL 7 and 8, Amazon Linux 2,
// older SLES). Read by walking the pages directly:
//   page 0       hash metadata (DBMETA: magic 0x061561 at byte 12, page size at 20, last page at 32)
//   P_HASH       (13, or 2 for the older unsorted kind) pairs of items: key, data.
//                Item offsets (u16) follow the 26-byte page header; item i spans up to item i-1 (or the
//                page end). Item type H_KEYDATA (1) holds the bytes inline, H_OFFPAGE (3) points to a
//                chain of P_OVERFLOW (7) pages {pgno at +4, total length at +8}.
//   P_OVERFLOW   bytes on this page in the header's hf_offset field, next page in next_pgno.
// The byte order of the whole file is the one of the machine that wrote it: the metadata magic tells.
// Spec: Berkeley DB dbinc/db_page.h and hash/hash_page.c (see README.md).
// Keys are rpm header instance numbers (4 bytes, the writer's byte order); instance 0 holds a counter.

export interface DbRecord {
  /** header instance number when known */
  key?: number;
  blob: Buffer;
}

const HASH_MAGIC = 0x061561;
const BTREE_MAGIC = 0x053162;
const PAGE_HEADER = 26;

const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;

const H_KEYDATA = 1;
const H_DUPLICATE = 2;
const H_OFFPAGE = 3;
const H_OFFDUP = 4;

export function looksLikeBdb(buf: Buffer): boolean {
  if (buf.length < 16) return false;
  const le = buf.readUInt32LE(12);
  const be = buf.readUInt32BE(12);
  return le === HASH_MAGIC || be === HASH_MAGIC || le === BTREE_MAGIC || be === BTREE_MAGIC;
}

/** Reads every key/data pair of a Berkeley DB hash file. Problems go to `warn`; never throws. */
export function readBdbHash(buf: Buffer, warn: (m: string) => void): DbRecord[] {
  if (buf.length < 512) {
    warn(`Berkeley DB: file too short (${buf.length} bytes)`);
    return [];
  }
  let le: boolean;
  if (buf.readUInt32LE(12) === HASH_MAGIC) le = true;
  else if (buf.readUInt32BE(12) === HASH_MAGIC) le = false;
  else if (buf.readUInt32LE(12) === BTREE_MAGIC || buf.readUInt32BE(12) === BTREE_MAGIC) {
    warn('Berkeley DB: a btree database, not the hash database rpm writes; not read');
    return [];
  } else {
    warn(`Berkeley DB: bad metadata magic 0x${buf.readUInt32LE(12).toString(16)}`);
    return [];
  }
  const u32 = (p: number): number => (le ? buf.readUInt32LE(p) : buf.readUInt32BE(p));
  const u16 = (p: number): number => (le ? buf.readUInt16LE(p) : buf.readUInt16BE(p));

  const pageSize = u32(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    warn(`Berkeley DB: bad page size ${pageSize}`);
    return [];
  }
  if (buf[25] !== P_HASHMETA) {
    warn(`Berkeley DB: page 0 has type ${buf[25]}, not hash metadata`);
    return [];
  }
  if (buf[24] !== 0) {
    warn('Berkeley DB: encrypted database; not read');
    return [];
  }
  if ((buf[26]! & 0x01) !== 0) {
    // DBMETA_CHKSUM: pages carry a checksum after their header; rpm never writes these (its bdb_ro
    // reader does not read them either)
    warn('Berkeley DB: database with page checksums, which rpm does not write; not read');
    return [];
  }
  const lastPgno = u32(32);
  const pages = Math.floor(buf.length / pageSize);
  if (buf.length % pageSize !== 0 || lastPgno + 1 > pages) {
    warn(`Berkeley DB: truncated file (${buf.length} bytes, metadata says ${lastPgno + 1} pages of ${pageSize}); reading what is there`);
  }

  const pageAt = (pgno: number): number => pgno * pageSize;

  const overflow = (first: number, total: number, where: string): Buffer | undefined => {
    // the chain cannot hold more than every page in the file; refuse before allocating
    if (total > pages * (pageSize - PAGE_HEADER)) {
      warn(`Berkeley DB: ${where}: overflow length ${total} larger than the file`);
      return undefined;
    }
    const chunks: Buffer[] = [];
    const seen = new Set<number>();
    let got = 0;
    let pg = first;
    while (pg !== 0) {
      if (pg >= pages) {
        warn(`Berkeley DB: ${where}: overflow page ${pg} beyond the end of the file`);
        return undefined;
      }
      if (seen.has(pg)) {
        warn(`Berkeley DB: ${where}: overflow chain loops at page ${pg}`);
        return undefined;
      }
      seen.add(pg);
      const p = pageAt(pg);
      if (buf[p + 25] !== P_OVERFLOW) {
        warn(`Berkeley DB: ${where}: page ${pg} in an overflow chain has type ${buf[p + 25]}`);
        return undefined;
      }
      const len = u16(p + 22);
      if (len > pageSize - PAGE_HEADER || got + len > total) {
        warn(`Berkeley DB: ${where}: overflow page ${pg} holds ${len} bytes, more than fits or than expected`);
        return undefined;
      }
      chunks.push(buf.subarray(p + PAGE_HEADER, p + PAGE_HEADER + len));
      got += len;
      pg = u32(p + 16);
    }
    if (got !== total) {
      warn(`Berkeley DB: ${where}: overflow chain holds ${got} bytes, expected ${total}`);
      return undefined;
    }
    return Buffer.concat(chunks, total);
  };

  const out: DbRecord[] = [];
  for (let pgno = 1; pgno < pages; pgno++) {
    const p = pageAt(pgno);
    const type = buf[p + 25]!;
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue;
    if (u32(p + 8) !== pgno) {
      warn(`Berkeley DB: page ${pgno} says it is page ${u32(p + 8)}; skipped`);
      continue;
    }
    const entries = u16(p + 20);
    if (entries % 2 !== 0 || PAGE_HEADER + entries * 2 > pageSize) {
      warn(`Berkeley DB: page ${pgno}: bad entry count ${entries}; skipped`);
      continue;
    }
    const itemsStart = PAGE_HEADER + entries * 2;
    const item = (i: number): Buffer | undefined => {
      const off = u16(p + PAGE_HEADER + i * 2);
      const end = i === 0 ? pageSize : u16(p + PAGE_HEADER + (i - 1) * 2);
      if (off < itemsStart || end > pageSize || end <= off) return undefined;
      return buf.subarray(p + off, p + end);
    };
    for (let i = 0; i < entries; i += 2) {
      const where = `page ${pgno} item ${i / 2}`;
      const k = item(i);
      const d = item(i + 1);
      if (!k || !d) {
        warn(`Berkeley DB: ${where}: item offsets out of bounds; skipped`);
        continue;
      }
      let key: number | undefined;
      if (k[0] === H_KEYDATA && k.length === 5) key = le ? k.readUInt32LE(1) : k.readUInt32BE(1);
      if (key === 0) continue; // rpm's counter record, not a header
      let blob: Buffer | undefined;
      if (d[0] === H_KEYDATA) blob = d.subarray(1);
      else if (d[0] === H_OFFPAGE) {
        if (d.length < 12) {
          warn(`Berkeley DB: ${where}: short off-page item`);
          continue;
        }
        blob = overflow(readU32(d, 4, le), readU32(d, 8, le), where);
      } else if (d[0] === H_DUPLICATE || d[0] === H_OFFDUP) {
        warn(`Berkeley DB: ${where}: duplicate-data items are not used by rpm; skipped`);
        continue;
      } else {
        warn(`Berkeley DB: ${where}: unknown item type ${d[0]}; skipped`);
        continue;
      }
      if (blob) out.push(key === undefined ? { blob } : { key, blob });
    }
  }
  return out;
}

function readU32(b: Buffer, p: number, le: boolean): number {
  return le ? b.readUInt32LE(p) : b.readUInt32BE(p);
}
