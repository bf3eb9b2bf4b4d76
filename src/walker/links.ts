// After the pass: required symlinks and hard links resolved against the final filesystem (chroot
// semantics, depth-limited), and their targets analyzed: from the files kept during the walk, else
// from a targeted second read of the layers (or of the root of a dir: source).
import type { AnalyzedFile } from './types.js';
import type { EntryInfo } from '../core/types.js';
import { parentOf, resolveInRoot } from './path.js';
import { readFinalFromRoot } from './dirwalk.js';
import { readFinalFromLayers } from './tarwalk.js';
import type { PendingLink, Walk } from './walk.js';

/** After the pass: resolve required links against the final filesystem, then analyze their targets. */
export async function resolvePending(w: Walk): Promise<void> {
  if (w.pending.length === 0) return;
  const lookup = (p: string): string | undefined => {
    const r = w.links.last(p);
    return r && !r.hard ? r.target : undefined;
  };
  const targets = new Map<PendingLink, string>();
  for (const pl of w.pending) {
    const t = pl.entry.linkTarget!;
    const r = pl.entry.type === 'hardlink' ? resolveInRoot('/', t, lookup, w.limits.maxLinkDepth) : resolveInRoot(parentOf(pl.entry.path), t, lookup, w.limits.maxLinkDepth);
    if (!r.ok) {
      w.problem({ reason: 'limit-exceeded', subject: pl.entry.path, detail: `link not followed: ${r.reason}`, layer: pl.layer });
      for (const a of pl.analyzers) w.book.mark(a.name, pl.entry.path, pl.layer, 'failed', `link not followed: ${r.reason}`, { gap: false });
      continue;
    }
    // a hard link may point at another hard link
    let p = r.path;
    for (let d = 0; d < w.limits.maxLinkDepth; d++) {
      const h = w.links.last(p);
      if (!h?.hard) break;
      const r2 = resolveInRoot('/', h.target, lookup, w.limits.maxLinkDepth);
      if (!r2.ok) break;
      p = r2.path;
    }
    targets.set(pl, p);
  }
  const missing = new Set<string>();
  for (const p of targets.values()) if (!w.kept.last(p)) missing.add(p);
  const fetched = missing.size > 0 ? await readFinal(w, missing) : new Map<string, { content: Buffer; entry: EntryInfo } | 'too-large'>();
  for (const [pl, target] of targets) {
    const got = w.kept.last(target) ?? fetched.get(target);
    if (got === 'too-large') {
      w.overCap(pl.analyzers, pl.entry.path, w.limits.maxFileBytes + 1, pl.layer, `link target ${target} is larger than ${w.limits.maxFileBytes} bytes`);
      continue;
    }
    if (!got) {
      // dangling link: the file the analyzer asked for does not exist in the image (or is not a file)
      for (const a of pl.analyzers) w.book.mark(a.name, pl.entry.path, pl.layer, 'failed', `link to ${target}, which is not a regular file in the image (dangling link); not read`);
      continue;
    }
    const entry: EntryInfo = { ...got.entry, path: pl.entry.path, linkTarget: target };
    const fits = w.overCap(pl.analyzers, pl.entry.path, got.content.length, pl.layer, `link target ${target}: ${got.content.length} bytes`);
    if (fits.length === 0) continue;
    w.stats.analyzedFiles++;
    await w.runAnalyzers(fits, pl.entry.path, entry, got.content, pl.layer, pl.analyzers.map((a, i) => (fits.includes(a) ? pl.recs[i] : undefined)).filter((r): r is AnalyzedFile => r !== undefined));
  }
}

/** Second, targeted pass: the final content of `paths` (only for link targets not already kept). */
function readFinal(w: Walk, paths: Set<string>): Promise<Map<string, { content: Buffer; entry: EntryInfo } | 'too-large'>> {
  return w.fsRoot !== undefined ? readFinalFromRoot(w, w.fsRoot, paths) : readFinalFromLayers(w, paths);
}
