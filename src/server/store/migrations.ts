// Versioned schema migrations. Append a new entry for every change; never edit a released one.
// The audit table is append-only: triggers refuse UPDATE and DELETE in both databases.
export type Dialect = 'sqlite' | 'postgres';

export interface Migration {
  version: number;
  up(d: Dialect): string[];
}

const id = (d: Dialect) => (d === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGSERIAL PRIMARY KEY');

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    up: (d) => [
      // every revision of every object; the latest revision per (kind, name) is the current one
      `CREATE TABLE objects (
        kind TEXT NOT NULL, name TEXT NOT NULL, revision INTEGER NOT NULL,
        state TEXT NOT NULL, file TEXT NOT NULL, position INTEGER NOT NULL,
        body TEXT NOT NULL, raw TEXT NOT NULL, digest TEXT NOT NULL,
        author TEXT NOT NULL, created_at TEXT NOT NULL,
        PRIMARY KEY (kind, name, revision))`,
      `CREATE TABLE audit (
        id ${id(d)}, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        kind TEXT NOT NULL, name TEXT NOT NULL, revision INTEGER,
        before TEXT, after TEXT, request_id TEXT)`,
      `CREATE TABLE tokens (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, pipelines TEXT NOT NULL,
        hash TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
        expires_at TEXT NOT NULL, revoked_at TEXT)`,
      `CREATE TABLE scans (
        id ${id(d)}, pipeline TEXT NOT NULL, repository TEXT, tag TEXT, digest TEXT,
        verdict TEXT, uploaded_at TEXT NOT NULL, uploaded_by TEXT NOT NULL,
        report TEXT NOT NULL, decision TEXT)`,
      'CREATE INDEX scans_pipeline ON scans (pipeline, id)',
      'CREATE INDEX scans_digest ON scans (digest, id)',
      ...(d === 'sqlite'
        ? [
            "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
          ]
        : [
            "CREATE FUNCTION audit_append_only() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql",
            'CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only()',
          ]),
    ],
  },
  {
    // continuous assurance (issue 24): stored inventories, the package-key index, the current decision
    // of every (pipeline, image), verdict changes with their cause, and the job queue
    version: 2,
    up: (d) => [
      `CREATE TABLE inventories (
        id ${id(d)}, digest TEXT NOT NULL UNIQUE, body TEXT NOT NULL, created_at TEXT NOT NULL)`,
      `CREATE TABLE inventory_packages (
        ecosystem TEXT NOT NULL, name TEXT NOT NULL, inventory_id BIGINT NOT NULL,
        PRIMARY KEY (ecosystem, name, inventory_id))`,
      'CREATE INDEX inventory_packages_inventory ON inventory_packages (inventory_id)',
      `CREATE TABLE assured_images (
        id ${id(d)}, pipeline TEXT NOT NULL, image_key TEXT NOT NULL, repository TEXT, tag TEXT, digest TEXT,
        inventory_id BIGINT NOT NULL, scan_id BIGINT NOT NULL, verdict TEXT, decision TEXT,
        evaluated_at TEXT NOT NULL, next_expiry TEXT, revision INTEGER NOT NULL,
        UNIQUE (pipeline, image_key))`,
      'CREATE INDEX assured_images_inventory ON assured_images (inventory_id)',
      'CREATE INDEX assured_images_expiry ON assured_images (next_expiry)',
      `CREATE TABLE verdict_changes (
        id ${id(d)}, assured_id BIGINT NOT NULL, pipeline TEXT NOT NULL, repository TEXT, digest TEXT,
        at TEXT NOT NULL, before TEXT, after TEXT NOT NULL, cause_kind TEXT NOT NULL, cause TEXT NOT NULL,
        cause_key TEXT NOT NULL, UNIQUE (cause_key, assured_id))`,
      'CREATE INDEX verdict_changes_assured ON verdict_changes (assured_id, id)',
      `CREATE TABLE jobs (
        id ${id(d)}, queue TEXT NOT NULL, key TEXT NOT NULL UNIQUE, payload TEXT NOT NULL, state TEXT NOT NULL,
        attempts INTEGER NOT NULL, max_attempts INTEGER NOT NULL, run_after TEXT NOT NULL,
        locked_by TEXT, locked_until TEXT, last_error TEXT, result TEXT,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
      'CREATE INDEX jobs_ready ON jobs (queue, state, run_after, id)',
      // registry watch: repositories polled for new tags and moved digests
      `CREATE TABLE watches (
        id ${id(d)}, repository TEXT NOT NULL, pipeline TEXT NOT NULL, interval_seconds INTEGER NOT NULL,
        concurrency INTEGER NOT NULL, next_poll_at TEXT NOT NULL, last_error TEXT, created_at TEXT NOT NULL,
        UNIQUE (repository, pipeline))`,
      // SLA gating: when each vulnerability was first seen in each image repository
      `CREATE TABLE first_seen (
        repository TEXT NOT NULL, vulnerability TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (repository, vulnerability))`,
      `CREATE TABLE watched_tags (
        watch_id BIGINT NOT NULL, tag TEXT NOT NULL, digest TEXT NOT NULL, seen_at TEXT NOT NULL,
        PRIMARY KEY (watch_id, tag))`,
    ],
  },
  {
    // OIDC login for people: one row per login in progress (state, nonce and PKCE verifier, bound to the
    // browser by a cookie), deleted when the identity provider sends the browser back: single use
    version: 3,
    up: () => [
      `CREATE TABLE oidc_logins (
        state_hash TEXT PRIMARY KEY, browser_hash TEXT NOT NULL, nonce TEXT NOT NULL, verifier TEXT NOT NULL,
        created_at TEXT NOT NULL, expires_at TEXT NOT NULL)`,
      'CREATE INDEX oidc_logins_expiry ON oidc_logins (expires_at)',
    ],
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
