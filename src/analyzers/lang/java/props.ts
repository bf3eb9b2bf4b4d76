// META-INF/MANIFEST.MF (main section) and pom.properties (Java properties) parsers.
// https://docs.oracle.com/en/java/javase/21/docs/specs/jar/jar.html#jar-manifest
// https://docs.oracle.com/en/java/javase/21/docs/api/java.base/java/util/Properties.html#load(java.io.Reader)

/** Main-section attributes, keys lower-cased (attribute names are case-insensitive). */
export function parseManifest(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  let key: string | undefined;
  for (const line of lines) {
    if (line === '') break; // end of the main section
    if (line.startsWith(' ')) {
      if (key !== undefined) out.set(key, (out.get(key) ?? '') + line.slice(1));
      continue;
    }
    const c = line.indexOf(':');
    if (c <= 0) {
      key = undefined;
      continue;
    }
    key = line.slice(0, c).trim().toLowerCase();
    out.set(key, line.slice(c + 1).replace(/^ /, ''));
  }
  for (const [k, v] of out) out.set(k, v.trim());
  return out;
}

/** Java properties: `k=v`, `k: v`, `k v`; `#`/`!` comments; `\` continuation; `\uXXXX` and `\t\n\r\f` escapes. */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const raw = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const logical: string[] = [];
  let cur: string | undefined;
  for (const l of raw) {
    const line = cur === undefined ? l.replace(/^[ \t\f]+/, '') : l.replace(/^[ \t\f]+/, '');
    if (cur === undefined && (line === '' || line.startsWith('#') || line.startsWith('!'))) continue;
    const m = /(\\*)$/.exec(line);
    const cont = m !== null && (m[1] as string).length % 2 === 1;
    const body = cont ? line.slice(0, -1) : line;
    cur = (cur ?? '') + body;
    if (!cont) {
      logical.push(cur);
      cur = undefined;
    }
  }
  if (cur !== undefined) logical.push(cur);
  for (const l of logical) {
    let i = 0;
    let key = '';
    while (i < l.length) {
      const c = l[i] as string;
      if (c === '\\') {
        key += l.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
      key += c;
      i++;
    }
    while (i < l.length && /[ \t\f]/.test(l[i] as string)) i++;
    if (l[i] === '=' || l[i] === ':') i++;
    while (i < l.length && /[ \t\f]/.test(l[i] as string)) i++;
    out.set(unescape(key), unescape(l.slice(i)));
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    return e === 't' ? '\t' : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 'f' ? '\f' : e;
  });
}
