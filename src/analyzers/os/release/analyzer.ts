// The os-release analyzer: one `os` fact per release file (os-release or a legacy distro file).
import type { Analyzer, AnalyzerContext, EntryInfo, Fact, FileInput } from '../../../core/types.js';
import { fromLegacy, fromOsRelease, LEGACY_RELEASE_PATHS, OS_RELEASE_PATHS } from './detect.js';
import { MAX_RELEASE_BYTES } from './keyvalue.js';

const OS_RELEASE = new Set(OS_RELEASE_PATHS);
const ALL = new Set([...OS_RELEASE_PATHS, ...LEGACY_RELEASE_PATHS]);

export const osReleaseAnalyzer: Analyzer = {
  name: 'os-release',
  version: 1,
  // the parsers read the first 64 KiB: nothing larger is buffered (a larger release file is a gap)
  maxFileBytes: MAX_RELEASE_BYTES,
  required(path: string, entry: EntryInfo): boolean {
    // links are allowed: the walker resolves them (/etc/os-release -> ../usr/lib/os-release)
    return ALL.has(path) && (entry.type === 'file' || entry.type === 'symlink' || entry.type === 'hardlink');
  },
  async analyze(file: FileInput, ctx: AnalyzerContext): Promise<Fact[]> {
    const d = OS_RELEASE.has(file.path) ? fromOsRelease(file.content, file.path) : fromLegacy(file.content, file.path);
    for (const p of d.problems) ctx.warn(`${file.path}: ${p}`);
    return d.os ? [{ kind: 'os', os: d.os }] : [];
  },
};
