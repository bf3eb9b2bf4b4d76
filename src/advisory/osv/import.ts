// OSV JSON importer: a bulk-export zip (`<Ecosystem>/all.zip`), a directory holding such zips
// (the export root), a directory tree of `.json` records (ghsa/, malicious/, or the
// github/advisory-database layout advisories/github-reviewed/YYYY/MM/GHSA-.../GHSA-....json),
// or a single `.json` record.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, relative } from 'node:path';
import type { ImportContext, ImportItem } from '../types.js';
import { checkRecord, isMalicious } from './validate.js';
import { walkFiles } from './walk.js';
import { zipJsonEntries } from './zip.js';

export interface FeedControl {
  /** records from now on belong to this feed (a DB source entry) */
  beginFeed(name: string, checksum?: string): void;
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return 'sha256:' + h.digest('hex');
}

/** OSV records are a few levels deep; anything deeper is hostile (it would overflow recursive walks). */
export const MAX_RECORD_DEPTH = 64;

/** Nesting depth of a JSON text (brackets outside strings), counting stops past `stopAt`. */
export function jsonDepth(text: string, stopAt: number): number {
  let depth = 0;
  let most = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > most) {
        most = depth;
        if (most > stopAt) return most;
      }
    } else if (c === 93 || c === 125) depth--;
  }
  return most;
}

/** Parses and checks one JSON document; yields nothing (and warns) when it is not a usable record. */
export function* recordsFromText(text: string, origin: string, ctx: ImportContext): Generator<ImportItem> {
  if (Buffer.byteLength(text) > ctx.limits.maxRecordBytes) {
    ctx.warn(`${origin}: skipped, record larger than ${ctx.limits.maxRecordBytes} bytes`);
    return;
  }
  const depth = jsonDepth(text, MAX_RECORD_DEPTH);
  if (depth > MAX_RECORD_DEPTH) {
    ctx.warn(`${origin}: skipped, JSON nested more than ${MAX_RECORD_DEPTH} levels deep`);
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    ctx.warn(`${origin}: skipped, malformed JSON: ${(e as Error).message}`);
    return;
  }
  let checked: ReturnType<typeof checkRecord>;
  try {
    checked = checkRecord(value);
  } catch (e) {
    // one bad record never takes the build down
    ctx.warn(`${origin}: skipped, unusable record: ${(e as Error).message}`);
    return;
  }
  if (!checked.ok) {
    ctx.warn(`${origin}: skipped, ${checked.reason}`);
    return;
  }
  for (const p of checked.problems) ctx.warn(`${origin}: ${p}`);
  yield { type: 'advisory', record: checked.record, malicious: isMalicious(checked.record), origin };
}

export async function* importOsv(path: string, ctx: ImportContext & FeedControl): AsyncGenerator<ImportItem> {
  const st = await stat(path);
  const label = (p: string): string => relative(dirname(path), p) || basename(p);
  if (st.isFile()) {
    ctx.beginFeed(`osv:${basename(path)}`, await sha256File(path));
    if (path.toLowerCase().endsWith('.zip')) {
      for await (const e of zipJsonEntries(path, ctx.limits, ctx.warn)) yield* recordsFromText(e.text, `${path}!${e.name}`, ctx);
    } else {
      if (st.size > ctx.limits.maxRecordBytes) {
        ctx.warn(`${path}: skipped, record larger than ${ctx.limits.maxRecordBytes} bytes`);
        return;
      }
      yield* recordsFromText(await readFile(path, 'utf8'), path, ctx);
    }
    return;
  }
  // Directory: loose JSON files form one feed named after the directory; each zip is its own feed.
  const looseHash = createHash('sha256');
  let loose = 0;
  const looseFeed = `osv:${basename(path)}`;
  let current = '';
  let entries = 0;
  for await (const f of walkFiles(path, (p, why) => ctx.warn(`${p}: skipped, ${why}`))) {
    if (++entries > ctx.limits.maxEntries) {
      ctx.warn(`${path}: more than ${ctx.limits.maxEntries} files; the rest are skipped`);
      break;
    }
    const lower = f.path.toLowerCase();
    if (lower.endsWith('.zip')) {
      current = `osv:${label(f.path)}`;
      ctx.beginFeed(current, await sha256File(f.path));
      for await (const e of zipJsonEntries(f.path, ctx.limits, ctx.warn)) yield* recordsFromText(e.text, `${f.path}!${e.name}`, ctx);
    } else if (lower.endsWith('.json')) {
      if (current !== looseFeed) {
        current = looseFeed;
        ctx.beginFeed(looseFeed);
      }
      if (f.size > ctx.limits.maxRecordBytes) {
        ctx.warn(`${f.path}: skipped, record larger than ${ctx.limits.maxRecordBytes} bytes`);
        continue;
      }
      const buf = await readFile(f.path);
      looseHash.update(f.rel).update('\0').update(buf);
      loose++;
      yield* recordsFromText(buf.toString('utf8'), f.path, ctx);
    }
  }
  if (loose > 0) ctx.beginFeed(looseFeed, 'sha256:' + looseHash.digest('hex'));
}
