// Public surface of the apk analyzer.
export { apkAnalyzer, APK_INSTALLED_PATHS, MAX_WARNINGS_PER_FILE } from './analyzer.js';
export { readInstalled, splitApkLicense } from './installed.js';
export type { InstalledResult } from './installed.js';
