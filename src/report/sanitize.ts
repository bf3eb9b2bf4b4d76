// Strings from images and SBOMs (os-release PRETTY_NAME, package names, purls, paths, advisory text)
// reach terminals, CI logs and code-scanning UIs. `sanitize` is applied at render time to every such
// string in the text formats (table, Markdown, JUnit, SARIF text): C0 controls, DEL and C1 controls
// (ESC, BEL, CR, LF, NUL, CSI, ...) cannot move the cursor, recolour the log or forge a
// `Verdict PASS` line. Tabs, CR and LF become a space (the words stay apart); the rest are dropped.

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex
const QUICK = /[\u0000-\u001f\u007f-\u009f]/;

export function sanitize(s: string): string;
export function sanitize(s: string | undefined): string | undefined;
export function sanitize(s: string | undefined): string | undefined {
  if (s === undefined || !QUICK.test(s)) return s;
  return s.replace(CONTROLS, (c) => (c === '\t' || c === '\n' || c === '\r' ? ' ' : ''));
}

/**
 * A copy of a value with every string sanitized: for renderers that print many fields of a report
 * (the table), so no field can slip through unsanitized. Objects are copied, never changed in place.
 */
export function sanitizeDeep<T>(v: T): T {
  if (typeof v === 'string') return sanitize(v) as T;
  if (Array.isArray(v)) return v.map((x) => sanitizeDeep(x)) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = sanitizeDeep(x);
    return out as T;
  }
  return v;
}

/**
 * `sanitizeDeep`, sharing what needs no change: a value without control characters is returned as it
 * is, and only the objects and arrays on the way to a changed string are copied. For the streaming
 * writers (SARIF, JUnit), where a 1e5-finding report must not be held twice. The result is read-only.
 */
export function sanitizeShared<T>(v: T): T {
  if (typeof v === 'string') return sanitize(v) as T;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      const c = sanitizeShared(x);
      if (c !== x) (out ??= v.slice())[i] = c;
    }
    return (out ?? v) as T;
  }
  if (v && typeof v === 'object') {
    let out: Record<string, unknown> | undefined;
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const x = o[k];
      const c = sanitizeShared(x);
      if (c !== x) (out ??= { ...o })[k] = c;
    }
    return (out ?? v) as T;
  }
  return v;
}
