// Dependency lists embedded by cargo-auditable: a zlib-compressed JSON document in the `.dep-v0`
// section (ELF, PE) or `__DATA,__dep_v0` (Mach-O). https://github.com/rust-secure-code/cargo-auditable
// (format: auditable-serde, https://docs.rs/auditable-serde/latest/auditable_serde/)
import { inflateSync } from 'node:zlib';
import { parseExecutable, sectionData } from '../binfmt/index.js';

/** cargo-auditable's own readers refuse more than 8 MiB of JSON */
export const MAX_JSON_BYTES = 8 * 1024 * 1024;
const MAX_PACKAGES = 100_000;

export interface AuditableCrate {
  name: string;
  version: string;
  /** crates.io | git | local | registry | other */
  source: string;
  /** `build` for build-time only dependencies (build scripts, proc macros); runtime otherwise */
  kind: 'runtime' | 'build';
  root: boolean;
}

export type AuditableResult = { kind: 'found'; crates: AuditableCrate[]; skipped: number } | { kind: 'absent' } | { kind: 'error'; error: string };

export function readAuditable(buf: Buffer, maxJsonBytes = MAX_JSON_BYTES): AuditableResult {
  const p = parseExecutable(buf);
  if (!p.ok) return { kind: 'absent' };
  const raw = sectionData(p.exe, '.dep-v0') ?? sectionData(p.exe, '__dep_v0', '__DATA');
  if (!raw) return { kind: 'absent' };
  let json: Buffer;
  try {
    json = inflateSync(raw, { maxOutputLength: maxJsonBytes });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) return { kind: 'error', error: `.dep-v0 inflates to more than ${maxJsonBytes} bytes` };
    return { kind: 'error', error: `.dep-v0 is not valid zlib data: ${(e as Error).message}` };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(json.toString('utf8'));
  } catch (e) {
    return { kind: 'error', error: `.dep-v0 is not valid JSON: ${(e as Error).message}` };
  }
  const list = (doc as { packages?: unknown } | null)?.packages;
  if (!Array.isArray(list)) return { kind: 'error', error: '.dep-v0 JSON has no "packages" array' };
  if (list.length > MAX_PACKAGES) return { kind: 'error', error: `.dep-v0 lists ${list.length} packages (limit ${MAX_PACKAGES})` };
  const crates: AuditableCrate[] = [];
  let skipped = 0;
  for (const e of list as unknown[]) {
    const o = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
    const { name, version } = o;
    if (typeof name !== 'string' || typeof version !== 'string' || name === '' || version === '') {
      skipped++;
      continue;
    }
    crates.push({
      name,
      version,
      source: typeof o.source === 'string' ? o.source : 'crates.io',
      kind: o.kind === 'build' ? 'build' : 'runtime',
      root: o.root === true,
    });
  }
  return { kind: 'found', crates, skipped };
}
