// Maps an image config blob (OCI image config / Docker image JSON) into ImageConfig, and pairs the
// layers with their history entries. https://github.com/opencontainers/image-spec/blob/main/config.md
import type { HistoryEntry, ImageConfig, LayerInfo, Platform } from '../core/types.js';
import { PortcullisError } from '../core/errors.js';
import { DIGEST_RE } from './streams.js';

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function strList(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return typeof v === 'string' ? [v] : undefined;
  return v.filter((x): x is string => typeof x === 'string');
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function parseJson(buf: Buffer, what: string): unknown {
  try {
    return JSON.parse(buf.toString('utf8')) as unknown;
  } catch (e) {
    throw new PortcullisError('IMAGE_UNREADABLE', `${what}: not valid JSON (${(e as Error).message})`, { cause: e, subject: what });
  }
}

/** Map the config JSON. Throws IMAGE_UNREADABLE when rootfs.diff_ids is missing or malformed. */
export function mapConfig(raw: unknown, what: string): ImageConfig {
  const root = obj(raw);
  if (!root) throw new PortcullisError('IMAGE_UNREADABLE', `${what}: image config is not a JSON object`, { subject: what });
  const c = obj(root.config) ?? obj(root.container_config) ?? {};
  const rootfs = obj(root.rootfs);
  const diffIds = rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || !diffIds.every((d) => typeof d === 'string' && DIGEST_RE.test(d))) {
    throw new PortcullisError('IMAGE_UNREADABLE', `${what}: image config has no valid rootfs.diff_ids (sha256 digests)`, { subject: what });
  }
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(c.Labels) ?? {})) if (typeof v === 'string') labels[k] = v;
  const history: HistoryEntry[] = [];
  for (const h of Array.isArray(root.history) ? root.history : []) {
    const o = obj(h);
    if (!o) continue;
    const e: HistoryEntry = { emptyLayer: o.empty_layer === true };
    if (str(o.created)) e.created = str(o.created);
    if (str(o.created_by)) e.createdBy = str(o.created_by);
    if (str(o.comment)) e.comment = str(o.comment);
    history.push(e);
  }
  const cfg: ImageConfig = {
    env: strList(c.Env) ?? [],
    labels,
    exposedPorts: Object.keys(obj(c.ExposedPorts) ?? {}).sort(),
    history,
    diffIds: diffIds as string[],
  };
  if (str(c.User)) cfg.user = str(c.User);
  const ep = strList(c.Entrypoint);
  if (ep) cfg.entrypoint = ep;
  const cmd = strList(c.Cmd);
  if (cmd) cfg.cmd = cmd;
  if (str(c.WorkingDir)) cfg.workingDir = str(c.WorkingDir);
  const vols = Object.keys(obj(c.Volumes) ?? {}).sort();
  if (vols.length > 0) cfg.volumes = vols;
  const hc = obj(c.Healthcheck);
  if (hc) {
    // Interval/Timeout are nanoseconds, as in the Docker config
    const h: NonNullable<ImageConfig['healthcheck']> = {};
    const test = strList(hc.Test);
    if (test) h.test = test;
    if (num(hc.Interval) !== undefined) h.interval = num(hc.Interval);
    if (num(hc.Timeout) !== undefined) h.timeout = num(hc.Timeout);
    if (num(hc.Retries) !== undefined) h.retries = num(hc.Retries);
    cfg.healthcheck = h;
  }
  if (str(c.StopSignal)) cfg.stopSignal = str(c.StopSignal);
  if (str(root.created)) cfg.created = str(root.created);
  if (str(root.author)) cfg.author = str(root.author);
  if (str(root.os)) cfg.os = str(root.os);
  if (str(root.architecture)) cfg.architecture = str(root.architecture);
  if (str(root.variant)) cfg.variant = str(root.variant);
  return cfg;
}

export interface BlobRef {
  digest?: string;
  size?: number;
  mediaType?: string;
}

/**
 * LayerInfo for each diff_id, in order; `createdBy`/`created` come from the non-empty history entries
 * in order (when the history has fewer non-empty entries than layers, the rest have none).
 */
export function layerInfos(cfg: ImageConfig, blobs: BlobRef[], what: string): LayerInfo[] {
  if (blobs.length !== cfg.diffIds.length) {
    throw new PortcullisError(
      'IMAGE_UNREADABLE',
      `${what}: the manifest lists ${blobs.length} layers but the config has ${cfg.diffIds.length} diff_ids`,
      { subject: what },
    );
  }
  const producing = cfg.history.filter((h) => !h.emptyLayer);
  return cfg.diffIds.map((diffId, index) => {
    const l: LayerInfo = { index, diffId };
    const b = blobs[index]!;
    if (b.digest) l.digest = b.digest;
    if (b.size !== undefined) l.size = b.size;
    if (b.mediaType) l.mediaType = b.mediaType;
    const h = producing[index];
    if (h?.createdBy) l.createdBy = h.createdBy;
    if (h?.created) l.created = h.created;
    return l;
  });
}

export function platformOf(cfg: ImageConfig, fallback?: Platform): Platform {
  if (cfg.os && cfg.architecture) {
    const p: Platform = { os: cfg.os, architecture: cfg.architecture };
    if (cfg.variant) p.variant = cfg.variant;
    return p;
  }
  return fallback ?? { os: 'unknown', architecture: 'unknown' };
}
