// Python ecosystem: installed distributions (`python-installed`) and lockfiles (`python-lockfile`).
export { pythonInstalledAnalyzer, isInstalledMetadata, parseHeaders, pyLicenses, MAX_METADATA_BYTES } from './metadata.js';
export {
  pythonLockfileAnalyzer,
  isPythonLockfile,
  parsePoetryLock,
  parseUvLock,
  parsePipfileLock,
  parseRequirements,
  MAX_LOCKFILE_BYTES,
} from './lockfiles.js';
export { PYTHON_INSTALLED, PYTHON_LOCKFILE } from './common.js';
export { pythonInstalledGraphs, requiresDistNames } from './graph.js';
