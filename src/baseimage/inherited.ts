// How many layers of an image look inherited from a base nobody named (the `unknown` lineage).
// The image history is the only evidence; the heuristic, in order:
//   1. a history entry whose comment is `FROM <something>` (buildah/podman write it on the first
//      step of a build): the layers before that entry are inherited;
//   2. otherwise the earliest of
//      a. the first layer whose created_by looks like an application step (COPY, ADD of anything but a
//         root filesystem tarball `ADD file:… in /`, a language package manager or build tool, WORKDIR
//         before it), and
//      b. the first layer created an hour or more after the previous history entry (a base is built
//         at one time, the application on top of it later);
//   3. nothing found: 0 (the whole image may be one build; we do not guess).
// It never claims every layer of a multi-layer image when only signal 2a/2b is present and the first
// layer itself looks like an app step (0 then).
import type { HistoryEntry, LayerInfo } from '../core/types.js';
import type { ImageSummary } from '../core/report.js';

const GAP_MS = 3600_000;

/** History text is written by the image author: control characters are escaped so it cannot forge lines. */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const APP_STEP: RegExp[] = [
  /(^|\s|\(nop\)\s*)COPY\s/i,
  /(^|\s)(npm|yarn|pnpm)\s+(ci|install|add)\b/i,
  /(^|\s)pip3?\s+install\b/i,
  /(^|\s)(poetry|pipenv)\s+install\b/i,
  /(^|\s)go\s+(build|install|mod\s+download)\b/i,
  /(^|\s)(mvn|gradle|\.\/gradlew|\.\/mvnw)\b/i,
  /(^|\s)(bundle|gem)\s+install\b/i,
  /(^|\s)composer\s+install\b/i,
  /(^|\s)dotnet\s+(publish|restore|build)\b/i,
  /(^|\s)cargo\s+(build|install)\b/i,
];

/** `ADD file:<hash> in /` is how docker writes the root filesystem tarball of an OS base image. */
const ROOTFS_ADD = /(^|\(nop\)\s*)ADD\s+(file|multi):[0-9a-f]+\s+in\s+\/\s*$/i;

export function looksLikeAppStep(createdBy: string | undefined): boolean {
  if (!createdBy) return false;
  const s = createdBy.trim();
  if (ROOTFS_ADD.test(s)) return false;
  if (/(^|\s|\(nop\)\s*)ADD\s/i.test(s)) return true;
  return APP_STEP.some((r) => r.test(s));
}

export interface InheritedGuess {
  layers: number;
  /** what the guess rests on, for the report */
  reason: string;
}

interface Step {
  entry: HistoryEntry;
  /** index of the layer this entry produced, or undefined for an empty layer */
  layer?: number;
}

function steps(history: HistoryEntry[], layerCount: number): Step[] | undefined {
  const nonEmpty = history.filter((h) => !h.emptyLayer).length;
  if (nonEmpty !== layerCount) return undefined; // history does not line up with the layers
  let n = 0;
  return history.map((entry) => (entry.emptyLayer ? { entry } : { entry, layer: n++ }));
}

/** The first layer at or after history position `pos` (the number of layers before it). */
function layersBefore(st: Step[], pos: number): number {
  let n = 0;
  for (let i = 0; i < pos; i++) if (st[i]!.layer !== undefined) n++;
  return n;
}

export function guessInheritedLayers(image: Pick<ImageSummary, 'config' | 'layers'>): InheritedGuess {
  const layers: LayerInfo[] = image.layers;
  const history = image.config.history ?? [];
  if (layers.length === 0) return { layers: 0, reason: 'the image has no layers' };
  const st = steps(history, layers.length);
  if (!st) return { layers: 0, reason: `the history (${history.filter((h) => !h.emptyLayer).length} layer entries) does not line up with the ${layers.length} layers; no layer is taken as inherited` };

  const fromIdx = st.findIndex((s) => /^FROM\s+\S/.test(s.entry.comment?.trim() ?? ''));
  if (fromIdx >= 0) {
    const n = layersBefore(st, fromIdx);
    const what = printable(st[fromIdx]!.entry.comment!.trim().slice(0, 200));
    return { layers: n, reason: `history entry ${fromIdx + 1} is marked "${what}": ${n} layer(s) before it look inherited` };
  }

  let app: number | undefined;
  let appWhy = '';
  for (let i = 0; i < st.length; i++) {
    const s = st[i]!;
    if (s.layer !== undefined && looksLikeAppStep(s.entry.createdBy)) {
      app = s.layer;
      appWhy = `layer ${s.layer + 1} looks like an application step (${printable((s.entry.createdBy ?? '').trim().slice(0, 80))})`;
      break;
    }
  }
  let gap: number | undefined;
  let gapWhy = '';
  for (let i = 1; i < st.length; i++) {
    const s = st[i]!;
    if (s.layer === undefined) continue;
    const prev = Date.parse(st[i - 1]!.entry.created ?? '');
    const cur = Date.parse(s.entry.created ?? '');
    if (Number.isFinite(prev) && Number.isFinite(cur) && cur - prev >= GAP_MS) {
      gap = s.layer;
      gapWhy = `layer ${s.layer + 1} was created ${Math.round((cur - prev) / GAP_MS)} hour(s) after the previous history entry`;
      break;
    }
  }
  const cands = [app !== undefined ? { n: app, why: appWhy } : undefined, gap !== undefined ? { n: gap, why: gapWhy } : undefined].filter(
    (c): c is { n: number; why: string } => c !== undefined,
  );
  if (cands.length === 0) return { layers: 0, reason: 'the history shows no boundary between a base and the application; no layer is taken as inherited' };
  cands.sort((a, b) => a.n - b.n);
  const best = cands[0]!;
  return { layers: best.n, reason: `${best.why}: ${best.n} layer(s) before it look inherited` };
}
