// The shell-like KEY=VALUE format of os-release(5) (also used by /etc/lsb-release):
// one assignment per line, `#` comments, blank lines ignored; values may be unquoted or quoted with
// "..." (backslash escapes \" \\ \$ \` are honoured) or '...' (literal). Lines that are not assignments
// are reported once per file and skipped. Never throws.

/** os-release files are a few hundred bytes; anything past this is not read. */
export const MAX_RELEASE_BYTES = 64 * 1024;

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface KeyValueResult {
  values: Map<string, string>;
  /** problems worth a warning (bad lines, unterminated quotes), at most a few */
  problems: string[];
}

/** Decode a file's bytes as UTF-8 (invalid sequences become U+FFFD), at most MAX_RELEASE_BYTES of it. */
export function decodeRelease(content: Buffer): { text: string; truncated: boolean } {
  const truncated = content.length > MAX_RELEASE_BYTES;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(truncated ? content.subarray(0, MAX_RELEASE_BYTES) : content);
  return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, truncated };
}

/** Parses the value part of an assignment; `undefined` when a quote is not closed. */
export function unquote(raw: string): string | undefined {
  let out = '';
  let i = 0;
  const s = raw.trim();
  while (i < s.length) {
    const c = s[i]!;
    if (c === '"') {
      i++;
      let closed = false;
      while (i < s.length) {
        const d = s[i]!;
        if (d === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1]!)) {
          out += s[i + 1];
          i += 2;
        } else if (d === '"') {
          closed = true;
          i++;
          break;
        } else {
          out += d;
          i++;
        }
      }
      if (!closed) return undefined;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) return undefined;
      out += s.slice(i + 1, end);
      i = end + 1;
    } else if (c === '\\' && i + 1 < s.length) {
      out += s[i + 1];
      i += 2;
    } else if (c === ' ' || c === '\t') {
      // unquoted whitespace ends the value in a shell; what follows (e.g. a comment) is ignored
      break;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

export function parseKeyValue(text: string): KeyValueResult {
  const values = new Map<string, string>();
  const problems: string[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq).trim() : '';
    if (!KEY.test(key)) {
      if (problems.length < 5) problems.push(`line ${n + 1}: not a KEY=VALUE assignment`);
      continue;
    }
    const value = unquote(line.slice(eq + 1));
    if (value === undefined) {
      if (problems.length < 5) problems.push(`line ${n + 1}: unterminated quote in ${key}`);
      continue;
    }
    values.set(key, value);
  }
  return { values, problems };
}
