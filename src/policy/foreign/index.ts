// Other scanners' ignore files as exceptions: detected by file name, converted (foreign/*.ts), and validated
// with the same schema as ours, so a converted entry is held to the same rules (scope, expiry, lifetime).
import { PortcullisError } from '../../core/errors.js';
import { stableJson } from '../../core/json.js';
import { exceptionSchema } from '../schema.js';
import type { ParsedDocs } from '../load.js'; // type only: load.ts calls this module
import { foreignKind, type Converted } from './common.js';
import { readGrype, readSnyk } from './grype.js';
import { readTrivyIgnore, readTrivyIgnoreYaml } from './trivy.js';

export { foreignKind };

/** The converted entries, before validation (for `policy convert`). */
export function convertForeign(text: string, file: string, now: Date): Converted {
  switch (foreignKind(file)) {
    case 'trivyignore':
      return readTrivyIgnore(text, file, now);
    case 'trivyignore-yaml':
      return readTrivyIgnoreYaml(text, file, now);
    case 'grype':
      return readGrype(text, file, now);
    case 'snyk':
      return readSnyk(text, file, now);
    default:
      throw new PortcullisError('POLICY_INVALID', `${file}: not an ignore file Portcullis converts (.trivyignore, .trivyignore.yaml, .grype.yaml, .snyk)`, { subject: file });
  }
}

export function readForeign(text: string, file: string, now: Date): ParsedDocs {
  const c = convertForeign(text, file, now);
  const out: ParsedDocs = { policies: [], exceptions: [], allowlist: [], canonical: [], warnings: c.warnings };
  for (const raw of c.exceptions) {
    const r = exceptionSchema.safeParse(raw);
    if (!r.success) {
      const i = r.error.issues[0]!;
      throw new PortcullisError('POLICY_INVALID', `${file}: ${raw.id}: ${i.path.join('.') || 'entry'}: ${i.message}`, { subject: file });
    }
    out.exceptions.push({ ...r.data, source: `${file} (${raw.id})` });
    out.canonical.push(stableJson(r.data, 0));
  }
  return out;
}
