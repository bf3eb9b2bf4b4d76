// TOML for the lockfile analyzers (Cargo.lock, poetry.lock, uv.lock, pdm.lock, pyproject.toml): smol-toml
// (TOML 1.0.0, https://toml.io/en/v1.0.0; https://github.com/squirrelchat/smol-toml), depth-limited, with
// dates as RFC 3339 strings, errors as one-line TomlError with the line number, and helpers that read the
// parsed value without trusting its shape. Chosen over our former hand-written parser by bench/toml.bench.ts:
// faster on every real lockfile of ../shared, and it refuses invalid documents ours accepted (a 25th hour).
import { parse, TomlError as SmolTomlError } from 'smol-toml';

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

/** Dates and times become their RFC 3339 text (`1979-05-27T07:32:00.000Z`, `2024-01-02`, `07:32:00.000`). */
function plain(v: unknown): TomlValue {
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = plain(v[i]);
    return v as TomlValue[];
  }
  if (typeof v === 'object' && v !== null) {
    const t = v as Record<string, unknown>;
    for (const k of Object.keys(t)) {
      const x = t[k];
      if (typeof x === 'object' && x !== null) t[k] = plain(x);
    }
    return t as TomlTable;
  }
  return v as TomlValue;
}

export function parseToml(input: string, options: TomlOptions = {}): TomlTable {
  try {
    return plain(parse(input, { maxDepth: options.maxDepth ?? 64 })) as TomlTable;
  } catch (e) {
    if (e instanceof SmolTomlError) throw new TomlError(e.message.split('\n')[0]!.replace(/^Invalid TOML document: /, ''), e.line);
    // smol-toml signals a nesting past maxDepth with a plain Error
    if (e instanceof Error) throw new TomlError(e.message.split('\n')[0]!, 0);
    throw e;
  }
}

function isTable(v: TomlValue | undefined): v is TomlTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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

/** own-property read: `constructor`, `__proto__` and friends are ordinary keys here */
export function tomlGet(t: TomlTable | undefined, k: string): TomlValue | undefined {
  return t && Object.prototype.hasOwnProperty.call(t, k) ? t[k] : undefined;
}
