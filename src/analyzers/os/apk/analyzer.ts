// The apk analyzer: installed Alpine / Wolfi / Chainguard packages from apk-tools' database.
import type { Analyzer, AnalyzerContext, EntryInfo, Fact, FileInput } from '../../../core/types.js';
import { cappedWarnings } from '../warn.js';
import { readInstalled } from './installed.js';
import { failed, partial } from '../../status.js';
import { MAX_PACKAGE_DB_BYTES } from '../limits.js';

/** apk-tools 2 keeps the database in /lib/apk/db; apk-tools 3 (and usr-merged systems) in /usr/lib/apk/db. */
export const APK_INSTALLED_PATHS: readonly string[] = ['/lib/apk/db/installed', '/usr/lib/apk/db/installed'];
const PATHS = new Set(APK_INSTALLED_PATHS);

export { MAX_WARNINGS_PER_FILE } from '../warn.js';

export const apkAnalyzer: Analyzer = {
  name: 'apk',
  version: 1,
  maxFileBytes: MAX_PACKAGE_DB_BYTES,
  required(path: string, entry: EntryInfo): boolean {
    return PATHS.has(path) && (entry.type === 'file' || entry.type === 'symlink' || entry.type === 'hardlink');
  },
  async analyze(file: FileInput, ctx: AnalyzerContext): Promise<Fact[]> {
    const { warn, done } = cappedWarnings(file.path, (m) => ctx.warn(m));
    const { packages } = readInstalled(file.content, file.path, file.layer, warn, (m) => partial(ctx, m, warn));
    // a package database that is there but yields nothing is not an empty image: it could not be read
    if (packages.length === 0) failed(ctx, `package database present (${file.content.length} bytes) but no package could be read from it`, warn);
    done();
    return packages.map((pkg) => ({ kind: 'package', pkg }));
  },
};
