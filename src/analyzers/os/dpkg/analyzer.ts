// The dpkg analyzer: installed packages from /var/lib/dpkg/status and distroless status.d/<pkg> files;
// owned files from info/*.list and status.d/*.md5sums.
import type { Analyzer, AnalyzerContext, EntryInfo, Fact, FileInput } from '../../../core/types.js';
import { cappedWarnings } from '../warn.js';
import { failed, partial } from '../../status.js';
import { ownerFromFileName, parseList, parseMd5sums } from './owned.js';
import { readStatus } from './status.js';
import { MAX_PACKAGE_DB_BYTES } from '../limits.js';

export const DPKG_STATUS = '/var/lib/dpkg/status';
export const DPKG_STATUS_D = '/var/lib/dpkg/status.d/';
export const DPKG_INFO = '/var/lib/dpkg/info/';

export { MAX_WARNINGS_PER_FILE } from '../warn.js';

function directChild(path: string, dir: string): string | undefined {
  if (!path.startsWith(dir)) return undefined;
  const rest = path.slice(dir.length);
  return rest.length > 0 && !rest.includes('/') ? rest : undefined;
}

export const dpkgAnalyzer: Analyzer = {
  name: 'dpkg',
  version: 1,
  maxFileBytes: MAX_PACKAGE_DB_BYTES,
  required(path: string, entry: EntryInfo): boolean {
    if (entry.type !== 'file' && entry.type !== 'symlink' && entry.type !== 'hardlink') return false;
    if (path === DPKG_STATUS) return true;
    if (path.startsWith(DPKG_STATUS_D)) return directChild(path, DPKG_STATUS_D) !== undefined;
    return path.endsWith('.list') && directChild(path, DPKG_INFO) !== undefined;
  },
  async analyze(file: FileInput, ctx: AnalyzerContext): Promise<Fact[]> {
    const { warn, done } = cappedWarnings(file.path, (m) => ctx.warn(m));
    try {
      const infoList = directChild(file.path, DPKG_INFO);
      if (infoList !== undefined) {
        const owner = ownerFromFileName(infoList, '.list');
        if (!owner) {
          warn('file name is not <package>[:<arch>].list; ignored');
          return [];
        }
        const files = parseList(file.content, warn);
        return files.length ? [{ kind: 'owned-files', owner: { name: owner, type: 'deb' }, files }] : [];
      }
      const inStatusD = directChild(file.path, DPKG_STATUS_D);
      if (inStatusD !== undefined && inStatusD.endsWith('.md5sums')) {
        const owner = ownerFromFileName(inStatusD, '.md5sums');
        if (!owner) {
          warn('file name is not <package>.md5sums; ignored');
          return [];
        }
        const files = parseMd5sums(file.content, warn);
        return files.length ? [{ kind: 'owned-files', owner: { name: owner, type: 'deb' }, files }] : [];
      }
      const { packages, notInstalled } = readStatus(file.content, file.path, file.layer, warn, { statusRequired: inStatusD === undefined, skip: (m) => partial(ctx, m, warn) });
      // a package database that is there but yields nothing is not an empty image: it could not be read
      if (packages.length === 0 && notInstalled === 0) failed(ctx, `package database present (${file.content.length} bytes) but no package could be read from it`, warn);
      return packages.map((pkg) => ({ kind: 'package', pkg }));
    } finally {
      done();
    }
  },
};
