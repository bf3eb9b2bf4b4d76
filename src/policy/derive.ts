// Controls that look at the image rather than at scan findings: root user, labels, denied packages,
// licenses of inventory packages, DB age, base image. Each problem becomes a derived Finding (so it has a
// stable id, shows up in reports and can be named by an exception) together with its judgement.
import { fingerprint } from '../core/fingerprint.js';
import { globMatch } from '../core/glob.js';
import type { ScanReport } from '../core/report.js';
import type {
  BaseImageFinding,
  ConfigFinding,
  CoverageGapFinding,
  Finding,
  LicenseFinding,
  Package,
  PackageRef,
} from '../core/types.js';
import type { Judgement } from './controls.js';
import { packageMatches, purlBase } from './exceptions.js';
import { imageMatchesAny, parseImageRef } from './imageref.js';
import { licenseDenied } from './license.js';
import { describeJudgement, judgeSources } from '../advisory/gaps.js';
import { neededEcosystems } from '../match/index.js';
import { deriveNotEvaluated } from './coverage.js';
import type { Controls } from './schema.js';

export interface Derived {
  finding: Finding;
  judgement: Judgement;
}

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

export { isRootUser } from '../core/user.js';
import { isRootUser } from '../core/user.js';

function pkgRef(p: Package): PackageRef {
  return { name: p.name, version: p.version, type: p.type, purl: p.purl, path: p.locations[0]?.path, source: p.source };
}

const REMOVE_HINT: Record<string, (n: string) => string> = {
  deb: (n) => `apt-get purge -y ${n}`,
  apk: (n) => `apk del ${n}`,
  rpm: (n) => `dnf remove -y ${n}`,
  npm: (n) => `npm uninstall ${n}`,
  pypi: (n) => `pip uninstall -y ${n}`,
  gem: (n) => `gem uninstall ${n}`,
};

const LABEL_HINT: Record<string, string> = {
  'org.opencontainers.image.source': 'https://github.com/ORG/REPO',
  'org.opencontainers.image.revision': '$GIT_COMMIT',
  'org.opencontainers.image.version': '$VERSION',
  'org.opencontainers.image.created': '$BUILD_DATE',
  'org.opencontainers.image.licenses': 'Apache-2.0',
  'org.opencontainers.image.vendor': 'Example Corp',
  'org.opencontainers.image.authors': 'team@example.com',
};

/** The config check's finding that the user resolves to UID 0 (by name or through /etc/passwd). */
export const ROOT_USER_CHECK = 'CIS-DI-0001';

function deriveUser(report: ScanReport, c: Controls): Derived[] {
  if (!c.user?.forbidRoot) return [];
  const user = report.inventory.image.config.user;
  // the config check resolves names through the image's /etc/passwd (USER admin with UID 0 is root too)
  const resolved = report.findings.find((f): f is ConfigFinding => f.kind === 'config' && f.check === ROOT_USER_CHECK);
  if (!isRootUser(user) && !resolved) return [];
  const shown = user === undefined || user.trim() === '' ? 'not set' : `"${user}"`;
  const detail = isRootUser(user) ? `USER is ${shown}` : resolved!.detail;
  const f: ConfigFinding = {
    id: fingerprint('config', 'policy', 'root-user'),
    kind: 'config',
    check: 'root-user',
    title: 'image runs as root',
    severity: 'high',
    detail,
    remediation: 'add USER 10001 (a non-root numeric UID) to the Dockerfile',
  };
  return [{ finding: f, judgement: { level: 'violation', control: 'user.forbidRoot', message: `image runs as root: ${detail}`, remediation: f.remediation } }];
}

function deriveLabels(report: ScanReport, c: Controls): Derived[] {
  const out: Derived[] = [];
  const labels = report.inventory.image.config.labels ?? {};
  for (const req of c.labels?.required ?? []) {
    const name = typeof req === 'string' ? req : req.name;
    const pattern = typeof req === 'string' ? undefined : req.pattern;
    const value = Object.prototype.hasOwnProperty.call(labels, name) ? labels[name] : undefined;
    const hint = LABEL_HINT[name] ?? (pattern ? `<value matching ${pattern}>` : '<value>');
    const remediation = `add LABEL ${name}="${hint}" to the Dockerfile (or --label at build time)`;
    let detail: string | undefined;
    let check = 'missing-label';
    if (value === undefined || value === '') detail = `required label ${name} is ${value === '' ? 'empty' : 'missing'}`;
    else if (pattern !== undefined && !globMatch(pattern, value)) {
      detail = `label ${name}="${value}" does not match ${pattern}`;
      check = 'label-value';
    }
    if (detail === undefined) continue;
    const f: ConfigFinding = {
      id: fingerprint('config', 'policy', check, name),
      kind: 'config',
      check,
      title: detail,
      severity: 'medium',
      detail,
      remediation,
    };
    out.push({ finding: f, judgement: { level: 'violation', control: 'labels.required', message: detail, remediation } });
  }
  return out;
}

function derivePackages(report: ScanReport, c: Controls): Derived[] {
  const deny = c.packages?.deny;
  if (!deny?.length) return [];
  const out: Derived[] = [];
  for (const p of report.inventory.packages) {
    const ref = pkgRef(p);
    const hit = deny.find((d) => packageMatches(d, { name: p.name, purl: p.purl }));
    if (!hit) continue;
    const where = p.locations[0]?.path;
    const hint = REMOVE_HINT[p.type]?.(p.name);
    const remediation = `remove ${p.name} from the image${hint ? ` (${hint} in the Dockerfile)` : ''}, or use a base image without it`;
    const f: ConfigFinding = {
      id: fingerprint('config', 'policy', 'package-denied', purlBase(p.purl), where),
      kind: 'config',
      check: 'package-denied',
      title: `denied package ${p.name} ${p.version}`,
      severity: 'high',
      detail: `${p.purl} matches packages.deny ${hit}`,
      path: where,
      package: ref,
      layer: p.layer,
      remediation,
    };
    out.push({
      finding: f,
      judgement: { level: 'violation', control: 'packages.deny', message: `package ${p.name} ${p.version} matches packages.deny ${hit}`, remediation },
    });
  }
  return out;
}

function deriveLicenses(report: ScanReport, c: Controls): Derived[] {
  const deny = c.licenses?.deny;
  if (!deny?.length) return [];
  const reported = new Set(
    report.findings.filter((f): f is LicenseFinding => f.kind === 'license').map((f) => `${purlBase(f.package.purl)}\u0000${f.license}`),
  );
  const out: Derived[] = [];
  for (const p of report.inventory.packages) {
    for (const lic of p.licenses) {
      if (reported.has(`${purlBase(p.purl)}\u0000${lic}`)) continue;
      const hit = licenseDenied(lic, deny);
      if (!hit) continue;
      const remediation = `replace ${p.name} with an alternative under an allowed license, or add an exception after legal review`;
      const f: LicenseFinding = {
        id: fingerprint('license', 'policy', purlBase(p.purl), lic, p.locations[0]?.path),
        kind: 'license',
        title: `${p.name} ${p.version} is licensed ${lic}`,
        severity: 'high',
        license: lic,
        package: pkgRef(p),
        layer: p.layer,
        remediation,
      };
      out.push({
        finding: f,
        judgement: { level: 'violation', control: 'licenses.deny', message: `license ${lic} of ${p.name} ${p.version}: ${hit} matches the deny list`, remediation },
      });
    }
  }
  return out;
}

function gap(reason: 'db-missing' | 'db-stale', detail: string, source?: string): CoverageGapFinding {
  return {
    id: source === undefined ? fingerprint('coverage-gap', 'policy', reason) : fingerprint('coverage-gap', 'policy', reason, source),
    kind: 'coverage-gap',
    title: detail,
    severity: 'unknown',
    reason,
    subject: source === undefined ? 'advisory database' : `advisory source ${source}`,
    detail,
    remediation: 'update the advisory DB with `portcullis db update` (or point --db at a fresher one) and scan again',
  };
}

function deriveDatabase(report: ScanReport, c: Controls, now: Date): Derived[] {
  const out: Derived[] = [];
  const max = c.database?.maxAgeHours;
  if (max !== undefined) {
    if (!report.db) {
      const f = gap('db-missing', 'no advisory database metadata in the report: vulnerabilities were not checked against a known DB');
      out.push({ finding: f, judgement: { level: 'violation', control: 'database.maxAgeHours', message: f.detail, remediation: f.remediation } });
      return out;
    }
    // the same per-source judgement as the scan's db-stale gaps: each advisory source serving an
    // ecosystem the image needs, KEV/EPSS never count, an unknown data time is not fresh
    for (const j of judgeSources(report.db, neededEcosystems(report.inventory), now, max)) {
      const line = describeJudgement(j, max);
      if (!line) continue;
      const f = gap('db-stale', `${line} (database.maxAgeHours: ${max})`, j.source);
      out.push({ finding: f, judgement: { level: 'violation', control: 'database.maxAgeHours', message: f.detail, remediation: f.remediation } });
    }
  } else if (c.vulnerabilities && !report.db && !report.findings.some((f) => f.kind === 'coverage-gap' && f.reason === 'db-missing')) {
    // Vulnerabilities are checked by this policy but the report was made without a DB: never "clean".
    const f = gap('db-missing', 'the report has no advisory database metadata: vulnerabilities were not checked');
    const a = c.coverage?.reasons?.['db-missing'] ?? c.coverage?.onGap ?? 'fail';
    if (a !== 'ignore') {
      out.push({
        finding: f,
        judgement: { level: a === 'fail' ? 'violation' : 'warning', control: 'coverage.onGap', message: f.detail, remediation: f.remediation },
      });
    }
  }
  return out;
}

/** Approved alternatives to name in messages: the patterns themselves, without wildcards first. */
function alternatives(approved: readonly string[]): string[] {
  return [...approved].sort((a, b) => Number(/[*?]/.test(a)) - Number(/[*?]/.test(b)) || (a < b ? -1 : a > b ? 1 : 0));
}

function deriveBaseImage(report: ScanReport, c: Controls, now: Date): Derived[] {
  const b = c.baseImage;
  if (!b) return [];
  const lin = report.lineage;
  // Identity from content: only a layer match against the base catalog identifies the base. A base
  // declared by a label, an annotation or a Dockerfile is the image's own claim: shown, never approved.
  const base = lin?.method === 'layer-match' ? lin.chain[0] : undefined;
  const alts = alternatives(b.approved ?? []);
  const altText = alts.length ? `; approved bases: ${alts.join(', ')}` : '';
  const firstAlt = alts.find((a) => !/[*?]/.test(a)) ?? alts[0];
  const rebuild = firstAlt ? `rebuild FROM an approved base, e.g. ${firstAlt.replace(/\*+$/, '')}` : 'rebuild from an approved base image';
  const out: Derived[] = [];
  if (!base) {
    const a = b.unknown ?? 'fail';
    if (a === 'pass') return [];
    const claimed = lin?.method === 'declared' && lin.chain[0] ? lin.chain[0].name : undefined;
    const detail = claimed
      ? `base image could not be verified: declared as ${claimed}, but no layer of the image matches that base in the base catalog (a declared base is a claim, not evidence)${lin?.detail ? ` (${lin.detail})` : ''}`
      : `base image could not be identified${lin?.detail ? ` (${lin.detail})` : ''}`;
    const f: BaseImageFinding = {
      id: fingerprint('base-image', 'policy', 'unknown'),
      kind: 'base-image',
      title: detail,
      severity: 'medium',
      status: 'unknown',
      approvedAlternatives: alts,
      remediation: `${rebuild}, and add that base to the base catalog (portcullis base add IMAGE) so its layers can be matched`,
    };
    out.push({
      finding: f,
      judgement: { level: a === 'fail' ? 'violation' : 'warning', control: 'baseImage.unknown', message: `${detail}${altText}`, remediation: f.remediation },
    });
    return out;
  }
  const id = parseImageRef(base.name) ?? {};
  const ident = { name: id.name, tag: id.tag, digest: base.digest ?? id.digest };
  const shown = `${base.name}${base.digest && !base.name.includes('@') ? `@${base.digest}` : ''}`;
  const baseInfo = { name: base.name, digest: base.digest, method: lin!.method };
  if (b.approved && !imageMatchesAny(b.approved, ident)) {
    const advice = lin?.advice?.find((a) => imageMatchesAny(b.approved!, parseImageRef(a.name) ?? {}));
    const remediation = advice ? `rebuild ${advice.from ?? `FROM ${advice.name}${advice.digest ? `@${advice.digest}` : ''}`}` : rebuild;
    const f: BaseImageFinding = {
      id: fingerprint('base-image', 'policy', 'not-approved', base.name, base.digest),
      kind: 'base-image',
      title: `base image ${shown} is not approved`,
      severity: 'high',
      status: 'not-approved',
      base: baseInfo,
      approvedAlternatives: alts,
      remediation,
    };
    out.push({
      finding: f,
      judgement: { level: 'violation', control: 'baseImage.approved', message: `base image ${shown} (${lin!.method}, ${lin!.confidence} confidence) is not approved${altText}`, remediation },
    });
  }
  if (b.maxAgeDays !== undefined) {
    const created = base.created ? Date.parse(base.created) : NaN;
    if (!Number.isFinite(created)) {
      out.push({
        finding: {
          id: fingerprint('base-image', 'policy', 'age-unknown', base.name, base.digest),
          kind: 'base-image',
          title: `age of base image ${shown} is unknown`,
          severity: 'unknown',
          status: 'unknown',
          base: baseInfo,
          approvedAlternatives: alts,
          remediation: 'rebuild on a recent approved base',
        },
        judgement: {
          level: 'warning',
          control: 'baseImage.maxAgeDays',
          message: `age of base image ${shown} is unknown: maxAgeDays: ${b.maxAgeDays} not checked`,
          remediation: 'rebuild on a recent approved base',
        },
      });
    } else {
      const days = (now.getTime() - created) / DAY_MS;
      if (days > b.maxAgeDays) {
        const remediation = `rebuild on a fresh pull of the base (${rebuild.replace(/^rebuild FROM /, '')})`;
        const f: BaseImageFinding = {
          id: fingerprint('base-image', 'policy', 'too-old', base.name, base.digest),
          kind: 'base-image',
          title: `base image ${shown} is ${Math.floor(days)} days old`,
          severity: 'medium',
          status: 'too-old',
          base: baseInfo,
          approvedAlternatives: alts,
          remediation,
        };
        out.push({
          finding: f,
          judgement: { level: 'violation', control: 'baseImage.maxAgeDays', message: `base image ${shown} was built ${base.created} (${Math.floor(days)} days ago), older than maxAgeDays: ${b.maxAgeDays}`, remediation },
        });
      }
    }
  }
  return out;
}

/** Every derived finding with its judgement, for one policy's controls. */
export function deriveFindings(report: ScanReport, c: Controls, now: Date): Derived[] {
  return [
    ...deriveNotEvaluated(report, c),
    ...deriveUser(report, c),
    ...deriveLabels(report, c),
    ...derivePackages(report, c),
    ...deriveLicenses(report, c),
    ...deriveDatabase(report, c, now),
    ...deriveBaseImage(report, c, now),
  ];
}
