// The common view of an executable that the Go and Rust binary analyzers need: named sections,
// loadable segments (virtual address → file offset), pointer size and byte order.

export type ExeFormat = 'elf' | 'pe' | 'macho';

export interface Section {
  name: string;
  /** Mach-O segment name (`__DATA`), undefined elsewhere */
  segment?: string;
  /** virtual address (PE: including the image base) */
  addr: number;
  /** file offset of the section's bytes */
  offset: number;
  /** bytes in the file (0 for NOBITS / zerofill) */
  size: number;
  writable: boolean;
}

export interface Segment {
  name?: string;
  /** virtual address (PE: including the image base) */
  vaddr: number;
  offset: number;
  /** bytes backed by the file */
  filesz: number;
  writable: boolean;
  executable: boolean;
}

export interface Executable {
  format: ExeFormat;
  littleEndian: boolean;
  ptrSize: 4 | 8;
  /** the bytes this executable was parsed from (for a fat Mach-O: the slice) */
  buf: Buffer;
  sections: Section[];
  segments: Segment[];
  /** machine/cpu identifier as found in the header, for diagnostics */
  machine: number;
}

export type ParseResult = { ok: true; exe: Executable } | { ok: false; error: string };
