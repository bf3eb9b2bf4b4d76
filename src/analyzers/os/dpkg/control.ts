// RFC 822-style control data as dpkg writes it (deb822(5), deb-control(5)): stanzas separated by blank
// lines; `Field: value` lines; continuation lines start with a space or tab (multi-line Description,
// Conffiles, ...). Field names are case-insensitive: keys are stored lower-cased. Never throws; problems
// are reported through `warn` (the caller caps them).

export interface Stanza {
  /** 1-based line of the stanza's first field */
  line: number;
  /** lower-cased field name → value (continuation lines joined with `\n`, first value wins on repeats) */
  fields: Map<string, string>;
}

/** Decodes bytes as UTF-8; invalid sequences become U+FFFD (reported once), a BOM is dropped. */
export function decodeControl(content: Buffer, warn: (m: string) => void): string {
  const text = content.toString('utf8');
  if (text.includes('\uFFFD')) warn('invalid UTF-8 (replaced with U+FFFD)');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

// deb822: field names are US-ASCII printable characters except colon, not starting with `#` or `-`.
const FIELD = /^[!-9;-~][!-9;-~]*$/;

/**
 * `keep`: when given, only these (lower-case) fields are stored; the others are still checked for syntax
 * but neither stored nor joined (a status file's Description and Conffiles make up most of its bytes).
 */
export function parseStanzas(text: string, warn: (m: string) => void, keep?: ReadonlySet<string>): Stanza[] {
  const out: Stanza[] = [];
  forEachStanza(text, warn, keep, (st) => void out.push(st));
  return out;
}

/** A field longer than this takes no more continuation lines (a hostile multi-megabyte field would build a string too deep to use). */
export const MAX_FIELD_CHARS = 1024 * 1024;

/** `parseStanzas`, one stanza at a time: a status file of 1e6 packages never holds 1e6 stanzas at once. */
export function forEachStanza(text: string, warn: (m: string) => void, keep: ReadonlySet<string> | undefined, each: (st: Stanza) => void): void {
  const out = { push: each };
  let cur: Stanza | undefined;
  // the field continuation lines belong to; null: a field being ignored (its continuations are too)
  let lastKey: string | null | undefined;
  let start = 0;
  let lineNo = 0;
  const len = text.length;
  while (start <= len) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = len;
    lineNo++;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const c0 = line.charCodeAt(0);
    if (line.length === 0 || ((c0 === 0x20 || c0 === 0x09) && line.trim() === '')) {
      if (cur) out.push(cur);
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
      cur.fields.set(lastKey, prev + '\n' + line.slice(1));
      continue;
    }
    if (c0 === 0x23 /* # comment */) continue;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
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
    cur.fields.set(key, line.slice(colon + 1).trim());
    lastKey = key;
    if (end === len) break;
  }
  if (cur) out.push(cur);
}
