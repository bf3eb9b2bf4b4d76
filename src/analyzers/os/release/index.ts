// Public surface of the OS detection analyzer.
export { osReleaseAnalyzer } from './analyzer.js';
export { pickOs } from './pick.js';
export { osvEcosystemFor } from '../../../core/distro.js';
export { fromOsRelease, fromLegacy, OS_RELEASE_PATHS, LEGACY_RELEASE_PATHS, DEBIAN_CODENAMES, debianMajorForCodename } from './detect.js';
export { parseKeyValue, unquote, MAX_RELEASE_BYTES } from './keyvalue.js';
