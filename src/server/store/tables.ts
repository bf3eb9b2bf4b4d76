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

export interface Tables {
  objects: ObjectsTable;
  audit: AuditTable;
  tokens: TokensTable;
  scans: ScansTable;
  schema_version: { version: number };
}
