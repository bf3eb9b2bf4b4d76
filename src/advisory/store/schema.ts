// SQLite schema of the advisory DB. Bump SCHEMA_VERSION on any incompatible change: readers refuse
// other versions with DB_INVALID (run `portcullis db update`).
export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (
  name TEXT PRIMARY KEY, kind TEXT NOT NULL, updated_at TEXT, records INTEGER NOT NULL, checksum TEXT
);
CREATE TABLE advisories (
  id TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  feed TEXT NOT NULL,
  modified TEXT NOT NULL,
  published TEXT,
  withdrawn TEXT,
  malicious INTEGER NOT NULL,
  vendor_severity TEXT,
  record BLOB NOT NULL
);
CREATE TABLE affected (
  ecosystem TEXT NOT NULL, name TEXT NOT NULL, advisory_id TEXT NOT NULL,
  PRIMARY KEY (ecosystem, name, advisory_id)
) WITHOUT ROWID;
CREATE TABLE aliases (
  alias TEXT NOT NULL, advisory_id TEXT NOT NULL, PRIMARY KEY (alias, advisory_id)
) WITHOUT ROWID;
CREATE TABLE cvss (
  advisory_id TEXT NOT NULL, vector TEXT NOT NULL, source TEXT NOT NULL,
  version TEXT NOT NULL, score REAL NOT NULL, severity TEXT NOT NULL, own INTEGER NOT NULL,
  PRIMARY KEY (advisory_id, vector, source)
) WITHOUT ROWID;
CREATE TABLE kev (cve TEXT PRIMARY KEY, date_added TEXT NOT NULL, due_date TEXT, ransomware INTEGER);
CREATE TABLE epss (cve TEXT PRIMARY KEY, score REAL NOT NULL, percentile REAL NOT NULL, date TEXT);
CREATE TABLE ecosystems (ecosystem TEXT PRIMARY KEY, advisories INTEGER NOT NULL, malicious INTEGER NOT NULL);
`;
