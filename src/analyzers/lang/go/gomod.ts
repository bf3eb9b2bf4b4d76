// go.mod parser: module, go, toolchain, require and replace directives (single-line and blocks),
// `// indirect` comments. https://go.dev/ref/mod#go-mod-file

export interface GoModRequire {
  path: string;
  version: string;
  indirect: boolean;
  line: number;
}

export interface GoModReplace {
  oldPath: string;
  /** only this version is replaced when set */
  oldVersion?: string;
  newPath: string;
  /** absent for a local directory replacement */
  newVersion?: string;
  line: number;
}

export interface GoMod {
  module?: string;
  go?: string;
  toolchain?: string;
  requires: GoModRequire[];
  replaces: GoModReplace[];
  /** lines that could not be parsed, with their line numbers */
  bad: { line: number; text: string }[];
}

export function parseGoMod(text: string): GoMod {
  const out: GoMod = { requires: [], replaces: [], bad: [] };
  const lines = text.split(/\r?\n/);
  let block: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i] as string;
    const { code, comment } = splitComment(raw);
    const toks = tokenize(code);
    if (toks === undefined) {
      out.bad.push({ line: lineNo, text: raw });
      continue;
    }
    if (toks.length === 0) continue;
    if (block) {
      if (toks.length === 1 && toks[0] === ')') {
        block = undefined;
        continue;
      }
      handle(out, block, toks, comment, lineNo, raw);
      continue;
    }
    const verb = toks[0] as string;
    if (toks.length === 2 && toks[1] === '(') {
      block = verb;
      continue;
    }
    if (toks.length === 3 && toks[1] === '(' && toks[2] === ')') continue;
    handle(out, verb, toks.slice(1), comment, lineNo, raw);
  }
  return out;
}

function handle(out: GoMod, verb: string, args: string[], comment: string, line: number, raw: string): void {
  switch (verb) {
    case 'module':
      if (args.length === 1) out.module = args[0];
      else out.bad.push({ line, text: raw });
      return;
    case 'go':
      if (args.length === 1) out.go = args[0];
      return;
    case 'toolchain':
      if (args.length === 1) out.toolchain = args[0];
      return;
    case 'require':
      if (args.length === 2) {
        out.requires.push({ path: args[0] as string, version: args[1] as string, indirect: /(^|;)\s*indirect\s*(;|$)/.test(comment.trim()), line });
      } else out.bad.push({ line, text: raw });
      return;
    case 'replace': {
      const arrow = args.indexOf('=>');
      const left = arrow < 0 ? [] : args.slice(0, arrow);
      const right = arrow < 0 ? [] : args.slice(arrow + 1);
      if (left.length < 1 || left.length > 2 || right.length < 1 || right.length > 2) {
        out.bad.push({ line, text: raw });
        return;
      }
      out.replaces.push({ oldPath: left[0] as string, oldVersion: left[1], newPath: right[0] as string, newVersion: right[1], line });
      return;
    }
    default:
      // exclude, retract, godebug, tool, ignore and future directives do not change what is built
      return;
  }
}

function splitComment(raw: string): { code: string; comment: string } {
  // `//` starts a comment unless inside a quoted string
  let q: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (q) {
      if (c === '\\' && q === '"') i++;
      else if (c === q) q = undefined;
    } else if (c === '"' || c === '`') q = c;
    else if (c === '/' && raw[i + 1] === '/') return { code: raw.slice(0, i), comment: raw.slice(i + 2) };
  }
  return { code: raw, comment: '' };
}

/** whitespace-separated tokens; "…" and `…` quoted strings; `(`, `)` and `=>` stand alone. undefined on an unterminated quote. */
function tokenize(code: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < code.length) {
    const c = code[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      out.push(c);
      i++;
    } else if (c === '=' && code[i + 1] === '>') {
      out.push('=>');
      i += 2;
    } else if (c === '"' || c === '`') {
      let j = i + 1;
      while (j < code.length && code[j] !== c) j += c === '"' && code[j] === '\\' ? 2 : 1;
      if (j >= code.length) return undefined;
      const lit = code.slice(i, j + 1);
      if (c === '`') out.push(lit.slice(1, -1));
      else {
        try {
          out.push(JSON.parse(lit) as string);
        } catch {
          return undefined;
        }
      }
      i = j + 1;
    } else {
      let j = i;
      while (j < code.length && !/\s/.test(code[j] as string) && code[j] !== '(' && code[j] !== ')' && !(code[j] === '=' && code[j + 1] === '>')) j++;
      out.push(code.slice(i, j));
      i = j;
    }
  }
  return out;
}

/** A replacement target that is a directory on disk rather than a module (https://go.dev/ref/mod#go-mod-file-replace). */
export function isLocalPath(p: string): boolean {
  return p.startsWith('./') || p.startsWith('../') || p.startsWith('/') || p === '.' || p === '..' || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('.\\') || p.startsWith('..\\');
}

/** The replacement that applies to path@version, following Go: a versioned replace beats an unversioned one. */
export function findReplace(replaces: GoModReplace[], path: string, version: string): GoModReplace | undefined {
  let any: GoModReplace | undefined;
  for (const r of replaces) {
    if (r.oldPath !== path) continue;
    if (r.oldVersion === version) return r;
    if (r.oldVersion === undefined) any = r;
  }
  return any;
}
