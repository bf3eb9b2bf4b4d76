// Public API of the advisory database (see docs/advisory-db.md).
export type { AdvisoryDb, BuildSummary, ImportItem, PackageKey, SourceKind, StoredAdvisory, VendorSeverity } from './types.js';
export { openDb } from './store/reader.js';
export { SCHEMA_VERSION } from './store/schema.js';
export { defaultDbPath, DB_FILE_NAME } from './paths.js';
export { normalisePackageName, packageKey, baseEcosystem } from './normalise.js';
export { buildDb, type BuildOptions } from './build.js';
export { dbGaps, dataTime, judgeSources, describeJudgement, isAdvisorySource, ENRICHMENT_KINDS, type DbGap, type SourceJudgement, type SourceState } from './gaps.js';
export { cvssScore } from './cvss/index.js';
export { detectSource, detectSources, type SourceSpec } from './detect.js';
export { updateDb, DEFAULT_SOURCE, DEFAULT_ECOSYSTEMS, KEV_URL, EPSS_URL, type UpdateOptions, type UpdateResult, type UpdateAction } from './update/update.js';
export { sha256File } from './osv/import.js';
