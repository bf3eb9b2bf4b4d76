// Attribution: a finding comes from the base or from the application, by the layer it was found in.
// Only a layer match against the base catalog (layers we hashed) draws the line between base and
// application. A base declared by a label, an annotation or a Dockerfile, and the layer count guessed
// from history comments, are claims the image author writes: with them no finding gets an origin
// (the policy treats an unknown origin as not-base, so `appOnly` suppresses nothing on a claim).
// Findings without a layer (DB staleness, whole-ecosystem gaps, policy findings) keep no origin either.
import type { Finding } from '../core/types.js';
import type { Lineage } from '../core/report.js';

function withoutOrigin(f: Finding): Finding {
  if (f.origin === undefined) return f;
  const { origin: _drop, ...rest } = f;
  return rest as Finding;
}

export function attributeOrigin(findings: readonly Finding[], lineage: Lineage): Finding[] {
  if (lineage.method !== 'layer-match') return findings.map(withoutOrigin);
  const n = Number.isInteger(lineage.baseLayers) && lineage.baseLayers > 0 ? lineage.baseLayers : 0;
  return findings.map((f) => {
    const idx = f.layer?.index;
    if (idx === undefined || !Number.isInteger(idx) || idx < 0) return withoutOrigin(f);
    const origin = idx < n ? 'base' : 'app';
    return f.origin === origin ? f : { ...f, origin };
  });
}
