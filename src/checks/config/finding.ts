// One place that turns a check id and what was seen into a ConfigFinding with a stable id.
import { fingerprint } from '../../core/fingerprint.js';
import type { ConfigEvidence, ConfigFinding, LayerRef, PackageRef } from '../../core/types.js';
import { def } from './catalog.js';

export interface Seen {
  /** identifies "the same problem in the same place" across rescans: a path, a field, a user name */
  subject: string;
  detail: string;
  evidence: ConfigEvidence;
  path?: string;
  layer?: LayerRef;
  removedIn?: LayerRef;
  package?: PackageRef;
  /** overrides the catalog's remediation with one specific to what was seen */
  remediation?: string;
}

export function configFinding(check: string, seen: Seen): ConfigFinding {
  const d = def(check);
  const f: ConfigFinding = {
    id: fingerprint('config', check, seen.subject),
    kind: 'config',
    check,
    title: d.title,
    severity: d.severity,
    detail: seen.detail,
    description: d.description,
    remediation: seen.remediation ?? d.remediation,
    evidence: seen.evidence,
  };
  if (seen.path !== undefined) f.path = seen.path;
  if (seen.layer) f.layer = seen.layer;
  if (seen.removedIn) f.removedIn = seen.removedIn;
  if (seen.package) f.package = seen.package;
  return f;
}

/** A history step or Dockerfile RUN as the command it ran: shell prefix and `#(nop)` dropped, whitespace folded, capped. */
export function commandText(createdBy: string): string {
  return createdBy
    .replace(/^\|\d+\s+(?:\S+=\S*\s+)*/, '') // build args recorded before RUN (their values are not repeated)
    .replace(/^\/bin\/(?:ba)?sh -c\s+/, '')
    .replace(/^#\(nop\)\s*/, '')
    .replace(/\s*# buildkit$/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}
