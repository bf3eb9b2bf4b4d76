// GNU sparse files in PAX archives, as GNU tar writes them (`tar --sparse --format=pax`) and Go's
// archive/tar (which container runtimes use) reads them. The entry's header name is a placeholder
// (`./GNUSparseFile.123/status`); the real name is in `GNU.sparse.name` and the real size in
// `GNU.sparse.realsize` (1.0) or `GNU.sparse.size` (0.x). The content is the data regions only:
//   1.0: the map comes first in the data, as decimal lines (count, then offset/size pairs), padded to a
//        512-byte block; then the regions, concatenated;
//   0.1: the map is the `GNU.sparse.map` record ("off,size,off,size,...");
//   0.0: repeated `GNU.sparse.offset` / `GNU.sparse.numbytes` records, which a key-value PAX reader keeps
//        only the last of: refused (the file is reported unreadable, never misread).
// Spec: https://www.gnu.org/software/tar/manual/html_node/Sparse-Formats.html
// Go:   https://github.com/golang/go/blob/master/src/archive/tar/reader.go (readGNUSparsePAXHeaders)

export interface SparseInfo {
  version: '0.0' | '0.1' | '1.0';
  /** the real name, when the archive gives one */
  name?: string;
  /** the size of the file with its holes */
  realSize: number;
  /** 0.1: offset/size pairs from the header */
  map?: [number, number][];
}

/** Bounds against hostile maps (Go's archive/tar uses the same order of magnitude). */
const MAX_REGIONS = 1_000_000;
const MAX_MAP_BYTES = 64 * 1024 * 1024;

function num(v: string | undefined, what: string): number {
  if (v === undefined || !/^\d{1,16}$/.test(v.trim())) throw new Error(`sparse file: ${what} ${JSON.stringify((v ?? '(missing)').slice(0, 40))} is not a size`);
  const n = Number(v.trim());
  if (!Number.isSafeInteger(n)) throw new Error(`sparse file: ${what} too large`);
  return n;
}

/** The sparse description of an entry from its PAX records, or undefined when it is not sparse. */
export function sparseInfo(pax: Record<string, string> | null | undefined): SparseInfo | undefined {
  if (!pax) return undefined;
  const name = pax['GNU.sparse.name'];
  const withName = (s: SparseInfo): SparseInfo => (name !== undefined && name !== '' ? { ...s, name } : s);
  if (pax['GNU.sparse.major'] !== undefined || pax['GNU.sparse.realsize'] !== undefined) {
    if (pax['GNU.sparse.major'] !== '1' || pax['GNU.sparse.minor'] !== '0') {
      throw new Error(`sparse file: unsupported GNU sparse format ${pax['GNU.sparse.major'] ?? '?'}.${pax['GNU.sparse.minor'] ?? '?'}`);
    }
    return withName({ version: '1.0', realSize: num(pax['GNU.sparse.realsize'], 'GNU.sparse.realsize') });
  }
  if (pax['GNU.sparse.map'] !== undefined) {
    const parts = pax['GNU.sparse.map'] === '' ? [] : pax['GNU.sparse.map'].split(',');
    if (parts.length % 2 !== 0 || parts.length / 2 > MAX_REGIONS) throw new Error('sparse file: GNU.sparse.map is not offset,size pairs');
    const map: [number, number][] = [];
    for (let i = 0; i < parts.length; i += 2) map.push([num(parts[i], 'map offset'), num(parts[i + 1], 'map size')]);
    return withName({ version: '0.1', realSize: num(pax['GNU.sparse.size'], 'GNU.sparse.size'), map });
  }
  if (pax['GNU.sparse.offset'] !== undefined || pax['GNU.sparse.numbytes'] !== undefined || pax['GNU.sparse.size'] !== undefined) {
    return withName({ version: '0.0', realSize: num(pax['GNU.sparse.size'], 'GNU.sparse.size') });
  }
  return undefined;
}

/** Reads the 1.0 map at the start of `data`: the regions and where the region bytes start. */
function readMap10(data: Buffer): { map: [number, number][]; start: number } {
  let pos = 0;
  const next = (what: string): number => {
    const nl = data.indexOf(0x0a, pos);
    if (nl < 0 || nl - pos > 20 || nl > MAX_MAP_BYTES) throw new Error(`sparse file: truncated or malformed map (${what})`);
    const v = num(data.subarray(pos, nl).toString('latin1'), `map ${what}`);
    pos = nl + 1;
    return v;
  };
  const count = next('count');
  if (count > MAX_REGIONS) throw new Error(`sparse file: ${count} regions in the map, more than ${MAX_REGIONS}`);
  const map: [number, number][] = [];
  for (let i = 0; i < count; i++) map.push([next('offset'), next('size')]);
  return { map, start: Math.ceil(pos / 512) * 512 };
}

/**
 * The file's real content, holes as zeros; undefined when its real size is over `max`. Throws an Error
 * (one line) for a map that does not fit the file: overlapping or out-of-order regions, regions past
 * the real size, or more region bytes than the archive holds.
 */
export function expandSparse(data: Buffer, s: SparseInfo, max: number): Buffer | undefined {
  if (s.version === '0.0') throw new Error('sparse file in the PAX 0.0 format (repeated GNU.sparse.offset/numbytes records) cannot be read');
  if (s.realSize > max) return undefined;
  const { map, start } = s.version === '1.0' ? readMap10(data) : { map: s.map ?? [], start: 0 };
  const out = Buffer.alloc(s.realSize);
  let src = start;
  let end = 0;
  for (const [off, size] of map) {
    if (off < end) throw new Error('sparse file: map regions overlap or are out of order');
    if (off + size > s.realSize) throw new Error(`sparse file: region ${off}+${size} beyond the real size ${s.realSize}`);
    if (src + size > data.length) throw new Error('sparse file: the archive holds fewer bytes than the map describes (truncated?)');
    data.copy(out, off, src, src + size);
    src += size;
    end = off + size;
  }
  return out;
}
