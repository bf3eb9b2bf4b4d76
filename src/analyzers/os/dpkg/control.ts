// RFC 822-style control data as dpkg writes it (deb822(5), deb-control(5)): stanzas separated by blank
// lines; `Field: value` lines; continuation lines start with a space or tab (multi-line Description,
// Conffiles, ...). Field names are case-insensitive: keys are stored lower-cased. Never throws; problems
// are reported through `warn` (the caller caps them).
import { isUtf8 } from 'node:buffer';

export interface Stanza {
  /** 1-based line of the stanza's first field */
  line: number;
  /** lower-cased field name → value (continuation lines joined with `\n`, first value wins on repeats) */
  fields: Map<string, string>;
}

const FFFD = Buffer.from('\uFFFD', 'utf8');

/** Decodes bytes as UTF-8; invalid sequences become U+FFFD (reported once), a BOM is dropped. */
export function decodeControl(content: Buffer, warn: (m: string) => void): string {
  const text = content.toString('utf8');
  if (text.includes('\uFFFD')) warn('invalid UTF-8 (replaced with U+FFFD)');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * What `decodeControl` says about `content`, without decoding it: the offset after a BOM. The stanza
 * parser works on the bytes and decodes only the fields it keeps, so a 100 MB status file is never
 * also held as a 100 MB string (and kept values are not slices pinning it).
 */
function checkControl(content: Buffer, warn: (m: string) => void): number {
  if (!isUtf8(content) || content.includes(FFFD)) warn('invalid UTF-8 (replaced with U+FFFD)');
  return content.length >= 3 && content[0] === 0xef && content[1] === 0xbb && content[2] === 0xbf ? 3 : 0;
}

// deb822: field names are US-ASCII printable characters except colon, not starting with `#` or `-`.
const FIELD = /^[!-9;-~][!-9;-~]*$/;

/**
 * `keep`: when given, only these (lower-case) fields are stored; the others are still checked for syntax
 * but neither stored nor joined (a status file's Description and Conffiles make up most of its bytes).
 */
export function parseStanzas(text: string | Buffer, warn: (m: string) => void, keep?: ReadonlySet<string>): Stanza[] {
  const out: Stanza[] = [];
  forEachStanza(text, warn, keep, (st) => void out.push(st));
  return out;
}

/** A field longer than this takes no more continuation lines (a hostile multi-megabyte field would build a string too deep to use). */
export const MAX_FIELD_CHARS = 1024 * 1024;

/** bytes JS `trim()` removes that are ASCII: tab, LF, VT, FF, CR, space */
function isAsciiSpace(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

/** `line.trim() === ''` for the bytes [from, to): decoded only when a non-ASCII byte could be Unicode space. */
function blankBytes(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const b = buf[i]!;
    if (b >= 0x80) return buf.toString('utf8', from, to).trim() === '';
    if (!isAsciiSpace(b)) return false;
  }
  return true;
}

/** The value after `Field:` as `slice(colon + 1).trim()` would give it, decoded into its own string. */
function valueOf(buf: Buffer, from: number, to: number): string {
  while (from < to && (buf[from] === 0x20 || buf[from] === 0x09)) from++;
  while (to > from && (buf[to - 1] === 0x20 || buf[to - 1] === 0x09)) to--;
  return buf.toString('utf8', from, to).trim();
}

/**
 * `parseStanzas`, one stanza at a time: a status file of 1e6 packages never holds 1e6 stanzas at once.
 * Works on the bytes (a string is encoded first); lines are split at LF, a CR before it is dropped.
 */
export function forEachStanza(input: string | Buffer, warn: (m: string) => void, keep: ReadonlySet<string> | undefined, each: (st: Stanza) => void): void {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  let start = typeof input === 'string' ? 0 : checkControl(buf, warn);
  let cur: Stanza | undefined;
  // the field continuation lines belong to; null: a field being ignored (its continuations are too)
  let lastKey: string | null | undefined;
  let lineNo = 0;
  const len = buf.length;
  while (start <= len) {
    let end = buf.indexOf(0x0a, start);
    if (end < 0) end = len;
    lineNo++;
    const from = start;
    const to = end > from && buf[end - 1] === 0x0d ? end - 1 : end;
    start = end + 1;
    const c0 = to > from ? buf[from]! : -1;
    if (to === from || ((c0 === 0x20 || c0 === 0x09) && blankBytes(buf, from, to))) {
      if (cur) each(cur);
      cur = undefined;
      lastKey = undefined;
      if (end === len) break;
      continue;
    }
    if (c0 === 0x20 || c0 === 0x09) {
      if (lastKey === null) continue;
      if (!cur || lastKey === undefined) {
        warn(`line ${lineNo}: continuation line outside a field; ignored`);
        continue;
      }
      const prev = cur.fields.get(lastKey)!;
      if (prev.length > MAX_FIELD_CHARS) {
        warn(`line ${lineNo}: field ${lastKey} longer than ${MAX_FIELD_CHARS} characters; the rest is ignored`);
        lastKey = null;
        continue;
      }
      cur.fields.set(lastKey, prev + '\n' + buf.toString('utf8', from + 1, to));
      continue;
    }
    if (c0 === 0x23 /* # comment */) continue;
    const colon = buf.indexOf(0x3a, from);
    const name = colon > from && colon < to ? buf.toString('latin1', from, colon) : '';
    if (!FIELD.test(name) || name.startsWith('-')) {
      warn(`line ${lineNo}: not a "Field: value" line; ignored`);
      lastKey = null;
      continue;
    }
    const key = name.toLowerCase();
    cur ??= { line: lineNo, fields: new Map() };
    if (keep && !keep.has(key)) {
      lastKey = null;
      continue;
    }
    if (cur.fields.has(key)) {
      warn(`line ${lineNo}: field ${name.slice(0, 40)} repeated in one stanza; the first value is kept`);
      lastKey = null;
      continue;
    }
    cur.fields.set(key, valueOf(buf, colon + 1, to));
    lastKey = key;
    if (end === len) break;
  }
  if (cur) each(cur);
}
