// Stable finding ids: a short hash of the parts that identify "the same problem in the same place".
import { createHash } from 'node:crypto';

export function fingerprint(kind: string, ...parts: (string | number | undefined)[]): string {
  const h = createHash('sha256');
  h.update(kind);
  for (const p of parts) h.update('\u0000' + (p === undefined ? '' : String(p)));
  return `${kind}:${h.digest('hex').slice(0, 16)}`;
}
