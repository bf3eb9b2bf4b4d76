// What one walk over an image produces: the facts of every analyzed file, per layer, and whether that
// file is still present in the final filesystem (not overwritten, deleted by a whiteout or hidden by an
// opaque directory in a later layer). Inventory building (scan/inventory.ts) merges these.
import type { Fact, LayerRef, WalkLimits, AnalyzerStatus, GapReason } from '../core/types.js';

export interface AnalyzedFile {
  path: string;
  layer: LayerRef;
  analyzer: string;
  facts: Fact[];
  /** true when this version of the file is the one visible in the final image */
  effective: boolean;
}

export interface WalkProblem {
  reason: GapReason;
  /** the path or layer the problem is about */
  subject: string;
  detail: string;
  layer?: LayerRef;
  /** the analyzer the problem is about (analyzer-error), so two analyzers failing on one file are two gaps */
  analyzer?: string;
}

export interface WalkResult {
  files: AnalyzedFile[];
  analyzers: AnalyzerStatus[];
  problems: WalkProblem[];
  stats: { layers: number; entries: number; bytes: number; analyzedFiles: number };
}

export interface WalkOptions {
  limits?: Partial<WalkLimits>;
  signal?: AbortSignal;
  /** called after each layer, for progress display */
  onLayer?: (done: number, total: number) => void;
}

export const DEFAULT_LIMITS: WalkLimits = {
  maxFileBytes: 256 * 1024 * 1024,
  maxTotalBytes: 64 * 1024 * 1024 * 1024,
  maxEntries: 5_000_000,
  maxPathLength: 4096,
  maxLinkDepth: 40,
};
