// Rust analyzers: Cargo.lock files and binaries built with cargo-auditable.
import { buildPurl } from '../../../core/purl.js';
import { failed, partial } from '../../status.js';
import type { Analyzer, AnalyzerContext, EntryInfo, Fact, FileInput, Package } from '../../../core/types.js';
import { detectFormat, isCandidateExecutable, MAX_BINARY_BYTES } from '../binfmt/index.js';
import { firstPerPurlFacts } from '../common.js';
import { readAuditable } from './auditable.js';
import { cargoGraph, parseCargoLock } from './cargolock.js';
import { annotatePackages } from '../depgraph.js';

export const CARGO_LOCK_ANALYZER = 'cargo-lock';
export const RUST_BINARY_ANALYZER = 'rust-binary';
const MAX_LOCK_BYTES = 16 * 1024 * 1024;

function cratePackage(
  name: string,
  version: string,
  file: FileInput,
  foundBy: string,
  metadata: Record<string, string>,
  dev?: boolean,
): Package {
  const p: Package = {
    name,
    version,
    type: 'cargo',
    purl: buildPurl({ type: 'cargo', name, version }),
    licenses: [],
    locations: [{ path: file.path, layer: file.layer }],
    foundBy,
    confidence: 'high',
    metadata,
  };
  if (dev) p.dev = true;
  return p;
}

async function analyzeLock(file: FileInput, ctx: AnalyzerContext): Promise<Fact[]> {
  const r = parseCargoLock(file.content.toString('utf8'));
  if (!r.ok) {
    failed(ctx, `${file.path}: ${r.error}`);
    return [];
  }
  if (r.skipped) partial(ctx, `${file.path}: ${r.skipped} [[package]] entr${r.skipped === 1 ? 'y' : 'ies'} without name or version skipped`);
  const pkgs = r.crates.map((c) =>
    cratePackage(c.name, c.version, file, CARGO_LOCK_ANALYZER, {
      lockVersion: String(r.lockVersion),
      // no source: a workspace member or path dependency, built from local code (not from a registry)
      source: c.source ?? 'local',
    }),
  );
  const graph = cargoGraph(r.crates);
  if (graph.truncated) ctx.warn(`${file.path}: dependency paths incomplete: ${graph.truncated}`);
  return firstPerPurlFacts(annotatePackages(pkgs, graph.resolve()));
}

export const cargoLockAnalyzer: Analyzer = {
  name: CARGO_LOCK_ANALYZER,
  version: 1,
  maxFileBytes: MAX_LOCK_BYTES,
  required(path: string, entry: EntryInfo): boolean {
    if (entry.type !== 'file' || !(path === 'Cargo.lock' || path.endsWith('/Cargo.lock'))) return false;
    // lockfiles shipped inside downloaded crates (cargo's registry and git checkouts) describe those
    // crates' own development, not what was built into the image
    return !/\/\.cargo\/(registry|git)\//.test(path);
  },
  analyze: analyzeLock,
};

async function analyzeBinary(file: FileInput, ctx: AnalyzerContext): Promise<Fact[]> {
  if (!detectFormat(file.content)) return [];
  const r = readAuditable(file.content);
  if (r.kind === 'absent') {
    // Rust code without an embedded dependency list: its crates cannot be known; say so
    if (looksLikeRust(file.content)) ctx.warn(`${file.path}: Rust binary without cargo-auditable dependency data (.dep-v0); its crates cannot be listed`);
    return [];
  }
  if (r.kind === 'error') {
    failed(ctx, `${file.path}: ${r.error}`);
    return [];
  }
  if (r.skipped) partial(ctx, `${file.path}: ${r.skipped} .dep-v0 entr${r.skipped === 1 ? 'y' : 'ies'} without name or version skipped`);
  return firstPerPurlFacts(
    r.crates.map((c) => {
      const meta: Record<string, string> = { source: c.source, kind: c.kind };
      if (c.root) meta.root = 'true';
      return cratePackage(c.name, c.version, file, RUST_BINARY_ANALYZER, meta, c.kind === 'build');
    }),
  );
}

const RUSTC = Buffer.from('/rustc/', 'latin1');

/**
 * Rust's standard library leaves source paths such as `/rustc/<commit or version>/library/core/src/…`
 * (older toolchains: `…/src/libcore/…`) in panic locations of every binary that links it.
 */
export function looksLikeRust(buf: Buffer): boolean {
  let i = buf.indexOf(RUSTC);
  for (let n = 0; i >= 0 && n < 64; n++) {
    const tail = buf.toString('latin1', i + RUSTC.length, i + RUSTC.length + 64);
    if (/^[0-9a-zA-Z.-]{1,48}\/(library\/|src\/lib)/.test(tail)) return true;
    i = buf.indexOf(RUSTC, i + 1);
  }
  return false;
}

export const rustBinaryAnalyzer: Analyzer = {
  name: RUST_BINARY_ANALYZER,
  version: 1,
  maxFileBytes: MAX_BINARY_BYTES,
  required: isCandidateExecutable,
  analyze: analyzeBinary,
};
