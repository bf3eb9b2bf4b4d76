// Public surface of the dpkg analyzer.
export { dpkgAnalyzer, DPKG_STATUS, DPKG_STATUS_D, DPKG_INFO, MAX_WARNINGS_PER_FILE } from './analyzer.js';
export { readStatus, parseSourceField, PACKAGE_NAME } from './status.js';
export type { StatusOptions, StatusResult } from './status.js';
export { parseStanzas, decodeControl } from './control.js';
export type { Stanza } from './control.js';
export { parseList, parseMd5sums, ownerFromFileName } from './owned.js';
