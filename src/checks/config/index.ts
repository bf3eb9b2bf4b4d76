// The image configuration check: privileges, users, build practice and hardening, as the CIS Docker
// Benchmark (section 4) and Dockle cover them, plus what security teams ask for. Ids and meanings:
// catalog.ts and docs/config-checks.md. Findings carry their evidence and the layer that added what
// they are about, so base-image findings are told from the application's own.
import { createHash } from 'node:crypto';
import type { Inventory } from '../../core/report.js';
import type { ConfigFinding, Package, PackageRef } from '../../core/types.js';
import type { CheckContext, CheckFactory, CheckResult, CheckRun, ContentCheck } from '../types.js';
import { accountChecks, passwdUsers, type AccountFiles } from './accounts.js';
import { CHECKS } from './catalog.js';
import { dockerfileChecks } from './dockerfile.js';
import { commandText, configFinding } from './finding.js';
import { effective, FileFacts, MAX_TRACKED, type FileRec } from './files.js';
import { imageChecks, userChecks } from './image.js';

export { CHECKS } from './catalog.js';

/** Per-file findings of one check beyond this many are summed up in one finding. */
export const MAX_FILE_FINDINGS = 100;
const SSH_SERVER_PACKAGES = new Set(['openssh-server', 'dropbear', 'dropbear-bin', 'openssh-server-pam', 'tinyssh']);

function pkgRef(p: Package): PackageRef {
  return { name: p.name, version: p.version, type: p.type, purl: p.purl, path: p.locations[0]?.path, source: p.source };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function modeText(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

function perFile(check: string, recs: FileRec[], detail: (r: FileRec) => string): ConfigFinding[] {
  const live = effective(recs).sort((a, b) => (a.file.path < b.file.path ? -1 : a.file.path > b.file.path ? 1 : a.file.layer.index - b.file.layer.index));
  const out = live.slice(0, MAX_FILE_FINDINGS).map((r) =>
    configFinding(check, { subject: r.file.path, detail: detail(r), evidence: { source: 'file', text: r.file.path }, path: r.file.path, layer: r.file.layer }),
  );
  if (live.length > MAX_FILE_FINDINGS) {
    const rest = live.slice(MAX_FILE_FINDINGS);
    out.push(configFinding(check, { subject: 'more-files', detail: `${rest.length} more file(s), e.g. ${rest.slice(0, 3).map((r) => r.file.path).join(', ')}`, evidence: { source: 'file' } }));
  }
  return out;
}

export function fileFindings(facts: FileFacts, passwd: Map<string, number> | undefined, packages: Package[]): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  out.push(...perFile('CIS-DI-0008', facts.setuid, (r) => `${r.file.path} is ${r.mode & 0o4000 ? 'setuid' : ''}${(r.mode & 0o6000) === 0o6000 ? ' and ' : ''}${r.mode & 0o2000 ? 'setgid' : ''} (mode ${modeText(r.mode)})`));
  out.push(...perFile('PCL-FS-0001', facts.worldWritable, (r) => `${r.file.path} is world-writable (mode ${modeText(r.mode)})`));
  out.push(...perFile('PCL-FS-0002', facts.capabilities, (r) => `${r.file.path} carries file capabilities (security.capability)`));
  out.push(...perFile('DKL-LI-0003', facts.gitDirs, (r) => `${r.file.path} (a git repository) is in the image`));
  out.push(...perFile('PCL-FS-0003', facts.credentials, (r) => `${r.file.path}: ${r.what}`));

  const caches = new Map<string, FileRec[]>();
  for (const r of effective(facts.caches)) caches.set(r.what!, [...(caches.get(r.what!) ?? []), r]);
  for (const [what, recs] of [...caches].sort()) {
    const bytes = recs.reduce((n, r) => n + r.size, 0);
    const newest = recs.reduce((a, r) => (r.file.layer.index > a.file.layer.index ? r : a));
    out.push(configFinding('DKL-DI-0005', { subject: `cache:${what}`, detail: `${what}: ${recs.length} file(s), ${bytes} bytes`, evidence: { source: 'file', text: what }, layer: newest.file.layer }));
  }

  const sshPkg = packages.find((p) => SSH_SERVER_PACKAGES.has(p.name));
  const sshFile = effective(facts.sshd)[0];
  if (sshPkg) {
    out.push(configFinding('PCL-NET-0002', { subject: 'ssh-server', detail: `package ${sshPkg.name} ${sshPkg.version} is installed`, evidence: { source: 'package', text: sshPkg.purl }, layer: sshPkg.layer, package: pkgRef(sshPkg) }));
  } else if (sshFile) {
    out.push(configFinding('PCL-NET-0002', { subject: 'ssh-server', detail: `${sshFile.file.path} is in the image`, evidence: { source: 'file', text: sshFile.file.path }, path: sshFile.file.path, layer: sshFile.file.layer }));
  }
  const sudo = packages.find((p) => p.name === 'sudo' && (p.type === 'deb' || p.type === 'apk' || p.type === 'rpm'));
  if (sudo) out.push(configFinding('DKL-DI-0001', { subject: 'package:sudo', detail: `package sudo ${sudo.version} is installed`, evidence: { source: 'package', text: sudo.purl }, layer: sudo.layer, package: pkgRef(sudo) }));

  // owners: every UID (other than 0) that owns files in the final image but has no account
  const uids = new Set(passwd?.values() ?? []);
  const byUid = new Map<number, FileRec[]>();
  for (const r of effective(facts.owned)) if (r.uid !== undefined && !uids.has(r.uid)) byUid.set(r.uid, [...(byUid.get(r.uid) ?? []), r]);
  for (const [uid, recs] of [...byUid].sort((a, b) => a[0] - b[0])) {
    const sample = recs.slice(0, 3).map((r) => r.file.path);
    const newest = recs.reduce((a, r) => (r.file.layer.index > a.file.layer.index ? r : a));
    out.push(configFinding('PCL-LI-0004', { subject: `uid:${uid}`, detail: `${recs.length} file(s) owned by UID ${uid}, which has no user${passwd ? '' : ' (no /etc/passwd)'}, e.g. ${sample.join(', ')}`, evidence: { source: 'file', text: sample[0] }, layer: newest.file.layer }));
  }
  return out;
}

function accountFiles(facts: FileFacts, reasons: string[]): AccountFiles {
  const out: AccountFiles = {};
  for (const [path, key] of [['/etc/passwd', 'passwd'], ['/etc/shadow', 'shadow'], ['/etc/group', 'group']] as const) {
    const a = facts.finalAccount(path);
    if (!a) continue;
    if (a.problem !== undefined || a.text === undefined) reasons.push(a.problem ?? `${path}: not read`);
    else out[key] = { text: a.text, layer: a.file.layer };
  }
  return out;
}

/** Drop history findings that a Dockerfile finding of the same check already reports for the same command. */
function dedupeSteps(findings: ConfigFinding[]): ConfigFinding[] {
  const norm = (s: string | undefined) => commandText(s ?? '').replace(/^(?:RUN|ADD)\s+/, '');
  const fromDockerfile = new Set(findings.filter((f) => f.evidence?.source === 'dockerfile').map((f) => `${f.check}\u0000${norm(f.evidence?.text)}`));
  return findings.filter((f) => f.evidence?.source !== 'history' || !fromDockerfile.has(`${f.check}\u0000${norm(f.evidence.text)}`));
}

export interface ConfigCheckOptions {
  dockerfile?: { path: string; text: string };
}

function run(ctx: CheckContext, opts: ConfigCheckOptions, rulesDigest: string): CheckRun {
  const facts = new FileFacts(ctx.track);
  return {
    name: 'config',
    onEntry: (entry, layer, extra) => facts.onEntry(entry, layer, extra),
    async finish(inventory: Inventory): Promise<CheckResult> {
      const reasons: string[] = [];
      const img = inventory.image;
      const accounts = accountFiles(facts, reasons);
      const passwd = accounts.passwd ? passwdUsers(accounts.passwd.text) : undefined;
      let findings: ConfigFinding[] = [
        ...imageChecks(img.config, img.layers, img.annotations),
        ...userChecks(img.config, passwd),
        ...accountChecks(accounts),
        ...fileFindings(facts, passwd, inventory.packages),
        ...(opts.dockerfile ? dockerfileChecks(opts.dockerfile.text, opts.dockerfile.path) : []),
      ];
      findings = dedupeSteps(findings);
      const byId = new Map(findings.map((f) => [f.id, f]));
      if (facts.overflow > 0) reasons.push(`more than ${MAX_TRACKED} files of interest: ${facts.overflow} not checked (owners, permissions)`);
      if (!facts.xattrsKnown) reasons.push('file capabilities (security.capability) cannot be read from a dir: source; scan the image archive to check them');
      const state = reasons.length > 0 ? 'partial' : 'complete';
      return {
        findings: [...byId.values()].sort((a, b) => cmp(a.check, b.check) || cmp(a.path ?? '', b.path ?? '') || cmp(a.id, b.id)),
        status: {
          check: 'config',
          state,
          detail: `${CHECKS.size} configuration checks${opts.dockerfile ? ` (with Dockerfile ${opts.dockerfile.path})` : ''}: ${byId.size} finding(s)${state === 'partial' ? `; partial: ${reasons.join('; ')}` : ''}`,
          reasons,
          stats: { checks: CHECKS.size, findings: byId.size, trackedFiles: facts.tracked },
          rulesDigest,
        },
      };
    },
  };
}

export const configCheckFactory: CheckFactory = {
  name: 'config',
  async prepare(opts) {
    const o: ConfigCheckOptions = { dockerfile: opts.dockerfile };
    const rulesDigest = `sha256:${createHash('sha256').update([...CHECKS.keys()].join(',')).update(opts.dockerfile?.text ?? '').digest('hex')}`;
    const check: ContentCheck = { name: 'config', version: 1, rulesDigest, start: (ctx) => run(ctx, o, rulesDigest) };
    return check;
  },
};
