// Other scanners' JSON reports, read for `portcullis compare`: Trivy (`trivy image --format json`,
// SchemaVersion 2) and Grype (`grype -o json`). Only what comparing needs is kept: each finding's
// vulnerability ids (its own and the related/alias ids), the package, version, fix state and location;
// Trivy's package list when the report has one (`--list-all-pkgs`). Never throws on an odd entry: it is
// skipped and counted; a document that is neither format is a one-line error naming the file.
import { PortcullisError } from '../core/errors.js';

export type ForeignTool = 'trivy' | 'grype';

export interface ForeignFinding {
  /** the id the tool reports (CVE-…, GHSA-…) */
  id: string;
  /** related ids (Grype relatedVulnerabilities; Trivy has none in its JSON) */
  aliases: string[];
  name: string;
  version: string;
  /** the tool's package type: debian, npm, gobinary, deb, java-archive, ... */
  type?: string;
  purl?: string;
  /** file the package was found in, when the tool says */
  path?: string;
  fixedVersion?: string;
  /** normalised: fixed, not-fixed, wont-fix, not-affected, unknown */
  fixState: 'fixed' | 'not-fixed' | 'wont-fix' | 'not-affected' | 'unknown';
}

export interface ForeignReport {
  tool: ForeignTool;
  /** the tool's version when the report says (Grype's descriptor) */
  toolVersion?: string;
  file: string;
  /** what the tool scanned (Trivy ArtifactName, Grype source target) */
  artifact?: string;
  findings: ForeignFinding[];
  /** name@version of every package, when the report lists them (Trivy --list-all-pkgs) */
  packages?: { name: string; version: string }[];
  /** entries skipped as malformed */
  skipped: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= 4096 ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Which tool wrote `doc`, or undefined. */
export function detectTool(doc: unknown): ForeignTool | undefined {
  if (!isObj(doc)) return undefined;
  if (Array.isArray(doc.matches) && (isObj(doc.descriptor) ? doc.descriptor.name === 'grype' : true)) return 'grype';
  if (typeof doc.SchemaVersion === 'number' && (Array.isArray(doc.Results) || doc.Results === undefined) && 'ArtifactName' in doc) return 'trivy';
  return undefined;
}

function trivyState(status: string | undefined, fixed: string | undefined): ForeignFinding['fixState'] {
  // Trivy's Status: fixed, affected, will_not_fix, fix_deferred, end_of_life, under_investigation, not_affected, unknown
  if (fixed) return 'fixed';
  switch (status) {
    case 'fixed':
      return 'fixed';
    case 'will_not_fix':
    case 'end_of_life':
      return 'wont-fix';
    case 'not_affected':
      return 'not-affected';
    case 'affected':
    case 'fix_deferred':
    case 'under_investigation':
      return 'not-fixed';
    default:
      return 'unknown';
  }
}

function readTrivy(doc: Obj, file: string): ForeignReport {
  const out: ForeignReport = { tool: 'trivy', file, artifact: str(doc.ArtifactName), findings: [], skipped: 0 };
  let packages: { name: string; version: string }[] | undefined;
  for (const r of arr(doc.Results)) {
    if (!isObj(r)) {
      out.skipped++;
      continue;
    }
    const type = str(r.Type);
    for (const p of arr(r.Packages)) {
      const name = isObj(p) ? str(p.Name) : undefined;
      const version = isObj(p) ? str(p.Version) : undefined;
      if (name && version) (packages ??= []).push({ name, version });
    }
    for (const v of arr(r.Vulnerabilities)) {
      const id = isObj(v) ? str(v.VulnerabilityID) : undefined;
      const name = isObj(v) ? str(v.PkgName) : undefined;
      const version = isObj(v) ? str(v.InstalledVersion) : undefined;
      if (!isObj(v) || !id || !name || !version) {
        out.skipped++;
        continue;
      }
      const fixed = str(v.FixedVersion);
      const ident = isObj(v.PkgIdentifier) ? v.PkgIdentifier : {};
      const f: ForeignFinding = { id, aliases: [], name, version, fixState: trivyState(str(v.Status), fixed) };
      if (type) f.type = type;
      const purl = str(ident.PURL);
      if (purl) f.purl = purl;
      const path = str(v.PkgPath) ?? (r.Class === 'lang-pkgs' ? str(r.Target) : undefined);
      if (path) f.path = path;
      if (fixed) f.fixedVersion = fixed;
      out.findings.push(f);
    }
  }
  if (packages) out.packages = packages;
  return out;
}

function grypeState(state: string | undefined): ForeignFinding['fixState'] {
  switch (state) {
    case 'fixed':
      return 'fixed';
    case 'not-fixed':
      return 'not-fixed';
    case 'wont-fix':
      return 'wont-fix';
    default:
      return 'unknown';
  }
}

function readGrype(doc: Obj, file: string): ForeignReport {
  const descriptor = isObj(doc.descriptor) ? doc.descriptor : {};
  const source = isObj(doc.source) ? doc.source : {};
  const target = isObj(source.target) ? str(source.target.userInput) : str(source.target);
  const out: ForeignReport = { tool: 'grype', toolVersion: str(descriptor.version), file, artifact: target, findings: [], skipped: 0 };
  for (const m of arr(doc.matches)) {
    const vuln = isObj(m) && isObj(m.vulnerability) ? m.vulnerability : undefined;
    const art = isObj(m) && isObj(m.artifact) ? m.artifact : undefined;
    const id = vuln ? str(vuln.id) : undefined;
    const name = art ? str(art.name) : undefined;
    const version = art ? str(art.version) : undefined;
    if (!vuln || !art || !id || !name || !version) {
      out.skipped++;
      continue;
    }
    const related = arr((m as Obj).relatedVulnerabilities)
      .map((r) => (isObj(r) ? str(r.id) : undefined))
      .filter((x): x is string => x !== undefined && x !== id);
    const fix = isObj(vuln.fix) ? vuln.fix : {};
    const fixedVersion = arr(fix.versions).map(str).find((x) => x !== undefined);
    const f: ForeignFinding = { id, aliases: [...new Set(related)], name, version, fixState: grypeState(str(fix.state)) };
    const type = str(art.type);
    if (type) f.type = type;
    const purl = str(art.purl);
    if (purl) f.purl = purl;
    const loc = arr(art.locations).find(isObj);
    const path = loc ? str(loc.path) : undefined;
    if (path) f.path = path;
    if (fixedVersion) f.fixedVersion = fixedVersion;
    out.findings.push(f);
  }
  return out;
}

/** Parse one report's text. `file` names it in errors. */
export function readForeignReport(text: string, file: string): ForeignReport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new PortcullisError('BAD_INPUT', `${file}: not JSON: ${(e as Error).message}`, { cause: e, subject: file });
  }
  const tool = detectTool(doc);
  if (tool === 'trivy') return readTrivy(doc as Obj, file);
  if (tool === 'grype') return readGrype(doc as Obj, file);
  throw new PortcullisError('BAD_INPUT', `${file}: neither a Trivy JSON report (SchemaVersion, ArtifactName, Results) nor a Grype JSON report (matches); give \`trivy image --format json\` or \`grype -o json\` output`, { subject: file });
}
