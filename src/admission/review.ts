// admission.k8s.io/v1 AdmissionReview: the request the Kubernetes API server sends a validating webhook,
// and the response it expects. Everything in the request is hostile input: shapes are checked, sizes
// capped, and a body that is not a v1 AdmissionReview is refused with one line.
// https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#request
import { PortcullisError } from '../core/errors.js';

export const REVIEW_API_VERSION = 'admission.k8s.io/v1';
/** The API server caps objects at ~1.5 MiB; a review wraps object and oldObject. */
export const MAX_REVIEW_BYTES = 4 * 1024 * 1024;
const MAX_CONTAINERS = 1000;
const MAX_IMAGE_LENGTH = 1024;

type Json = Record<string, unknown>;

export interface ReviewRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  resource?: { group: string; version: string; resource: string };
  subResource?: string;
  name?: string;
  namespace?: string;
  operation: string;
  user?: string;
  dryRun: boolean;
  object: Json | null;
}

/** One container of the object: where it is (`spec.template.spec.initContainers[0]`) and its image. */
export interface ContainerImage {
  path: string;
  container: string;
  image: string;
}

/** The kinds whose objects carry a pod template, and where it is. */
export const POD_SPEC_PATHS: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** The pod template's metadata (annotations of the pods it makes), per kind. */
const TEMPLATE_META: Record<string, string[]> = Object.fromEntries(
  Object.entries(POD_SPEC_PATHS).map(([k, p]) => [k, p.length > 1 ? [...p.slice(0, -1), 'metadata'] : ['metadata']]),
);

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

function bad(msg: string): PortcullisError {
  return new PortcullisError('BAD_INPUT', `AdmissionReview: ${msg}`);
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Parse and check the body of a POST from the API server. */
export function parseReview(body: Buffer): ReviewRequest {
  if (body.length > MAX_REVIEW_BYTES) throw bad(`body larger than ${MAX_REVIEW_BYTES} bytes`);
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    throw bad('body is not JSON');
  }
  if (!isObj(v)) throw bad('expected a JSON object');
  if (v.apiVersion !== REVIEW_API_VERSION || v.kind !== 'AdmissionReview') {
    throw bad(`expected apiVersion ${REVIEW_API_VERSION}, kind AdmissionReview; got ${JSON.stringify(String(v.apiVersion)).slice(0, 60)}, ${JSON.stringify(String(v.kind)).slice(0, 60)}`);
  }
  const r = v.request;
  if (!isObj(r)) throw bad('no request');
  const uid = str(r.uid);
  if (!uid || uid.length > 128) throw bad('request.uid missing or too long');
  const k = r.kind;
  if (!isObj(k) || typeof k.kind !== 'string' || typeof k.version !== 'string') throw bad('request.kind missing');
  const op = str(r.operation);
  if (!op) throw bad('request.operation missing');
  const user = isObj(r.userInfo) ? str(r.userInfo.username) : undefined;
  const res = isObj(r.resource) ? { group: str(r.resource.group) ?? '', version: str(r.resource.version) ?? '', resource: str(r.resource.resource) ?? '' } : undefined;
  return {
    uid,
    kind: { group: str(k.group) ?? '', version: k.version, kind: k.kind },
    resource: res,
    subResource: str(r.subResource),
    name: str(r.name),
    namespace: str(r.namespace),
    operation: op,
    user,
    dryRun: r.dryRun === true,
    object: isObj(r.object) ? r.object : null,
  };
}

function at(o: unknown, path: string[]): unknown {
  let cur = o;
  for (const p of path) {
    if (!isObj(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

/** true for a kind this webhook judges (a Pod or a workload with a pod template). */
export function judgedKind(kind: string): boolean {
  return Object.hasOwn(POD_SPEC_PATHS, kind);
}

/**
 * Every container image of the object, init and ephemeral containers included, in spec order. A kind
 * without a pod template is refused (the webhook configuration should not send it); a template that is
 * not an object, or a container without a string image, is refused too: never "no images, allowed".
 */
export function containerImages(req: ReviewRequest): ContainerImage[] {
  const kind = req.kind.kind;
  const path = POD_SPEC_PATHS[kind];
  if (!path || !Object.hasOwn(POD_SPEC_PATHS, kind)) throw bad(`kind ${kind} has no pod template: not judged by Portcullis (check the webhook's rules)`);
  if (!req.object) throw bad(`${kind}: request.object missing`);
  const spec = at(req.object, path);
  if (!isObj(spec)) throw bad(`${kind}: ${path.join('.')} missing`);
  const out: ContainerImage[] = [];
  for (const list of CONTAINER_LISTS) {
    const cs = spec[list];
    if (cs === undefined || cs === null) continue;
    if (!Array.isArray(cs)) throw bad(`${kind}: ${path.join('.')}.${list} is not a list`);
    for (const [i, c] of cs.entries()) {
      const where = `${path.join('.')}.${list}[${i}]`;
      if (out.length >= MAX_CONTAINERS) throw bad(`${kind}: more than ${MAX_CONTAINERS} containers`);
      if (!isObj(c) || typeof c.image !== 'string' || c.image.length === 0 || c.image.length > MAX_IMAGE_LENGTH) throw bad(`${kind}: ${where}: no image`);
      out.push({ path: where, container: typeof c.name === 'string' ? c.name.slice(0, 253) : `#${i}`, image: c.image });
    }
  }
  if (out.length === 0) throw bad(`${kind}: ${path.join('.')} has no containers`);
  return out;
}

/** Annotations of the object and of its pod template (the pods it makes carry the template's). */
export function annotationsOf(req: ReviewRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (a: unknown): void => {
    if (!isObj(a)) return;
    for (const [k, v] of Object.entries(a)) if (typeof v === 'string') out[k] = v;
  };
  add(at(req.object, ['metadata', 'annotations']));
  const t = TEMPLATE_META[req.kind.kind];
  if (t && t.length > 1) add(at(req.object, [...t, 'annotations']));
  return out;
}

/** The object's name for messages and the audit log: `namespace/Kind/name` (generateName when unnamed). */
export function objectName(req: ReviewRequest): string {
  const meta = at(req.object, ['metadata']);
  const name = req.name ?? (isObj(meta) ? (str(meta.name) ?? (str(meta.generateName) ? `${str(meta.generateName)}*` : undefined)) : undefined) ?? '(unnamed)';
  return `${req.namespace ?? '(cluster)'}/${req.kind.kind}/${name}`;
}

export interface ReviewResponse {
  allowed: boolean;
  message?: string;
  code?: number;
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

/** Kubernetes shows each warning as one line; it truncates long ones, so we keep them short. */
const MAX_WARNING = 480;
const MAX_WARNINGS = 20;

/** The AdmissionReview the API server expects back (same uid; status only when denied). */
export function reviewResponse(uid: string, r: ReviewResponse): Json {
  const response: Json = { uid, allowed: r.allowed };
  if (!r.allowed) response.status = { code: r.code ?? 403, message: r.message ?? 'denied by Portcullis' };
  if (r.warnings && r.warnings.length > 0) response.warnings = r.warnings.slice(0, MAX_WARNINGS).map((w) => (w.length > MAX_WARNING ? `${w.slice(0, MAX_WARNING - 1)}…` : w));
  if (r.auditAnnotations && Object.keys(r.auditAnnotations).length > 0) response.auditAnnotations = r.auditAnnotations;
  return { apiVersion: REVIEW_API_VERSION, kind: 'AdmissionReview', response };
}
