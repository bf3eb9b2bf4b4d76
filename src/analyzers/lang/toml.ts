// A small, strict TOML parser for lockfiles (poetry.lock, uv.lock, Cargo.lock) — https://toml.io/en/v1.0.0
// Supported: comments, bare/quoted/dotted keys, `[table]`, `[[array.of.tables]]`, basic and literal strings
// (single- and multi-line, with escapes), integers (dec/hex/oct/bin, underscores), floats, inf/nan,
// booleans, date-times (kept as their source string), arrays (multi-line, trailing comma) and inline tables.
// Anything outside that subset, or redefinitions, throws TomlError with a line number; callers turn it
// into a per-file warning. Nesting depth and document size are capped.

export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

export class TomlError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'TomlError';
    this.line = line;
  }
}

export interface TomlOptions {
  /** maximum nesting of arrays / inline tables (default 64) */
  maxDepth?: number;
}

const BARE_KEY = /^[A-Za-z0-9_-]+/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})?)?|^\d{2}:\d{2}:\d{2}(?:\.\d+)?/;

// Tables created implicitly (as a dotted-key parent or header prefix) may be defined later with a header;
// tables defined explicitly may not be defined twice; inline tables and static arrays are sealed.
const definedTables = new WeakSet<TomlTable>();
const sealedTables = new WeakSet<TomlTable>();
const aotArrays = new WeakSet<TomlValue[]>();

function newTable(): TomlTable {
  return {};
}

/** own-property read: `constructor`, `__proto__` and friends are ordinary keys here */
function get(t: TomlTable, k: string): TomlValue | undefined {
  return Object.prototype.hasOwnProperty.call(t, k) ? t[k] : undefined;
}

/** own-property write that never triggers the `__proto__` setter */
function set(t: TomlTable, k: string, v: TomlValue): void {
  if (k === '__proto__') Object.defineProperty(t, k, { value: v, enumerable: true, writable: true, configurable: true });
  else t[k] = v;
}

function isTable(v: TomlValue | undefined): v is TomlTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseToml(input: string, options: TomlOptions = {}): TomlTable {
  return new Parser(input, options.maxDepth ?? 64).parse();
}

class Parser {
  private pos = 0;
  private line = 1;
  private readonly root = newTable();
  private current: TomlTable;

  constructor(
    private readonly src: string,
    private readonly maxDepth: number,
  ) {
    this.current = this.root;
    if (this.src.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  private fail(msg: string): never {
    throw new TomlError(msg, this.line);
  }

  private peek(off = 0): string {
    return this.src[this.pos + off] ?? '';
  }

  private startsWith(s: string): boolean {
    return this.src.startsWith(s, this.pos);
  }

  private skipWs(): void {
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c === ' ' || c === '\t') this.pos++;
      else break;
    }
  }

  private skipComment(): void {
    if (this.peek() !== '#') return;
    while (this.pos < this.src.length && this.src[this.pos] !== '\n') {
      const code = this.src.charCodeAt(this.pos);
      if ((code < 0x20 && code !== 0x09 && code !== 0x0d) || code === 0x7f) this.fail('control character in comment');
      this.pos++;
    }
  }

  /** end of a line: optional whitespace, comment, then newline or EOF */
  private expectEol(): void {
    this.skipWs();
    this.skipComment();
    if (this.pos >= this.src.length) return;
    if (this.startsWith('\r\n')) this.pos += 2;
    else if (this.peek() === '\n') this.pos++;
    else this.fail(`unexpected ${JSON.stringify(this.peek())} at end of line`);
    this.line++;
  }

  /** whitespace, newlines and comments (inside arrays) */
  private skipWsNl(): void {
    for (;;) {
      this.skipWs();
      this.skipComment();
      if (this.startsWith('\r\n')) {
        this.pos += 2;
        this.line++;
      } else if (this.peek() === '\n') {
        this.pos++;
        this.line++;
      } else return;
    }
  }

  parse(): TomlTable {
    while (this.pos < this.src.length) {
      this.skipWs();
      const c = this.peek();
      if (c === '#' || c === '\n' || c === '\r' || c === '') {
        this.expectEol();
        continue;
      }
      if (c === '[') {
        if (this.peek(1) === '[') this.arrayTableHeader();
        else this.tableHeader();
      } else {
        this.keyValue(this.current);
      }
      this.expectEol();
    }
    return this.root;
  }

  private key(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.skipWs();
      const c = this.peek();
      if (c === '"') parts.push(this.basicString());
      else if (c === "'") parts.push(this.literalString());
      else {
        const m = BARE_KEY.exec(this.src.slice(this.pos, this.pos + 256));
        if (!m) this.fail(`invalid key at ${JSON.stringify(c)}`);
        parts.push(m[0]);
        this.pos += m[0].length;
      }
      this.skipWs();
      if (this.peek() === '.') {
        this.pos++;
        continue;
      }
      return parts;
    }
  }

  /** walk/create the tables along `path` for a header; returns the parent of the last key */
  private descend(table: TomlTable, path: string[]): TomlTable {
    let t = table;
    for (const k of path) {
      const v = get(t, k);
      if (v === undefined) {
        const n = newTable();
        set(t, k, n);
        t = n;
      } else if (isTable(v)) {
        if (sealedTables.has(v)) this.fail(`cannot extend inline table ${k}`);
        t = v;
      } else if (Array.isArray(v) && aotArrays.has(v)) {
        const last = v[v.length - 1];
        if (!isTable(last)) this.fail(`bad array of tables ${k}`);
        t = last;
      } else this.fail(`key ${k} is not a table`);
    }
    return t;
  }

  private tableHeader(): void {
    this.pos++;
    const path = this.key();
    if (this.peek() !== ']') this.fail('expected ] after table name');
    this.pos++;
    const parent = this.descend(this.root, path.slice(0, -1));
    const last = path[path.length - 1]!;
    const v = get(parent, last);
    let t: TomlTable;
    if (v === undefined) {
      t = newTable();
      set(parent, last, t);
    } else if (isTable(v) && !sealedTables.has(v) && !definedTables.has(v)) {
      t = v;
    } else this.fail(`table [${path.join('.')}] defined twice`);
    definedTables.add(t);
    this.current = t;
  }

  private arrayTableHeader(): void {
    this.pos += 2;
    const path = this.key();
    if (!this.startsWith(']]')) this.fail('expected ]] after array of tables name');
    this.pos += 2;
    const parent = this.descend(this.root, path.slice(0, -1));
    const last = path[path.length - 1]!;
    let arr = get(parent, last);
    if (arr === undefined) {
      arr = [];
      aotArrays.add(arr);
      set(parent, last, arr);
    } else if (!Array.isArray(arr) || !aotArrays.has(arr)) this.fail(`[[${path.join('.')}]] conflicts with an existing key`);
    const t = newTable();
    definedTables.add(t);
    arr.push(t);
    this.current = t;
  }

  private keyValue(table: TomlTable, depth = 0): void {
    const path = this.key();
    if (this.peek() !== '=') this.fail(`expected = after key ${path.join('.')}`);
    this.pos++;
    this.skipWs();
    let t = table;
    for (const k of path.slice(0, -1)) {
      const v = get(t, k);
      if (v === undefined) {
        const n = newTable();
        set(t, k, n);
        t = n;
      } else if (isTable(v) && !sealedTables.has(v) && !definedTables.has(v)) t = v;
      else this.fail(`cannot add dotted key under ${k}`);
    }
    const last = path[path.length - 1]!;
    if (Object.prototype.hasOwnProperty.call(t, last)) this.fail(`duplicate key ${path.join('.')}`);
    set(t, last, this.value(depth));
  }

  private value(depth: number): TomlValue {
    if (depth > this.maxDepth) this.fail('nesting too deep');
    const c = this.peek();
    if (c === '"') return this.startsWith('"""') ? this.multiBasicString() : this.basicString();
    if (c === "'") return this.startsWith("'''") ? this.multiLiteralString() : this.literalString();
    if (c === '[') return this.array(depth + 1);
    if (c === '{') return this.inlineTable(depth + 1);
    if (this.startsWith('true')) {
      this.pos += 4;
      return true;
    }
    if (this.startsWith('false')) {
      this.pos += 5;
      return false;
    }
    return this.numberOrDate();
  }

  private numberOrDate(): TomlValue {
    const rest = this.src.slice(this.pos, this.pos + 64);
    const d = DATE_TIME.exec(rest);
    if (d) {
      this.pos += d[0].length;
      return d[0];
    }
    const m = /^[+-]?(?:inf|nan)|^0x[0-9A-Fa-f_]+|^0o[0-7_]+|^0b[01_]+|^[+-]?[0-9_]+(?:\.[0-9_]+)?(?:[eE][+-]?[0-9_]+)?/.exec(rest);
    if (!m) this.fail(`invalid value starting ${JSON.stringify(rest.slice(0, 10))}`);
    const s = m[0];
    this.pos += s.length;
    if (/__|^_|_$|_\.|\._/.test(s.replace(/^0[xob]/, ''))) this.fail(`invalid underscores in number ${s}`);
    const clean = s.replace(/_/g, '');
    if (/inf$/.test(clean)) return clean.startsWith('-') ? -Infinity : Infinity;
    if (/nan$/.test(clean)) return NaN;
    if (/^0[xob]/.test(clean)) {
      const base = clean[1] === 'x' ? 16 : clean[1] === 'o' ? 8 : 2;
      return parseInt(clean.slice(2), base);
    }
    if (/^[+-]?0\d/.test(clean)) this.fail(`leading zero in number ${s}`);
    const n = Number(clean);
    if (Number.isNaN(n)) this.fail(`invalid number ${s}`);
    return n;
  }

  private array(depth: number): TomlValue[] {
    this.pos++;
    const out: TomlValue[] = [];
    for (;;) {
      this.skipWsNl();
      if (this.peek() === ']') {
        this.pos++;
        break;
      }
      if (this.pos >= this.src.length) this.fail('unterminated array');
      out.push(this.value(depth));
      this.skipWsNl();
      if (this.peek() === ',') {
        this.pos++;
        continue;
      }
      if (this.peek() === ']') {
        this.pos++;
        break;
      }
      this.fail(`expected , or ] in array, got ${JSON.stringify(this.peek())}`);
    }
    return out;
  }

  private inlineTable(depth: number): TomlTable {
    this.pos++;
    const t = newTable();
    this.skipWs();
    if (this.peek() === '}') {
      this.pos++;
      sealedTables.add(t);
      return t;
    }
    for (;;) {
      this.skipWs();
      if (this.peek() === '\n' || this.peek() === '\r' || this.pos >= this.src.length) this.fail('newline in inline table');
      this.keyValue(t, depth);
      this.skipWs();
      if (this.peek() === ',') {
        this.pos++;
        continue;
      }
      if (this.peek() === '}') {
        this.pos++;
        break;
      }
      this.fail(`expected , or } in inline table, got ${JSON.stringify(this.peek())}`);
    }
    sealAll(t);
    return t;
  }

  private escape(): string {
    const c = this.peek();
    this.pos++;
    switch (c) {
      case 'b':
        return '\b';
      case 't':
        return '\t';
      case 'n':
        return '\n';
      case 'f':
        return '\f';
      case 'r':
        return '\r';
      case 'e':
        return '\x1b';
      case '"':
        return '"';
      case '\\':
        return '\\';
      case 'u':
      case 'U': {
        const len = c === 'u' ? 4 : 8;
        const hex = this.src.slice(this.pos, this.pos + len);
        if (!new RegExp(`^[0-9A-Fa-f]{${len}}$`).test(hex)) this.fail('invalid unicode escape');
        this.pos += len;
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) this.fail('invalid unicode scalar');
        return String.fromCodePoint(cp);
      }
      default:
        return this.fail(`invalid escape \\${c}`);
    }
  }

  private checkChar(code: number, multiline: boolean): void {
    if (code === 0x09) return;
    if (multiline && (code === 0x0a || code === 0x0d)) return;
    if (code < 0x20 || code === 0x7f) this.fail('control character in string');
  }

  private basicString(): string {
    this.pos++;
    // fast path: no escapes and no control characters before the closing quote
    const end = this.src.indexOf('"', this.pos);
    if (end >= 0) {
      let plain = true;
      for (let i = this.pos; i < end; i++) {
        const code = this.src.charCodeAt(i);
        if (code === 0x5c || (code < 0x20 && code !== 0x09) || code === 0x7f) {
          plain = false;
          break;
        }
      }
      if (plain) {
        const s = this.src.slice(this.pos, end);
        this.pos = end + 1;
        return s;
      }
    }
    let out = '';
    for (;;) {
      if (this.pos >= this.src.length) this.fail('unterminated string');
      const c = this.src[this.pos]!;
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === '\\') {
        this.pos++;
        out += this.escape();
        continue;
      }
      this.checkChar(c.charCodeAt(0), false);
      out += c;
      this.pos++;
    }
  }

  private literalString(): string {
    this.pos++;
    const end = this.src.indexOf("'", this.pos);
    const nl = this.src.indexOf('\n', this.pos);
    if (end < 0 || (nl >= 0 && nl < end)) this.fail('unterminated literal string');
    const s = this.src.slice(this.pos, end);
    for (let i = 0; i < s.length; i++) this.checkChar(s.charCodeAt(i), false);
    this.pos = end + 1;
    return s;
  }

  private skipFirstNewline(): void {
    if (this.startsWith('\r\n')) {
      this.pos += 2;
      this.line++;
    } else if (this.peek() === '\n') {
      this.pos++;
      this.line++;
    }
  }

  private multiBasicString(): string {
    this.pos += 3;
    this.skipFirstNewline();
    let out = '';
    for (;;) {
      if (this.pos >= this.src.length) this.fail('unterminated multi-line string');
      if (this.startsWith('"""')) {
        // up to two extra quotes belong to the content
        let q = 3;
        while (this.peek(q) === '"' && q < 5) q++;
        out += '"'.repeat(q - 3);
        this.pos += q;
        return out;
      }
      const c = this.src[this.pos]!;
      if (c === '\\') {
        // line-ending backslash trims whitespace and newlines
        const m = /^\\[ \t]*\r?\n/.exec(this.src.slice(this.pos, this.pos + 256));
        if (m) {
          this.pos += m[0].length;
          this.line++;
          for (;;) {
            const d = this.peek();
            if (d === ' ' || d === '\t' || d === '\r') this.pos++;
            else if (d === '\n') {
              this.pos++;
              this.line++;
            } else break;
          }
          continue;
        }
        this.pos++;
        out += this.escape();
        continue;
      }
      this.checkChar(c.charCodeAt(0), true);
      if (c === '\n') this.line++;
      out += c;
      this.pos++;
    }
  }

  private multiLiteralString(): string {
    this.pos += 3;
    this.skipFirstNewline();
    const end = this.src.indexOf("'''", this.pos);
    if (end < 0) this.fail('unterminated multi-line literal string');
    let stop = end + 3;
    while (this.src[stop] === "'" && stop - end < 5) stop++;
    const s = this.src.slice(this.pos, stop - 3);
    for (let i = 0; i < s.length; i++) {
      const code = s.charCodeAt(i);
      this.checkChar(code, true);
      if (code === 0x0a) this.line++;
    }
    this.pos = stop;
    return s;
  }
}

function sealAll(t: TomlTable): void {
  sealedTables.add(t);
  for (const v of Object.values(t)) if (isTable(v)) sealAll(v);
}

/** Helpers for analyzers reading parsed TOML without trusting its shape. */
export function tomlString(v: TomlValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function tomlTables(v: TomlValue | undefined): TomlTable[] {
  return Array.isArray(v) ? v.filter(isTable) : [];
}

export function tomlTable(v: TomlValue | undefined): TomlTable | undefined {
  return isTable(v) ? v : undefined;
}

export function tomlGet(t: TomlTable | undefined, k: string): TomlValue | undefined {
  return t ? get(t, k) : undefined;
}
