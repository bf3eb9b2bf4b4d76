// The console's only way to the server: fetch on /api/v1 with the token from sessionStorage as a
// Bearer header. Types mirror the API's JSON (docs/openapi.json) as far as the pages use it.

const KEY = 'portcullis.token';

export const session = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (t: string) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Called on 401 (the token expired or was revoked): the app goes back to the login form. */
let onUnauthorized: () => void = () => undefined;
export function setUnauthorizedHandler(f: () => void): void {
  onUnauthorized = f;
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, token: string | null = session.get()): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!r.ok) {
    const msg = (json as { error?: string } | undefined)?.error ?? `${r.status} ${r.statusText}`;
    if (r.status === 401 && token === session.get()) onUnauthorized();
    throw new ApiError(r.status, msg);
  }
  return json as T;
}

export const get = <T>(path: string) => api<T>('GET', path);

export function qs(params: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

export type Role = 'admin' | 'security' | 'ci' | 'viewer';
export interface Me {
  id: string;
  name: string;
  role: Role;
  pipelines: string[];
  expiresAt: string;
  /** how the token was obtained: an API token, or an SSO (OIDC) login session */
  login: 'token' | 'oidc';
  now: string;
}
export interface AuthConfig {
  oidc: { enabled: true; loginUrl: string } | { enabled: false };
}
export const canEdit = (me: Me) => me.role === 'admin' || me.role === 'security';
export const canAudit = canEdit;

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'negligible' | 'unknown';

export interface PackageRef {
  name: string;
  version: string;
  type: string;
  purl: string;
}

export interface Finding {
  id: string;
  kind: string;
  title: string;
  severity: Severity;
  remediation?: string;
  advisoryId?: string;
  aliases?: string[];
  package?: PackageRef;
  fixedVersion?: string;
  kev?: { dateAdded: string };
  epss?: { score: number; percentile: number };
  rule?: string;
  check?: string;
  signature?: string;
  license?: string;
  path?: string;
  layer?: { index: number };
  origin?: 'base' | 'app';
}

export interface Violation {
  policy: string;
  control: string;
  findingId?: string;
  message: string;
  remediation?: string;
  enforcement: 'block' | 'audit';
  subject?: string;
}

export interface Suppression {
  findingId: string;
  by: string;
  ruleId: string;
  policy?: string;
  reason?: string;
  expires?: string;
  subject?: string;
}

export interface Action {
  kind: string;
  text: string;
  decides: boolean;
  kev: boolean;
  severity: Severity;
  fixes: { ids: string[] };
  remaining: string[];
  origin?: 'base' | 'app';
}

export interface Decision {
  verdict: 'pass' | 'fail' | 'error';
  pipeline: string;
  image: { name?: string; tag?: string; digest?: string; configDigest?: string; input: string };
  evaluatedAt: string;
  policies: { names: string[] };
  exceptions: { applied: string[] };
  violations: Violation[];
  warnings: Violation[];
  suppressed: Suppression[];
  notices: string[];
  allowlisted?: { image: string; reason: string; owner: string; expires: string };
  summary: { findings: number; bySeverity: Record<string, number> };
}

export interface Package {
  name: string;
  version: string;
  type: string;
  purl: string;
  licenses: string[];
  layer?: { index: number };
}

export interface Report {
  createdAt: string;
  inventory: { image: { name: string; manifestDigest?: string; configDigest?: string }; os?: { prettyName?: string; id?: string; versionId?: string }; packages: Package[] };
  findings: Finding[];
  db?: { builtAt: string };
  lineage?: {
    method: string;
    confidence: string;
    chain: { name: string; digest?: string; layers: number; approved?: boolean }[];
    baseLayers: number;
    detail?: string;
    advice?: { name: string; kind: string; fixes: number; remaining: number }[];
  };
  actions?: Action[];
}

export interface ScanRow {
  id: number;
  pipeline: string;
  repository: string | null;
  tag: string | null;
  digest: string | null;
  verdict: string | null;
  uploadedAt: string;
  uploadedBy: string;
}

export interface Scan extends ScanRow {
  report: Report;
  decision: Decision | null;
}

export interface Exception {
  id: string;
  finding: string;
  scope: { image?: string; repository?: string; all?: true };
  pipelines?: string[];
  package?: string;
  expires?: string;
  ttl?: string;
  created?: string;
  reason: string;
  owner: string;
  document: string;
  revision: number;
  active: boolean;
  expiresAt: string | null;
}

export interface AllowEntry {
  id: string;
  image: string;
  pipelines?: string[];
  reason: string;
  owner: string;
  active: boolean;
  expiresAt: string | null;
}

export interface StoredObject<B = Record<string, unknown>> {
  kind: string;
  name: string;
  revision: number;
  state: string;
  digest: string;
  file: string;
  author: string;
  createdAt: string;
  document: B;
}

export interface RawDocument {
  kind: string;
  name: string;
  revision: number;
  file: string;
  position: number;
  raw: string;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  kind: string;
  name: string;
  revision: number | null;
  before: unknown;
  after: unknown;
}
