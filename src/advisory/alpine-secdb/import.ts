// Alpine secdb (https://secdb.alpinelinux.org, github.com/alpinelinux/alpine-secdb) -> OSV-shaped records.
// Each `vX.Y/{main,community}.yaml` lists, per origin package, `secfixes: {fixedVersion: [ids]}`.
// One record per vulnerability id (ALPINE-CVE-..., as OSV names them), one affected entry per
// (branch, package): ecosystem `Alpine:vX.Y`, ECOSYSTEM range introduced 0, fixed = the secfix version.
// A secfix version `0` means the maintainers rejected the CVE for that package (never affected):
// no affected entry, listed in database_specific.not_affected.
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parse } from 'yaml';
import type { OsvAffected, OsvRecord } from '../../core/types.js';
import { walkFiles } from '../osv/walk.js';
import { isObj } from '../feedfile.js';
import type { ImportContext, ImportItem } from '../types.js';

const CVE_RE = /CVE[-_ ](\d{4})-(\d{4,})/g;
const OTHER_RE = /\b(XSA-\d+|wnpa-sec-\d{4}-\d+|GHSA-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}|ZDI-\d{2}-\d+|ZBX-\d+)\b/gi;

/**
 * secfix entries are free text in practice: `CVE-2016-10013 XSA-204`, `CVE_2019-2426`,
 * `CVE-2019-15167 (VRRP)`, `CVE-????-????? XSA-295`, several CVEs on one line. Every CVE found
 * becomes its own record; other ids (XSA, wnpa-sec) are aliases, or the id when there is no CVE.
 */
export function parseIds(text: string): { primary: string[]; aliases: string[] } | undefined {
  if (text.length > 1024) return undefined;
  const cves = [...new Set([...text.matchAll(CVE_RE)].map((m) => `CVE-${m[1]}-${m[2]}`))];
  const others = [...new Set([...text.matchAll(OTHER_RE)].map((m) => (m[1] as string).toUpperCase()))];
  if (cves.length > 0) return { primary: cves, aliases: others };
  if (others.length > 0) return { primary: [others[0] as string], aliases: others.slice(1) };
  return undefined;
}
const BRANCH = /^v\d+\.\d+$|^edge$/;

interface Pending {
  aliases: Set<string>;
  affected: Map<string, OsvAffected>;
  notAffected: { ecosystem: string; name: string }[];
  modified: string;
}

export async function* importAlpineSecdb(path: string, ctx: ImportContext): AsyncGenerator<ImportItem> {
  const st = await stat(path);
  const files: { path: string; size: number }[] = [];
  if (st.isFile()) files.push({ path, size: st.size });
  else for await (const f of walkFiles(path, (p, why) => ctx.warn(`${p}: skipped, ${why}`))) if (/\.ya?ml$/i.test(f.path)) files.push(f);
  const byId = new Map<string, Pending>();
  for (const f of files) {
    if (f.size > ctx.limits.maxFeedBytes) {
      ctx.warn(`${f.path}: skipped, larger than ${ctx.limits.maxFeedBytes} bytes`);
      continue;
    }
    let doc: unknown;
    try {
      doc = parse(await readFile(f.path, 'utf8'), { maxAliasCount: 100, uniqueKeys: false });
    } catch (e) {
      ctx.warn(`${f.path}: skipped, malformed YAML: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    if (isObj(doc) && doc.packages === null) continue; // an empty repository
    if (!isObj(doc) || !Array.isArray(doc.packages)) {
      ctx.warn(`${f.path}: skipped, not a secdb file (no packages list)`);
      continue;
    }
    const branch = typeof doc.distroversion === 'string' ? doc.distroversion : basename(dirname(f.path));
    if (!BRANCH.test(branch)) {
      ctx.warn(`${f.path}: skipped, unknown distroversion ${JSON.stringify(branch)}`);
      continue;
    }
    const ecosystem = `Alpine:${branch}`;
    const repo = typeof doc.reponame === 'string' ? doc.reponame : basename(f.path).replace(/\.ya?ml$/i, '');
    const modified = (await stat(f.path)).mtime.toISOString();
    for (const [i, entry] of doc.packages.entries()) {
      const pkg = isObj(entry) && isObj(entry.pkg) ? entry.pkg : undefined;
      const name = pkg && typeof pkg.name === 'string' ? pkg.name.trim() : '';
      if (!pkg || !name || name.length > 256 || /\s/.test(name)) {
        ctx.warn(`${f.path}: packages[${i}] skipped, no valid pkg.name`);
        continue;
      }
      if (pkg.secfixes === undefined || pkg.secfixes === null) continue;
      if (!isObj(pkg.secfixes)) {
        ctx.warn(`${f.path}: ${name}: secfixes skipped, not a mapping`);
        continue;
      }
      for (const [version, ids] of Object.entries(pkg.secfixes)) {
        if (ids === null) continue; // a version listed without ids
        if (!Array.isArray(ids) || version.length > 128 || /\s/.test(version)) {
          ctx.warn(`${f.path}: ${name} ${version}: skipped, malformed secfix entry`);
          continue;
        }
        for (const raw of ids) {
          const parsed = typeof raw === 'string' ? parseIds(raw) : undefined;
          if (!parsed) {
            ctx.warn(`${f.path}: ${name} ${version}: skipped, no vulnerability id in ${JSON.stringify(raw)}`);
            continue;
          }
          for (const first of parsed.primary) {
          let p = byId.get(first);
          if (!p) {
            p = { aliases: new Set([first]), affected: new Map(), notAffected: [], modified };
            byId.set(first, p);
          }
          for (const t of parsed.aliases) p.aliases.add(t);
          if (modified > p.modified) p.modified = modified;
          if (version === '0') {
            p.notAffected.push({ ecosystem, name });
            continue;
          }
          const key = `${ecosystem}\u0000${name}`;
          const existing = p.affected.get(key);
          const range = { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: version }] };
          if (existing) existing.ranges?.push(range);
          else p.affected.set(key, { package: { ecosystem, name }, ranges: [range], database_specific: { repository: repo } });
          }
        }
      }
    }
  }
  for (const id of [...byId.keys()].sort()) {
    const p = byId.get(id) as Pending;
    const record: OsvRecord = {
      id: `ALPINE-${id}`,
      modified: p.modified,
      aliases: [...p.aliases].sort(),
      summary: `${id} fixed in Alpine secdb`,
      affected: [...p.affected.values()],
      references: id.startsWith('CVE-') ? [{ type: 'ADVISORY', url: `https://security.alpinelinux.org/vuln/${id}` }] : [],
      database_specific: { source: 'alpine-secdb', ...(p.notAffected.length ? { not_affected: p.notAffected } : {}) },
    };
    yield { type: 'advisory', record, origin: `alpine-secdb ${id}` };
  }
}
