// Public surface of the rpm analyzer.
export { rpmAnalyzer, readRpmDb, detectRpmDbFormat, RPMDB_PATHS, MAX_WARNINGS_PER_FILE } from './analyzer.js';
export type { RpmDbFormat, RpmDbResult } from './analyzer.js';
export { rpmVendorNamespace, parseSourceRpm, headerToPackage, headerFiles } from './package.js';
export { RpmHeader, HeaderError, RPM_TAG, RPM_TYPE } from './header.js';
export { readBdbHash } from './bdb.js';
export type { DbRecord } from './bdb.js';
export { readNdb } from './ndb.js';
export { readSqlite } from './sqlite.js';
