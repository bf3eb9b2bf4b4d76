// Per-analyzer status, as osv-scalibr reports per plugin: every analyzer ends `complete`, `partial` or
// `failed`, with file-level reasons (`path: what happened`, capped). What an analyzer reports through
// its context (`partial()`, `fail()`), what it throws and what the walker could not give it (a file over
// its cap, a required link that leads nowhere) all land here. Each analyzer+file that was not read
// completely also becomes one `analyzer-error` problem (deduplicated), so the gap reaches the policy.
import type { Analyzer, AnalyzerContext, AnalyzerStatus, LayerRef, RunState, WalkLimits } from '../core/types.js';
import type { WalkProblem } from './types.js';

/** Reasons kept per analyzer in its status; the rest are counted in one closing line. */
export const MAX_STATUS_REASONS = 50;
/** Characters kept of one reason. */
const MAX_REASON_CHARS = 300;

const RANK: Record<RunState, number> = { complete: 0, partial: 1, failed: 2 };

function worse(a: RunState, b: RunState): RunState {
  return RANK[b] > RANK[a] ? b : a;
}

/** `path: message`, without doubling a path the analyzer already put in front. */
export function withPath(path: string, message: string): string {
  const m = message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
  const line = m.replace(/[\r\n]+/g, ' ');
  return `${path}: ${line.length > MAX_REASON_CHARS ? `${line.slice(0, MAX_REASON_CHARS)}…` : line}`;
}

interface FileIssue {
  analyzer: string;
  path: string;
  layer?: LayerRef;
  state: RunState;
  first: string;
  count: number;
}

export class StatusBook {
  private readonly status = new Map<string, AnalyzerStatus>();
  private readonly dropped = new Map<string, number>();
  private readonly issues = new Map<string, FileIssue>();

  constructor(analyzers: Analyzer[]) {
    for (const a of analyzers) this.status.set(a.name, { analyzer: a.name, files: 0, warnings: [], state: 'complete', reasons: [] });
  }

  get(name: string): AnalyzerStatus {
    let st = this.status.get(name);
    if (!st) {
      st = { analyzer: name, files: 0, warnings: [], state: 'complete', reasons: [] };
      this.status.set(name, st);
    }
    return st;
  }

  warn(name: string, path: string, message: string): void {
    this.get(name).warnings.push(withPath(path, message));
  }

  /** The analyzer `name` did not read `path` completely (`partial`) or at all (`failed`). */
  mark(name: string, path: string, layer: LayerRef | undefined, state: 'partial' | 'failed', message: string, opts: { gap?: boolean } = {}): void {
    const st = this.get(name);
    st.state = worse(st.state ?? 'complete', state);
    const reasons = (st.reasons ??= []);
    if (reasons.length < MAX_STATUS_REASONS) reasons.push(withPath(path, message));
    else this.dropped.set(name, (this.dropped.get(name) ?? 0) + 1);
    if (opts.gap === false) return; // the walker already recorded a more precise problem (file-too-large)
    const key = `${name}\u0000${path}`;
    const seen = this.issues.get(key);
    if (!seen) this.issues.set(key, { analyzer: name, path, layer, state, first: withPath(path, message).slice(path.length + 2), count: 1 });
    else {
      seen.state = worse(seen.state, state);
      seen.count++;
    }
  }

  /** The context given to `a` for one file. */
  context(a: Analyzer, path: string, layer: LayerRef, limits: WalkLimits): AnalyzerContext {
    return {
      layer,
      limits,
      warn: (m) => this.warn(a.name, path, m),
      partial: (m) => this.mark(a.name, path, layer, 'partial', m),
      fail: (m) => this.mark(a.name, path, layer, 'failed', m),
    };
  }

  /** One `analyzer-error` problem per analyzer+file that was not read completely. */
  problems(): WalkProblem[] {
    const out: WalkProblem[] = [];
    for (const i of [...this.issues.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.analyzer < b.analyzer ? -1 : 1))) {
      const more = i.count > 1 ? ` (and ${i.count - 1} more problem${i.count === 2 ? '' : 's'} in this file)` : '';
      const p: WalkProblem = { reason: 'analyzer-error', subject: i.path, detail: `analyzer ${i.analyzer} ${i.state}: ${i.first}${more}`, analyzer: i.analyzer };
      if (i.layer) p.layer = i.layer;
      out.push(p);
    }
    return out;
  }

  statuses(): AnalyzerStatus[] {
    const out: AnalyzerStatus[] = [];
    for (const st of this.status.values()) {
      const n = this.dropped.get(st.analyzer) ?? 0;
      const reasons = n > 0 ? [...(st.reasons ?? []), `${n} more not shown`] : [...(st.reasons ?? [])];
      out.push({ ...st, reasons });
    }
    return out.sort((a, b) => (a.analyzer < b.analyzer ? -1 : a.analyzer > b.analyzer ? 1 : 0));
  }
}
