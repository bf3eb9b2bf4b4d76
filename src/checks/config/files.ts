// What the config checks need from the filesystem, gathered as entries stream by (one pass, every layer):
// setuid/setgid, world-writable, file capabilities, owners without a user, .git directories, credential
// files, package caches, SSH servers, and the account files' contents. Paths are tracked through later
// layers, so only what the final image still holds is reported (a secret file "deleted" later is the
// secrets check's business: its bytes stay in the layer).
import type { EntryInfo, LayerRef } from '../../core/types.js';
import type { ContentSink, EntryExtra, TrackedFile } from '../types.js';
import { scrubPasswords } from './accounts.js';

export const MAX_TRACKED = 200_000;
const MAX_ACCOUNT_FILE = 4 * 1024 * 1024;
const ACCOUNT_FILES = new Set(['/etc/passwd', '/etc/shadow', '/etc/group']);

export interface FileRec {
  file: TrackedFile;
  mode: number;
  size: number;
  uid?: number;
  /** what kind of thing it is, for credential files and caches */
  what?: string;
}

export interface AccountText {
  file: TrackedFile;
  text?: string;
  problem?: string;
}

const CACHES: [RegExp, string][] = [
  [/^\/var\/lib\/apt\/lists\/(?!lock$|partial\/|auxfiles\/)[^/]+$/, 'apt package lists (/var/lib/apt/lists)'],
  [/^\/var\/cache\/apt\/(?:archives\/[^/]+\.deb|[^/]+\.bin)$/, 'apt package cache (/var/cache/apt)'],
  [/^\/var\/cache\/apk\/[^/]+$/, 'apk cache (/var/cache/apk)'],
  [/^\/(?:root|home\/[^/]+)\/\.cache\/pip\//, 'pip cache (~/.cache/pip)'],
  [/^\/(?:root|home\/[^/]+)\/\.npm\/_cacache\//, 'npm cache (~/.npm/_cacache)'],
  [/^\/var\/cache\/(?:yum|dnf)\//, 'yum/dnf cache (/var/cache/yum, /var/cache/dnf)'],
];

const SSH_KEY_NAMES = new Set(['id_rsa', 'id_dsa', 'id_ecdsa', 'id_ed25519', 'id_ecdsa_sk', 'id_ed25519_sk']);

/** Files that hold credentials by what they are (their content is the secrets check's business). */
export function credentialKind(path: string): string | undefined {
  if (path.startsWith('/usr/') || path.startsWith('/proc/') || path.startsWith('/sys/')) return undefined;
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (SSH_KEY_NAMES.has(base)) return 'SSH private key';
  if (/^\.env(?:\.(?!example$|sample$|template$|dist$|defaults?$)[\w-]+)?$/.test(base)) return 'dotenv file';
  if (base === '.git-credentials') return 'git credentials';
  if (base === '.netrc' || base === '_netrc') return 'netrc credentials';
  if (base === '.pgpass') return 'PostgreSQL password file';
  if (base === '.npmrc') return 'npm config (may hold registry tokens)';
  if (base === '.pypirc') return 'PyPI config (may hold upload credentials)';
  if (path.endsWith('/.docker/config.json')) return 'Docker client config (registry credentials)';
  if (path.endsWith('/.kube/config')) return 'Kubernetes client config';
  if (path.endsWith('/.aws/credentials')) return 'AWS credentials';
  return undefined;
}

export class FileFacts {
  readonly setuid: FileRec[] = [];
  readonly worldWritable: FileRec[] = [];
  readonly capabilities: FileRec[] = [];
  readonly gitDirs: FileRec[] = [];
  readonly credentials: FileRec[] = [];
  readonly caches: FileRec[] = [];
  readonly sshd: FileRec[] = [];
  readonly owned: FileRec[] = [];
  readonly accounts = new Map<string, AccountText[]>();
  /** false when an entry's extended attributes could not be known (dir: sources) */
  xattrsKnown = true;
  tracked = 0;
  overflow = 0;

  constructor(private readonly track: (path: string, layer: LayerRef) => TrackedFile) {}

  private keep(list: FileRec[], entry: EntryInfo, layer: LayerRef, what?: string): void {
    if (this.tracked >= MAX_TRACKED) {
      this.overflow++;
      return;
    }
    this.tracked++;
    const rec: FileRec = { file: this.track(entry.path, layer), mode: entry.mode, size: entry.size };
    if (entry.uid !== undefined) rec.uid = entry.uid;
    if (what !== undefined) rec.what = what;
    list.push(rec);
  }

  onEntry(entry: EntryInfo, layer: LayerRef, extra: EntryExtra): ContentSink | undefined {
    const { path, type, mode } = entry;
    if (extra.xattrsKnown === false) this.xattrsKnown = false;
    if (type === 'symlink' || type === 'hardlink') return undefined;
    if (type === 'file' && (mode & 0o6000) !== 0) this.keep(this.setuid, entry, layer);
    if ((type === 'file' || type === 'dir') && (mode & 0o002) !== 0 && !(type === 'dir' && (mode & 0o1000) !== 0)) this.keep(this.worldWritable, entry, layer);
    if (type === 'file' && extra.pax?.['SCHILY.xattr.security.capability'] !== undefined) this.keep(this.capabilities, entry, layer);
    if (entry.uid !== undefined && entry.uid !== 0) this.keep(this.owned, entry, layer);
    if (type === 'dir') {
      if (path.endsWith('/.git') && !path.startsWith('/usr/')) this.keep(this.gitDirs, entry, layer);
      return undefined;
    }
    if (type !== 'file') return undefined;
    const cred = credentialKind(path);
    if (cred) this.keep(this.credentials, entry, layer, cred);
    const cache = CACHES.find(([re]) => re.test(path));
    if (cache) this.keep(this.caches, entry, layer, cache[1]);
    if (path === '/usr/sbin/sshd' || path === '/usr/sbin/dropbear') this.keep(this.sshd, entry, layer);
    if (ACCOUNT_FILES.has(path)) return this.accountSink(entry, layer);
    return undefined;
  }

  private accountSink(entry: EntryInfo, layer: LayerRef): ContentSink {
    const rec: AccountText = { file: this.track(entry.path, layer) };
    this.accounts.set(entry.path, [...(this.accounts.get(entry.path) ?? []), rec]);
    const chunks: Buffer[] = [];
    let n = 0;
    return {
      write(c) {
        n += c.length;
        if (n <= MAX_ACCOUNT_FILE) chunks.push(Buffer.from(c)); // kept past write(): copied (ContentSink.write)
      },
      end() {
        if (n > MAX_ACCOUNT_FILE) rec.problem = `${entry.path}: ${n} bytes, more than the ${MAX_ACCOUNT_FILE} read`;
        else rec.text = Buffer.concat(chunks).toString('utf8');
      },
      abort(reason) {
        rec.problem = `${entry.path}: not read whole (${reason})`;
      },
      // layer cache: the account file's text with its password hashes replaced by stand-ins of their kind
      save: () => (rec.text !== undefined ? { text: scrubPasswords(rec.text) } : { problem: rec.problem ?? `${entry.path}: not read` }),
      restore(v) {
        const o = v as { text?: unknown; problem?: unknown } | null;
        if (typeof o?.text === 'string') rec.text = o.text;
        else if (typeof o?.problem === 'string') rec.problem = o.problem;
        else throw new Error('malformed cached account file');
      },
    };
  }

  /** The version of an account file the final image holds. */
  finalAccount(path: string): AccountText | undefined {
    return (this.accounts.get(path) ?? []).filter((a) => a.file.effective).at(-1);
  }
}

export function effective(list: FileRec[]): FileRec[] {
  return list.filter((r) => r.file.effective);
}
