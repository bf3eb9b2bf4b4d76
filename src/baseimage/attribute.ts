// Attribution: a finding comes from the base or from the application, by the layer it was found in.
// Findings without a layer (DB staleness, whole-ecosystem gaps, policy findings) keep no origin: the
// policy treats an unknown origin as not-base, so nothing is suppressed on a guess.
import type { Finding } from '../core/types.js';
import type { Lineage } from '../core/report.js';

export function attributeOrigin(findings: readonly Finding[], lineage: Lineage): Finding[] {
  const n = Number.isInteger(lineage.baseLayers) && lineage.baseLayers > 0 ? lineage.baseLayers : 0;
  return findings.map((f) => {
    const idx = f.layer?.index;
    if (idx === undefined || !Number.isInteger(idx) || idx < 0) return f;
    const origin = idx < n ? 'base' : 'app';
    return f.origin === origin ? f : { ...f, origin };
  });
}
