// Kysely table types. Times are ISO 8601 strings (UTC); JSON documents are text.
import type { Generated } from 'kysely';

export interface ObjectsTable {
  kind: string;
  name: string;
  revision: number;
  /** active | revoked */
  state: string;
  /** the policy-as-code file the document belongs to (relative path), and its place in that file */
  file: string;
  position: number;
  /** canonical JSON of the validated document */
  body: string;
  /** the YAML text of the document as pushed (comments kept), or rendered from body */
  raw: string;
  digest: string;
  author: string;
  created_at: string;
}

export interface AuditTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  kind: string;
  name: string;
  revision: number | null;
  before: string | null;
  after: string | null;
  request_id: string | null;
}

export interface TokensTable {
  id: string;
  name: string;
  role: string;
  pipelines: string;
  hash: string;
  created_at: string;
  created_by: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface ScansTable {
  id: Generated<number>;
  pipeline: string;
  repository: string | null;
  tag: string | null;
  digest: string | null;
  verdict: string | null;
  uploaded_at: string;
  uploaded_by: string;
  report: string;
  decision: string | null;
}

export interface InventoriesTable {
  id: Generated<number>;
  /** sha256 of body: one row per distinct inventory, shared by every pipeline that scanned it */
  digest: string;
  /** JSON: the inventory plus what re-matching keeps from the report (content findings, checks, lineage) */
  body: string;
  created_at: string;
}

export interface InventoryPackagesTable {
  ecosystem: string;
  /** normalised package name as the advisory DB's `affected` table writes it */
  name: string;
  inventory_id: number;
}

export interface AssuredImagesTable {
  id: Generated<number>;
  pipeline: string;
  /** the manifest digest, or `scan:<id>` for an SBOM without one */
  image_key: string;
  repository: string | null;
  tag: string | null;
  digest: string | null;
  inventory_id: number;
  /** the latest uploaded scan of the image in this pipeline */
  scan_id: number;
  verdict: string | null;
  /** JSON: the current Decision */
  decision: string | null;
  evaluated_at: string;
  /** the earliest time the decision can change by the clock alone (an exception or grace period ending) */
  next_expiry: string | null;
  /** bumped by every write (optimistic concurrency between workers) */
  revision: number;
}

export interface VerdictChangesTable {
  id: Generated<number>;
  assured_id: number;
  pipeline: string;
  repository: string | null;
  digest: string | null;
  at: string;
  before: string | null;
  after: string;
  /** advisory | exception | policy | ingest | db */
  cause_kind: string;
  /** what changed: advisory ids, exception ids, `AssurancePolicy/name@revision` */
  cause: string;
  /** the event (DB fingerprint, clock tick, policy revision): one change per image per event */
  cause_key: string;
}

export interface JobsTable {
  id: Generated<number>;
  queue: string;
  /** idempotency key: enqueueing the same key twice is one job */
  key: string;
  payload: string;
  /** queued | running | done | dead */
  state: string;
  attempts: number;
  max_attempts: number;
  run_after: string;
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  result: string | null;
  created_at: string;
  updated_at: string;
}

export interface WatchesTable {
  id: Generated<number>;
  /** host[:port]/name */
  repository: string;
  pipeline: string;
  interval_seconds: number;
  /** manifest requests in flight at once for this repository */
  concurrency: number;
  next_poll_at: string;
  last_error: string | null;
  created_at: string;
}

export interface WatchedTagsTable {
  watch_id: number;
  tag: string;
  digest: string;
  seen_at: string;
}

export interface FirstSeenTable {
  /** normalised repository, or `image:<digest>` when the image has no name */
  repository: string;
  /** advisory id */
  vulnerability: string;
  at: string;
}

export interface OidcLoginsTable {
  /** SHA-256 of the `state` sent to the identity provider */
  state_hash: string;
  /** SHA-256 of the cookie that binds the login to the browser that started it */
  browser_hash: string;
  nonce: string;
  /** the PKCE code_verifier */
  verifier: string;
  created_at: string;
  expires_at: string;
}

export interface Tables {
  objects: ObjectsTable;
  audit: AuditTable;
  tokens: TokensTable;
  scans: ScansTable;
  inventories: InventoriesTable;
  inventory_packages: InventoryPackagesTable;
  assured_images: AssuredImagesTable;
  verdict_changes: VerdictChangesTable;
  jobs: JobsTable;
  watches: WatchesTable;
  watched_tags: WatchedTagsTable;
  first_seen: FirstSeenTable;
  oidc_logins: OidcLoginsTable;
  schema_version: { version: number };
}
