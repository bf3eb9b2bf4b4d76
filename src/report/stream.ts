// Streaming output for reporters: no whole-report string (a 1e6-package report is larger than V8's
// maximum string length), output written in chunks as the stream drains.
import { sortKeys } from '../core/json.js';
import { write } from './write.js';

const CHUNK = 256 * 1024;

/** Collects small strings and writes them out in chunks of about 256 KiB, waiting for drain. */
export class ChunkWriter {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly out: NodeJS.WritableStream) {}

  /** true when the buffer is full and `flush()` should be awaited */
  add(s: string): boolean {
    this.parts.push(s);
    this.size += s.length;
    return this.size >= CHUNK;
  }

  async put(s: string): Promise<void> {
    if (this.add(s)) await this.flush();
  }

  async lines(lines: Iterable<string>): Promise<void> {
    for (const l of lines) if (this.add(l + '\n')) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const s = this.parts.join('');
    this.parts = [];
    this.size = 0;
    await write(this.out, s);
  }
}

const BIG_ARRAY = 256;

/**
 * An array whose elements are made when written (CycloneDX components of a 1e6-package inventory are
 * never all in memory at once). `JSON.stringify` sees a plain array.
 */
export class LazyArray<T> {
  constructor(
    readonly length: number,
    readonly at: (i: number) => T,
  ) {}

  toJSON(): T[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i));
  }
}

/** Whether a value holds an array long enough to be streamed element by element. */
function isBig(v: unknown, depth = 0): boolean {
  if (v instanceof LazyArray) return true;
  if (Array.isArray(v)) return v.length >= BIG_ARRAY || (depth < 3 && v.some((x) => isBig(x, depth + 1)));
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    if (depth >= 3) return false;
    for (const k in v) if (isBig((v as Record<string, unknown>)[k], depth + 1)) return true;
  }
  return false;
}

function small(v: unknown, indent: number, pad: string): string {
  const s = JSON.stringify(sortKeys(v), null, indent || undefined) ?? 'null';
  return indent && pad ? s.replace(/\n/g, '\n' + pad) : s;
}

/**
 * The exact bytes of `stableJson(value, indent)` (core/json), in pieces: large arrays are walked
 * element by element, everything else is stringified in one go.
 */
export function* jsonPieces(value: unknown, indent = 2, pad = ''): Generator<string> {
  if (value instanceof LazyArray) {
    if (value.length === 0) {
      yield '[]';
      return;
    }
    const nl = indent ? '\n' : '';
    const inner = indent ? pad + ' '.repeat(indent) : '';
    yield '[';
    for (let i = 0; i < value.length; i++) {
      yield (i ? ',' : '') + nl + inner;
      yield* jsonPieces(value.at(i) ?? null, indent, inner);
    }
    yield nl + pad + ']';
    return;
  }
  let v = value;
  if (v && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON(): unknown }).toJSON();
  if (!isBig(v)) {
    yield small(v, indent, pad);
    return;
  }
  const nl = indent ? '\n' : '';
  const inner = indent ? pad + ' '.repeat(indent) : '';
  const sep = indent ? ': ' : ':';
  if (Array.isArray(v)) {
    if (v.length === 0) {
      yield '[]';
      return;
    }
    yield '[';
    for (let i = 0; i < v.length; i++) {
      yield (i ? ',' : '') + nl + inner;
      const x = v[i];
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') yield 'null';
      else yield* jsonPieces(x, indent, inner);
    }
    yield nl + pad + ']';
    return;
  }
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined && typeof obj[k] !== 'function' && typeof obj[k] !== 'symbol')
    .sort();
  if (keys.length === 0) {
    yield '{}';
    return;
  }
  yield '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    yield (i ? ',' : '') + nl + inner + JSON.stringify(k) + sep;
    yield* jsonPieces(obj[k], indent, inner);
  }
  yield nl + pad + '}';
}

/** Writes `stableJson(value) + '\n'` to `out` without building the whole string. */
export async function writeStableJson(out: NodeJS.WritableStream, value: unknown, indent = 2): Promise<void> {
  const w = new ChunkWriter(out);
  for (const piece of jsonPieces(value, indent)) if (w.add(piece)) await w.flush();
  w.add('\n');
  await w.flush();
}
