// The secrets check: gitleaks-format rules over every regular text file of every layer (including files a
// later layer deletes) and over the image configuration (Env, Labels, history created_by). Findings
// carry the rule, the path, the layer that added the file, the line, a redacted match and a fingerprint
// that survives rescans and layer rebuilds; OS-package files are attributed to their package.
import { createHash } from 'node:crypto';
import { fingerprint } from '../../core/fingerprint.js';
import { globMatch } from '../../core/glob.js';

/** An anchored glob over paths, matched in linear time (core/glob). */
interface PathTest {
  test(path: string): boolean;
}
const pathGlob = (g: string): PathTest => ({ test: (p) => globMatch(g, p) });
import type { CoverageGapFinding, Finding, ImageConfig, LayerInfo, LayerRef, PackageRef, SecretFinding } from '../../core/types.js';
import type { Inventory } from '../../core/report.js';
import type { CheckContext, CheckFactory, CheckOptions, CheckResult, CheckRun, ContentCheck, ContentSink, TrackedFile } from '../types.js';
import { defaultRules, loadRules, type RuleSet } from './config.js';
import { redactLayerRef, redactSecret } from './redact.js';
import { BLOCK, CompiledRules, scanString, TextScanner, type RawHit } from './scan.js';

export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;
const MAX_REASONS = 50;
const VERSION = 1;

export interface SecretsSettings {
  rules: RuleSet;
  maxFileBytes: number;
  /** anchored globs of paths never scanned */
  skipPaths: string[];
  /** anchored globs of paths scanned even when a global allowlist path (node_modules, ...) would skip them */
  scanPaths: string[];
}

/** A hit without its secret: what findings need (the secret's digest, the redacted excerpt). What the layer cache stores. */
interface SafeHit {
  /** index of the rule in the rule set */
  rule: number;
  line?: number;
  /** secretDigest of the secret (absent for path-only rules) */
  digest?: string;
  match: string;
}

interface FileHits {
  hits: SafeHit[];
  layer: LayerRef;
  tracked: TrackedFile;
}

/** One file's outcome, as the layer cache keeps it (ContentSink.save). */
/** a file without a hit is kept as a number (bytes, or -1 - bytes when binary): most files, and fewer objects to parse on a warm run */
type SavedFile = number | { end: { hits: SafeHit[]; binary: boolean; bytes: number } } | { abort: { why: string; hits: SafeHit[] } };

function safeHits(raw: RawHit[], ruleIndex: Map<unknown, number>): SafeHit[] {
  return raw.map((h) => {
    const s: SafeHit = { rule: ruleIndex.get(h.rule)!, match: h.line === undefined ? `file name matches ${h.rule.id}` : redactSecret(h.secret) };
    if (h.line !== undefined) {
      s.line = h.line;
      s.digest = secretDigest(h.secret);
    }
    return s;
  });
}

function layerLabel(l: LayerRef): string {
  return `layer ${l.index + 1}`;
}

function secretDigest(secret: string): string {
  return createHash('sha256').update(secret, 'latin1').digest('hex').slice(0, 16);
}

/** The layer whose state a history entry describes: the last non-empty layer at or before it. */
function historyLayers(config: ImageConfig, layers: readonly LayerInfo[]): (LayerRef | undefined)[] {
  let next = 0;
  let current: LayerRef | undefined;
  return config.history.map((h) => {
    if (!h.emptyLayer) {
      const l = layers[next++];
      if (l) current = { index: l.index, diffId: l.diffId, createdBy: l.createdBy };
    }
    return current;
  });
}

export function makeSecretsCheck(settings: SecretsSettings): ContentCheck {
  const skip = settings.skipPaths.map(pathGlob);
  const always = settings.scanPaths.map(pathGlob);
  const digest = createHash('sha256')
    .update(settings.rules.digest)
    .update(JSON.stringify([VERSION, settings.maxFileBytes, settings.skipPaths, settings.scanPaths]))
    .digest('hex');
  return {
    name: 'secrets',
    version: VERSION,
    rulesDigest: `sha256:${digest}`,
    // compiled when a run starts: a rescan whose image analysis is cached starts none (the default rules are parsed then too)
    start: (ctx) => startRun(ctx, settings, CompiledRules.of(settings.rules), skip, always, `sha256:${digest}`),
  };
}

/** What every file's sink of one run shares (SecretsSink). */
interface SinkRun {
  compiled: CompiledRules;
  ruleIndex: Map<unknown, number>;
  validHits: (v: unknown) => v is SafeHit[];
  stats: { filesScanned: number; bytesScanned: number; binarySkipped: number; unreadable: number };
  files: FileHits[];
  reason: (r: string) => void;
  track: CheckContext['track'];
}

/**
 * One file's sink: its scanner is made on the first chunk (a file replayed from the layer cache never
 * needs one). A class, not closures: a sink is made for every text file of the image.
 */
class SecretsSink implements ContentSink {
  private made: TextScanner | undefined;
  private saved: SavedFile | undefined;

  constructor(
    private readonly run: SinkRun,
    private readonly path: string,
    private readonly layer: LayerRef,
    private readonly forced: boolean,
    /** the size its header gives */
    private readonly size: number,
  ) {}

  private scanner(): TextScanner {
    return (this.made ??= new TextScanner(this.run.compiled, this.path, true, this.forced));
  }

  private ended(binary: boolean, bytes: number, hits: SafeHit[]): void {
    const { stats, files } = this.run;
    this.saved = hits.length === 0 ? (binary ? -1 - bytes : bytes) : { end: { hits, binary, bytes } };
    if (binary) stats.binarySkipped++;
    else {
      stats.filesScanned++;
      stats.bytesScanned += bytes;
    }
    if (hits.length) files.push({ hits, layer: this.layer, tracked: this.run.track(this.path, this.layer) });
  }

  private aborted(why: string, hits: SafeHit[]): void {
    this.saved = { abort: { why, hits } };
    this.run.stats.unreadable++;
    this.run.reason(`${this.path} (${layerLabel(this.layer)}): not read to its end: ${why}`);
    if (hits.length) this.run.files.push({ hits, layer: this.layer, tracked: this.run.track(this.path, this.layer) });
  }

  write(chunk: Buffer): void {
    // the whole file in its first chunk (most files): scanned where it lies, not copied first
    if (this.made === undefined && chunk.length === this.size && chunk.length <= BLOCK) this.scanner().whole(chunk);
    else this.scanner().write(chunk);
  }

  /** a binary file (a NUL among its first bytes) is not scanned further: the walker need not read on */
  done(): boolean {
    return this.made?.binary === true;
  }

  end(): void {
    const s = this.scanner();
    const hits = safeHits(s.end(), this.run.ruleIndex);
    this.ended(s.binary, s.bytes, hits);
  }

  abort(why: string): void {
    this.aborted(why, safeHits(this.scanner().end(), this.run.ruleIndex));
  }

  save(): unknown {
    return this.saved;
  }

  restore(v: unknown): void {
    if (typeof v === 'number' && Number.isSafeInteger(v)) return v < 0 ? this.ended(true, -1 - v, []) : this.ended(false, v, []);
    const o = v as Exclude<SavedFile, number> | null;
    const valid = this.run.validHits;
    if (o && 'end' in o && valid(o.end.hits) && typeof o.end.binary === 'boolean' && Number.isSafeInteger(o.end.bytes)) this.ended(o.end.binary, o.end.bytes, o.end.hits);
    else if (o && 'abort' in o && valid(o.abort.hits) && typeof o.abort.why === 'string') this.aborted(o.abort.why, o.abort.hits);
    else throw new Error('malformed cached secrets result');
  }
}

function startRun(ctx: CheckContext, settings: SecretsSettings, compiled: CompiledRules, skip: PathTest[], always: PathTest[], rulesDigest: string): CheckRun {
  const files: FileHits[] = [];
  const ruleIndex = new Map<unknown, number>(settings.rules.rules.map((r, i) => [r, i]));
  const validHits = (v: unknown): v is SafeHit[] =>
    Array.isArray(v) && v.every((h: SafeHit) => h && Number.isInteger(h.rule) && settings.rules.rules[h.rule] !== undefined && typeof h.match === 'string');
  const reasons: string[] = [];
  const gaps: CoverageGapFinding[] = [];
  const stats = { rules: settings.rules.rules.length, filesScanned: 0, bytesScanned: 0, binarySkipped: 0, allowlistedPaths: 0, skippedPaths: 0, tooLarge: 0, unreadable: 0 };
  const reason = (r: string): void => {
    if (reasons.length < MAX_REASONS) reasons.push(r);
  };
  const run: SinkRun = { compiled, ruleIndex, validHits, stats, files, reason, track: ctx.track };
  return {
    name: 'secrets',
    onEntry(entry, layer) {
      if (entry.type !== 'file') return undefined;
      const path = entry.path;
      if (skip.some((re) => re.test(path))) {
        stats.skippedPaths++;
        return undefined;
      }
      const forced = always.some((re) => re.test(path));
      if (!forced && compiled.skipsPath(path)) {
        stats.allowlistedPaths++;
        return undefined;
      }
      if (entry.size > settings.maxFileBytes) {
        stats.tooLarge++;
        const detail = `${path} (${layerLabel(layer)}): ${entry.size} bytes, over the secret scan cap of ${settings.maxFileBytes}; not scanned`;
        reason(detail);
        gaps.push({
          id: fingerprint('coverage-gap', 'file-too-large', 'secrets', path),
          kind: 'coverage-gap',
          title: `secrets: file not scanned (over the size cap): ${path}`,
          severity: 'unknown',
          reason: 'file-too-large',
          subject: path,
          detail,
          layer,
        });
        return undefined;
      }
      return new SecretsSink(run, path, layer, forced, entry.size);
    },
    async finish(inventory: Inventory): Promise<CheckResult> {
      const owners = ownerIndex(inventory);
      const findings: Finding[] = [];
      for (const f of files) for (const h of f.hits) findings.push(fileFinding(h, f, owners, settings.rules));
      findings.push(...configFindings(ctx.config, ctx.layers, compiled));
      const unique = dedupe(findings).map((f) => (f.layer ? { ...f, layer: redactLayerRef(f.layer) } : f));
      unique.push(...gaps);
      unique.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const partial = stats.tooLarge + stats.unreadable > 0;
      const detail =
        `${stats.filesScanned} text file(s), ${stats.bytesScanned} bytes scanned with ${stats.rules} rule(s); ` +
        `${stats.binarySkipped} binary file(s) and ${stats.allowlistedPaths} allowlisted path(s) skipped` +
        (stats.skippedPaths ? `, ${stats.skippedPaths} path(s) skipped by --secret-skip-path` : '') +
        (stats.tooLarge ? `, ${stats.tooLarge} file(s) over the size cap not scanned` : '') +
        (stats.unreadable ? `, ${stats.unreadable} file(s) not read to their end` : '');
      return {
        findings: unique,
        status: { check: 'secrets', state: partial ? 'partial' : 'complete', detail, reasons: [...reasons].sort(), stats, rulesDigest },
      };
    },
  };
}

function ownerIndex(inventory: Inventory): () => Map<string, PackageRef> {
  let map: Map<string, PackageRef> | undefined;
  return () => {
    if (map) return map;
    map = new Map();
    for (const p of inventory.packages) {
      for (const file of p.files ?? []) {
        if (!map.has(file)) map.set(file, { name: p.name, version: p.version, type: p.type, purl: p.purl, path: file, source: p.source });
      }
    }
    return map;
  };
}

function fileFinding(h: SafeHit, f: FileHits, owners: () => Map<string, PackageRef>, rules: RuleSet): SecretFinding {
  const rule = rules.rules[h.rule]!;
  const path = f.tracked.path;
  const removed = f.tracked.removedIn;
  const pkg = owners().get(path);
  const where = `${path}${h.line !== undefined ? `:${h.line}` : ''}`;
  const title = `${rule.description}${removed ? ` (removed in ${layerLabel(removed)}, still in ${layerLabel(f.layer)})` : ''}`;
  const finding: SecretFinding = {
    id: fingerprint('secret', rule.id, path, h.digest ?? 'path'),
    kind: 'secret',
    title,
    severity: rule.severity,
    rule: rule.id,
    path,
    line: h.line,
    match: h.match,
    layer: f.layer,
    remediation: pkg
      ? `${where} comes with the ${pkg.type} package ${pkg.name} ${pkg.version}: check whether it is a real credential; if so, remove the package or the file`
      : removed
        ? `${where} was deleted in ${layerLabel(removed)} but is still in ${layerLabel(f.layer)}: rebuild without it (build secrets, multi-stage) and rotate the secret`
        : `remove ${where} from the image (and from every earlier layer), rotate the secret, and pass it at run time instead`,
  };
  if (removed) finding.removedIn = redactLayerRef(removed);
  if (pkg) finding.package = pkg;
  return finding;
}

function configFindings(config: ImageConfig, layers: readonly LayerInfo[], compiled: CompiledRules): SecretFinding[] {
  const out: SecretFinding[] = [];
  const byHistory = historyLayers(config, layers);
  const last = layers.length ? layers[layers.length - 1] : undefined;
  const lastRef: LayerRef | undefined = last ? { index: last.index, diffId: last.diffId, createdBy: last.createdBy } : undefined;
  const push = (path: string, value: string, layer: LayerRef | undefined, what: string): void => {
    for (const h of scanString(compiled, path, value)) {
      if (h.line === undefined) continue;
      out.push({
        id: fingerprint('secret', h.rule.id, path, secretDigest(h.secret)),
        kind: 'secret',
        title: h.rule.description,
        severity: h.rule.severity,
        rule: h.rule.id,
        path,
        match: redactSecret(h.secret),
        layer,
        remediation: `the image ${what} holds a secret: pass it at run time (a secret store, --env-file) instead of baking it in, and rotate it`,
      });
    }
  };
  for (const e of config.env) {
    const name = e.split('=')[0]!;
    const i = config.history.findIndex((h) => h.createdBy !== undefined && new RegExp(`\\b(?:ENV|ARG)\\b.*\\b${name.replace(/[^\w]/g, '\\$&')}[=\\s]`).test(h.createdBy));
    push(`config:env/${name}`, e, i >= 0 ? byHistory[i] : lastRef, `configuration (Env ${name})`);
  }
  for (const [k, v] of Object.entries(config.labels)) push(`config:labels/${k}`, `${k}=${v}`, lastRef, `label ${k}`);
  config.history.forEach((h, i) => {
    if (h.createdBy) push(`config:history/${i}`, h.createdBy, byHistory[i], `history (step ${i + 1}: a build argument or ENV)`);
  });
  return out;
}

/** gitleaks: a generic rule's finding is dropped where a specific rule found the same secret in the same place */
function dedupe(findings: Finding[]): Finding[] {
  const specific = new Set<string>();
  const key = (f: SecretFinding): string => `${f.path}\u0000${f.line ?? ''}\u0000${f.match}`;
  for (const f of findings) if (f.kind === 'secret' && !f.rule.startsWith('generic')) specific.add(key(f));
  const seen = new Set<string>();
  return findings.filter((f) => {
    if (seen.has(f.id)) return false;
    seen.add(f.id);
    return !(f.kind === 'secret' && f.rule.startsWith('generic') && specific.has(key(f)));
  });
}

function settingsFrom(opts: CheckOptions): SecretsSettings {
  return {
    // the default rules are parsed once per process (the report's redaction uses them too)
    rules: opts.secretConfig ? loadRules(opts.secretConfig) : defaultRules(),
    maxFileBytes: opts.secretMaxFileSize ?? DEFAULT_MAX_FILE_BYTES,
    skipPaths: opts.secretSkipPaths ?? [],
    scanPaths: opts.secretScanPaths ?? [],
  };
}

export const secretsCheck: CheckFactory = {
  name: 'secrets',
  prepare: async (opts) => makeSecretsCheck(settingsFrom(opts)),
};
