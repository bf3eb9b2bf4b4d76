// JSON with object keys sorted at every level (undefined members left out): the same content always
// gives the same bytes. Used for report output (indented) and for policy digests (compact).

export function sortKeys(v: unknown): unknown {
  // a value with toJSON (Date, report/stream LazyArray) is what JSON.stringify would write
  if (v && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') return sortKeys((v as { toJSON(): unknown }).toJSON());
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as Record<string, unknown>).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/** `indent` 0 gives the compact canonical form. */
export function stableJson(value: unknown, indent = 2): string {
  return JSON.stringify(sortKeys(value), null, indent || undefined);
}
