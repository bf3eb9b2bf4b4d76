// What the console shows first: who the token is (`/whoami`), and the dashboard summary over the
// newest decision of every image in every pipeline (`/dashboard`): verdicts per pipeline, the controls
// that block most images, the vulnerabilities in most images, exceptions expiring within a week, and
// the age of the advisory DB the newest scans used.
import type { ScanReport, Violation } from '../../core/report.js';
import type { Severity, VulnerabilityFinding } from '../../core/types.js';
import type { DecisionRecord } from '../../policy/record.js';
import { expiryInstant } from '../../policy/exceptions.js';
import type { AllowEntry, PolicyException } from '../../policy/schema.js';
import { activeObjects } from '../store/objects.js';
import { getScan, latestScans } from '../store/scans.js';
import { isOidcSession } from '../store/tokens.js';
import { ALL_ROLES, READERS, mayUsePipeline, type Route } from './route.js';

/** Images the dashboard reads the reports of (the newest scans first). */
export const DASHBOARD_IMAGES = 500;
const TOP = 10;
const DAY = 86_400_000;

export interface DashboardImage {
  scanId: string;
  pipeline: string;
  repository: string | null;
  tag: string | null;
  digest: string | null;
  verdict: string | null;
  uploadedAt: string;
  violations: number;
  findings: number;
}

interface VulnRow {
  id: string;
  aliases: string[];
  severity: Severity;
  kev: boolean;
  epss?: number;
  packages: string[];
  images: number;
}

const SEVERITY_RANK: Record<string, number> = { critical: 5, high: 4, medium: 3, low: 2, negligible: 1, unknown: 0 };

function imageKey(r: { repository: string | null; digest: string | null; scanId: string }): string {
  return r.repository ?? r.digest ?? r.scanId;
}

export const overviewRoutes: Route[] = [
  {
    method: 'GET', url: '/api/v1/whoami', summary: 'The token making the request: its name, role, pipeline scope and expiry, how it was obtained (login: token or oidc), and the server time', tag: 'status', roles: ALL_ROLES,
    handler: async (_ctx, call) => {
      const t = call.token;
      return { id: t.id, name: t.name, role: t.role, pipelines: t.pipelines, expiresAt: t.expiresAt, login: isOidcSession(t) ? 'oidc' : 'token', now: call.now.toISOString() };
    },
  },
  {
    method: 'GET', url: '/api/v1/dashboard', summary: `Summary over the newest decision of each image in each pipeline (at most ${DASHBOARD_IMAGES} images): verdicts per pipeline, blocking controls, most widespread vulnerabilities, exceptions expiring within 7 days, DB age`, tag: 'status', roles: READERS,
    handler: async (ctx, call) => {
      const now = call.now;
      const rows = (await latestScans(ctx.store, DASHBOARD_IMAGES * 2)).filter((r) => mayUsePipeline(call.token, r.pipeline)).slice(0, DASHBOARD_IMAGES);
      const images: DashboardImage[] = [];
      const pipelines = new Map<string, { pipeline: string; pass: number; fail: number; error: number; none: number }>();
      const controls = new Map<string, { control: string; policies: Set<string>; images: Set<string> }>();
      const vulns = new Map<string, VulnRow & { imageSet: Set<string> }>();
      let db: { builtAt: string; sources: { name: string; updatedAt?: string }[] } | undefined;
      for (const r of rows) {
        const s = await getScan(ctx.store, r.id);
        if (!s) continue;
        const report = s.report as ScanReport;
        const decision = s.decision as DecisionRecord | null;
        const img: DashboardImage = {
          scanId: String(r.id), pipeline: r.pipeline, repository: r.repository, tag: r.tag, digest: r.digest, verdict: r.verdict, uploadedAt: r.uploadedAt,
          violations: decision?.violations.length ?? 0, findings: report.findings?.length ?? 0,
        };
        images.push(img);
        const key = imageKey(img);
        const p = pipelines.get(r.pipeline) ?? { pipeline: r.pipeline, pass: 0, fail: 0, error: 0, none: 0 };
        pipelines.set(r.pipeline, p);
        if (r.verdict === 'pass' || r.verdict === 'fail' || r.verdict === 'error') p[r.verdict]++;
        else p.none++;
        for (const v of (decision?.violations ?? []) as Violation[]) {
          if (v.enforcement !== 'block') continue;
          const c = controls.get(v.control) ?? { control: v.control, policies: new Set(), images: new Set() };
          controls.set(v.control, c);
          c.policies.add(v.policy);
          c.images.add(key);
        }
        for (const f of report.findings ?? []) {
          if (f.kind !== 'vulnerability') continue;
          const vf = f as VulnerabilityFinding;
          const v = vulns.get(vf.advisoryId) ?? { id: vf.advisoryId, aliases: vf.aliases ?? [], severity: vf.severity, kev: false, packages: [], images: 0, imageSet: new Set<string>() };
          vulns.set(vf.advisoryId, v);
          v.imageSet.add(key);
          if ((SEVERITY_RANK[vf.severity] ?? 0) > (SEVERITY_RANK[v.severity] ?? 0)) v.severity = vf.severity;
          if (vf.kev) v.kev = true;
          if (vf.epss && (v.epss === undefined || vf.epss.score > v.epss)) v.epss = vf.epss.score;
          const pkg = `${vf.package.name}@${vf.package.version}`;
          if (!v.packages.includes(pkg) && v.packages.length < 5) v.packages.push(pkg);
        }
        if (report.db && (!db || report.db.builtAt > db.builtAt)) db = { builtAt: report.db.builtAt, sources: report.db.sources.map((x) => ({ name: x.name, updatedAt: x.updatedAt })) };
      }
      const expiring: { type: 'exception' | 'allowlist'; id: string; subject: string; owner: string; expiresAt: string; daysLeft: number }[] = [];
      for (const o of await activeObjects(ctx.store, 'Exceptions')) {
        const b = o.body as { exceptions?: PolicyException[]; allowlist?: AllowEntry[] };
        const entries = [
          ...(b.exceptions ?? []).map((e) => ({ type: 'exception' as const, id: e.id, subject: e.finding, e })),
          ...(b.allowlist ?? []).map((e) => ({ type: 'allowlist' as const, id: o.name, subject: e.image, e })),
        ];
        for (const x of entries) {
          const t = expiryInstant(x.e);
          if (!Number.isFinite(t) || t <= now.getTime() || t > now.getTime() + 7 * DAY) continue;
          expiring.push({ type: x.type, id: x.id, subject: x.subject, owner: x.e.owner, expiresAt: new Date(t).toISOString(), daysLeft: Math.ceil((t - now.getTime()) / DAY) });
        }
      }
      expiring.sort((a, b) => (a.expiresAt < b.expiresAt ? -1 : a.expiresAt > b.expiresAt ? 1 : 0));
      const byImages = (a: { images: number; key: string }, b: { images: number; key: string }) => b.images - a.images || (a.key < b.key ? -1 : 1);
      return {
        generatedAt: now.toISOString(),
        images,
        pipelines: [...pipelines.values()].sort((a, b) => (a.pipeline < b.pipeline ? -1 : 1)),
        controls: [...controls.values()]
          .map((c) => ({ key: c.control, images: c.images.size, policies: [...c.policies].sort() }))
          .sort(byImages)
          .slice(0, TOP)
          .map((c) => ({ control: c.key, images: c.images, policies: c.policies })),
        // most images first, then known exploited, then the most severe
        vulnerabilities: [...vulns.values()]
          .map(({ imageSet, ...v }) => ({ ...v, images: imageSet.size }))
          .sort((a, b) => b.images - a.images || Number(b.kev) - Number(a.kev) || (SEVERITY_RANK[b.severity] ?? 0) - (SEVERITY_RANK[a.severity] ?? 0) || (a.id < b.id ? -1 : 1))
          .slice(0, TOP),
        expiring,
        db: db ? { ...db, ageHours: Math.max(0, Math.floor((now.getTime() - Date.parse(db.builtAt)) / 3_600_000)) } : null,
      };
    },
  },
];
