// Parses the module info text embedded in Go binaries (the format of runtime/debug.BuildInfo.String()):
//   path <main package path>
//   mod  <module> <version> [<sum>]
//   dep  <module> <version> [<sum>]
//   =>   <replacement module or directory> <version> [<sum>]   (replaces the line above it)
//   build <key>=<value>                                          (key/value Go-quoted when needed)
// Fields are tab-separated. https://pkg.go.dev/runtime/debug#ParseBuildInfo

export interface GoModule {
  path: string;
  version: string;
  sum?: string;
  replace?: GoModule;
}

export interface ModInfo {
  /** main package path (`cmd/pack`, `github.com/tianon/gosu`) */
  path?: string;
  main?: GoModule;
  deps: GoModule[];
  /** build settings in order (`-ldflags`, `GOOS`, `vcs.revision`, ...) */
  build: [string, string][];
  /** lines that could not be parsed */
  bad: string[];
}

export function parseModInfo(text: string): ModInfo {
  const out: ModInfo = { deps: [], build: [], bad: [] };
  let last: GoModule | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const tab = line.indexOf('\t');
    const key = tab < 0 ? line : line.slice(0, tab);
    const rest = tab < 0 ? '' : line.slice(tab + 1);
    switch (key) {
      case 'go':
        break;
      case 'path':
        out.path = rest;
        break;
      case 'mod':
      case 'dep': {
        const m = parseModLine(rest);
        if (!m || m.version === '') {
          out.bad.push(line);
          last = undefined;
          break;
        }
        if (key === 'mod') out.main = m;
        else out.deps.push(m);
        last = m;
        break;
      }
      case '=>': {
        const m = parseModLine(rest);
        if (!m || !last || last.replace) {
          out.bad.push(line);
          break;
        }
        last.replace = m;
        break;
      }
      case 'build': {
        const kv = parseBuildSetting(rest);
        if (kv) out.build.push(kv);
        else out.bad.push(line);
        break;
      }
      default:
        out.bad.push(line);
    }
  }
  return out;
}

function parseModLine(rest: string): GoModule | undefined {
  const f = rest.split('\t');
  const path = f[0] ?? '';
  if (path === '' || f.length > 3) return undefined;
  const m: GoModule = { path, version: f[1] ?? '' };
  if (f[2]) m.sum = f[2];
  return m;
}

/** `key=value`, either side possibly a Go-quoted string */
function parseBuildSetting(rest: string): [string, string] | undefined {
  let key: string;
  let after: string;
  if (rest.startsWith('"')) {
    const q = readQuoted(rest);
    if (!q || rest[q.end] !== '=') return undefined;
    key = q.value;
    after = rest.slice(q.end + 1);
  } else {
    const eq = rest.indexOf('=');
    if (eq <= 0) return undefined;
    key = rest.slice(0, eq);
    after = rest.slice(eq + 1);
  }
  if (after.startsWith('"')) {
    const q = readQuoted(after);
    if (!q || q.end !== after.length) return undefined;
    return [key, q.value];
  }
  return [key, after];
}

/** Go strconv.Quote output: a double-quoted string with backslash escapes (JSON covers the common ones). */
function readQuoted(s: string): { value: string; end: number } | undefined {
  let i = 1;
  while (i < s.length) {
    const c = s[i];
    if (c === '\\') i += 2;
    else if (c === '"') break;
    else i++;
  }
  if (i >= s.length) return undefined;
  const lit = s.slice(0, i + 1);
  try {
    // \x.. escapes are Go-only; map them to \u00.. first
    return { value: JSON.parse(lit.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')) as string, end: i + 1 };
  } catch {
    return { value: lit.slice(1, -1), end: i + 1 };
  }
}

/**
 * A main-module version set by the linker: `-X <pkg>.version=<v>` in `-ldflags`, as Trivy and Syft
 * guess it. Only semver-looking values count; returned with a leading `v`.
 */
export function versionFromLdflags(ldflags: string): { version: string; key: string } | undefined {
  const args = splitFlags(ldflags);
  const found: { key: string; version: string; rank: number }[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    let kv: string | undefined;
    if (a === '-X' || a === '--X') kv = args[i + 1];
    else if (a.startsWith('-X=')) kv = a.slice(3);
    else if (a.startsWith('--X=')) kv = a.slice(4);
    if (!kv) continue;
    const eq = kv.indexOf('=');
    if (eq <= 0) continue;
    const key = kv.slice(0, eq);
    const value = kv.slice(eq + 1);
    const lk = key.toLowerCase();
    const last = lk.slice(lk.lastIndexOf('/') + 1);
    let rank = 0;
    if (last === 'main.version' || last === 'main.ver') rank = 3;
    else if (/\.(version|ver)$/.test(last)) rank = /(^|[./])(version|cmd|build)\./.test(last) ? 2 : 1;
    if (rank === 0) continue;
    const m = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$/.exec(value);
    if (!m) continue;
    found.push({ key, version: 'v' + m[1], rank });
  }
  found.sort((a, b) => b.rank - a.rank);
  const best = found[0];
  return best ? { version: best.version, key: best.key } : undefined;
}

/** Split a flags string the way cmd/go's quoted.Split does: whitespace-separated, '…' and "…" quoting. */
export function splitFlags(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inTok = false;
  let quote: string | undefined;
  for (const c of s) {
    if (quote) {
      if (c === quote) quote = undefined;
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inTok = true;
    } else if (/\s/.test(c)) {
      if (inTok) out.push(cur);
      cur = '';
      inTok = false;
    } else {
      cur += c;
      inTok = true;
    }
  }
  if (inTok) out.push(cur);
  return out;
}
