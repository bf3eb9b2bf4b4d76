// portcullis base add | list | remove — the catalog of known base images and their layers. Approval lives in
// the policies (baseImage.approved); `base list --policy PATH` shows which policies approve each entry. The
// catalog's own `approved: false` only keeps an entry out of upgrade advice (shown as SUGGESTED no).
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { PortcullisError } from '../../core/errors.js';
import { collectInventory } from '../../scan/collect.js';
import { openImage, parsePlatform } from '../../source/index.js';
import {
  DEFAULT_CATALOG_FILE,
  entryFromInventory,
  entryKey,
  loadCatalog,
  normaliseBaseName,
  removeEntries,
  updateCatalog,
  upsertEntry,
  type CatalogEntry,
} from '../../baseimage/index.js';
import { layerProgress } from '../progress.js';
import { collect, resolvedOptions, maxArchiveBytes } from './common.js';
import { loadPolicies } from '../../policy/load.js';
import { imageMatchesAny, parseImageRef } from '../../policy/imageref.js';
import type { Policy } from '../../policy/schema.js';
import { addRegistryOptions, registryOptions } from '../registry.js';

function addCatalogOptions(cmd: Command): Command {
  return cmd
    .option('--catalog <file>', `base catalog file (default: ./${DEFAULT_CATALOG_FILE})`)
    .option('--base-catalog <file>', 'same as --catalog');
}

/** --catalog or --base-catalog (flags beat the `base-catalog:` / `catalog:` config keys), else ./base-catalog.yaml */
function catalogPath(c: Command, opts: Record<string, unknown>): string {
  const a = opts.catalog as string | undefined;
  const b = opts.baseCatalog as string | undefined;
  const aCli = c.getOptionValueSource('catalog') === 'cli';
  const bCli = c.getOptionValueSource('baseCatalog') === 'cli';
  if (aCli && bCli && a !== b) throw new PortcullisError('BAD_INPUT', `--catalog ${a} and --base-catalog ${b} disagree; give one`);
  if (aCli) return a!;
  if (bCli) return b!;
  return a ?? b ?? DEFAULT_CATALOG_FILE;
}

function short(d: string | undefined): string {
  return d ? d.replace(/^sha256:/, '').slice(0, 12) : '-';
}

function osText(e: CatalogEntry): string {
  return e.os ? `${e.os.family}${e.os.versionId ? ` ${e.os.versionId}` : ''}` : '-';
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_c, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

/** Names of the policies whose baseImage.approved matches the entry (name:tag, and its digest when recorded). */
export function approvingPolicies(entry: Pick<CatalogEntry, 'name' | 'digest'>, policies: readonly Policy[]): string[] {
  const ref = parseImageRef(entry.name) ?? {};
  const id = { ...ref, digest: entry.digest ?? ref.digest };
  return policies
    .filter((p) => p.spec.controls.baseImage?.approved !== undefined && imageMatchesAny(p.spec.controls.baseImage.approved, id))
    .map((p) => p.metadata.name)
    .sort();
}

export function registerBaseCommands(program: Command, io: CliIo): void {
  const base = program.command('base');

  const add = base
    .command('add')
    .description('record an image as a known base: name, digest, layers, OS, creation time and package inventory')
    .argument('<image>', 'docker-archive:PATH, oci-archive:PATH, oci:DIR[:TAG], dir:PATH, or a path (auto-detected)')
    .option('--name <name>', 'repo:tag to record (default: the name the image carries), e.g. debian:12-slim')
    .option('--not-approved', 'record the base as known but never suggested in upgrade advice (catalog `approved: false`; whether a policy approves a base is its baseImage.approved)')
    .option('--note <text>', 'free text kept with the entry')
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform index');
  addCatalogOptions(add);
  addRegistryOptions(add);
  add.action(async (image: string, _o: unknown, c: Command) => {
    const { opts, global } = await resolvedOptions(c, io);
    const path = catalogPath(c, opts);
    await loadCatalog(path, { missingOk: true }); // fail on a broken catalog before the long read
    const inventory = await collectInventory(image, {
      maxArchiveBytes: maxArchiveBytes(io.env),
      platform: opts.platform ? parsePlatform(String(opts.platform)) : undefined,
      onLayer: layerProgress(io, !global.quiet),
      registry: await registryOptions(opts, io, global.quiet ? undefined : (m) => io.stderr.write(`portcullis: ${m}\n`)),
    });
    const entry = entryFromInventory(inventory, {
      name: opts.name as string | undefined,
      approved: opts.notApproved !== true,
      addedAt: io.clock.now().toISOString(),
      note: opts.note as string | undefined,
    });
    const replaced = await updateCatalog(path, (current) => {
      const r = upsertEntry(current, entry);
      return { catalog: r.catalog, result: r.replaced };
    });
    io.stdout.write(
      `${replaced ? 'updated' : 'added'} ${entryKey(entry)} (${entry.approved ? 'suggested in upgrade advice' : 'not suggested in upgrade advice'}, ${entry.layers.length} layer(s), ${osText(entry)}, ${entry.packages.length} package(s)) in ${path}\n`,
    );
  });

  const refresh = base
    .command('refresh')
    .description('re-resolve the tag of each catalog entry in its registry; a new digest is recorded beside the old ones (kept until removed)')
    .argument('[names...]', 'only these repo:tag names (default: every entry with a tag)')
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform index');
  addCatalogOptions(refresh);
  addRegistryOptions(refresh);
  refresh.action(async (names: string[], _o: unknown, c: Command) => {
    const { opts, global } = await resolvedOptions(c, io);
    const path = catalogPath(c, opts);
    const catalog = await loadCatalog(path);
    const platform = opts.platform ? parsePlatform(String(opts.platform)) : undefined;
    const registry = await registryOptions(opts, io, global.quiet ? undefined : (m) => io.stderr.write(`portcullis: ${m}\n`));
    const wanted = names.map(normaliseBaseName);
    const tagged = [...new Set(catalog.entries.map((e) => e.name))].filter((n) => /:[^/:]+$/.test(n)).sort();
    for (const w of wanted) if (!tagged.includes(w)) throw new PortcullisError('NOT_FOUND', `${path}: no base ${w} with a tag in the catalog`);
    let added = 0;
    for (const name of wanted.length > 0 ? wanted : tagged) {
      const known = catalog.entries.filter((e) => e.name === name);
      const image = await openImage(`registry:${name}`, { registry, ...(platform ? { platform } : {}) });
      const digest = image.manifestDigest;
      await image.close();
      if (known.some((e) => e.digest === digest)) {
        io.stdout.write(`${name}: up to date (${short(digest)})\n`);
        continue;
      }
      const inventory = await collectInventory(`registry:${name}@${digest}`, { registry, ...(platform ? { platform } : {}), onLayer: layerProgress(io, !global.quiet) });
      const newest = [...known].sort((a, b) => ((a.addedAt ?? '') < (b.addedAt ?? '') ? -1 : 1)).pop();
      const entry = entryFromInventory(inventory, {
        name,
        approved: newest?.approved ?? true,
        addedAt: io.clock.now().toISOString(),
        note: `refreshed from ${name}; earlier digests kept until removed`,
      });
      entry.digest = digest;
      await updateCatalog(path, (current) => ({ catalog: upsertEntry(current, entry).catalog, result: undefined }));
      added++;
      io.stdout.write(`${name}: new digest ${short(digest)} (${entry.layers.length} layer(s), ${entry.packages.length} package(s)) recorded beside ${known.length} earlier one(s)\n`);
    }
    if (!global.quiet) io.stderr.write(`portcullis: ${added} new digest(s) recorded in ${path}\n`);
  });

  const list = base
    .command('list')
    .description('list the bases of the catalog; with --policy, which policies approve each (baseImage.approved)')
    .option('--policy <path>', 'policy file or directory (repeatable): show which of them approve each base', collect)
    .option('-f, --format <format>', 'table or json', 'table');
  addCatalogOptions(list);
  list.action(async (_o: unknown, c: Command) => {
    const { opts, global } = await resolvedOptions(c, io);
    const path = catalogPath(c, opts);
    const format = String(opts.format ?? 'table');
    if (format !== 'table' && format !== 'json') throw new PortcullisError('BAD_INPUT', `--format: expected table or json, got ${JSON.stringify(format)}`);
    const policyPaths = (opts.policy as string[] | undefined) ?? [];
    const policies = policyPaths.length ? (await loadPolicies(policyPaths)).policies : undefined;
    const catalog = await loadCatalog(path);
    const entries = [...catalog.entries].sort((a, b) => (a.name !== b.name ? (a.name < b.name ? -1 : 1) : (a.created ?? '') < (b.created ?? '') ? -1 : 1));
    if (format === 'json') {
      const out = entries.map(({ packages, ...rest }) => ({ ...rest, packageCount: packages.length, ...(policies ? { approvedBy: approvingPolicies(rest, policies) } : {}) }));
      io.stdout.write(JSON.stringify({ catalog: path, policies: policies?.map((p) => p.metadata.name), bases: out }, null, 2) + '\n');
      return;
    }
    if (entries.length === 0) {
      io.stdout.write(`no bases in ${path}\n`);
      return;
    }
    const rows = [['NAME', 'DIGEST', ...(policies ? ['APPROVED BY'] : []), 'SUGGESTED', 'OS', 'LAYERS', 'PACKAGES', 'CREATED']];
    for (const x of entries) {
      const by = policies ? [approvingPolicies(x, policies).join(', ') || 'none'] : [];
      rows.push([x.name, short(x.digest ?? x.configDigest), ...by, x.approved ? 'yes' : 'no', osText(x), String(x.layers.length), String(x.packages.length), x.created ?? '-']);
    }
    io.stdout.write(table(rows));
    if (!policies && !global.quiet) io.stderr.write('portcullis: approval is decided by the policies (baseImage.approved): give --policy PATH to see which approve each base\n');
  });

  const remove = base
    .command('remove')
    .description('remove a base: NAME removes every digest of that name, NAME@DIGEST one of them')
    .argument('<name>', 'repo:tag or repo:tag@sha256:…');
  addCatalogOptions(remove);
  remove.action(async (ref: string, _o: unknown, c: Command) => {
    const { opts } = await resolvedOptions(c, io);
    const path = catalogPath(c, opts);
    await loadCatalog(path); // a missing catalog is an error here, not an empty one
    const removed = await updateCatalog(path, (current) => {
      const r = removeEntries(current, ref);
      return { catalog: r.catalog, result: r.removed };
    });
    for (const e of removed) io.stdout.write(`removed ${entryKey(e)} from ${path}\n`);
  });
}
