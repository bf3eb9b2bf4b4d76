// Files owned by dpkg packages: /var/lib/dpkg/info/<pkg>[:<arch>].list (one absolute path per line,
// directories included, `/.` first) and, in distroless images, /var/lib/dpkg/status.d/<pkg>.md5sums
// (`<md5>  <path relative to />` per line). Never throws.
import { PACKAGE_NAME } from './status.js';

/** `libc6:amd64.list` → `libc6`; undefined when the name is not a valid package name. */
export function ownerFromFileName(base: string, suffix: string): string | undefined {
  if (!base.endsWith(suffix)) return undefined;
  let name = base.slice(0, -suffix.length);
  const colon = name.indexOf(':');
  if (colon >= 0) name = name.slice(0, colon);
  return PACKAGE_NAME.test(name) ? name : undefined;
}

function lines(content: Buffer): string[] {
  return new TextDecoder('utf-8', { fatal: false }).decode(content).split('\n');
}

export function parseList(content: Buffer, warn: (m: string) => void): string[] {
  const out = new Set<string>();
  let bad = 0;
  for (const raw of lines(content)) {
    const l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (l === '' || l === '/.') continue;
    if (!l.startsWith('/') || l.includes('\u0000') || l.length > 4096) {
      bad++;
      continue;
    }
    out.add(l);
  }
  if (bad > 0) warn(`${bad} lines are not absolute paths; ignored`);
  return [...out];
}

export function parseMd5sums(content: Buffer, warn: (m: string) => void): string[] {
  const out = new Set<string>();
  let bad = 0;
  for (const raw of lines(content)) {
    const l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (l === '') continue;
    const m = /^[0-9a-fA-F]{32} [ *](.+)$/.exec(l);
    if (!m || m[1]!.includes('\u0000') || m[1]!.length > 4096) {
      bad++;
      continue;
    }
    out.add('/' + m[1]!.replace(/^\.?\/+/, ''));
  }
  if (bad > 0) warn(`${bad} lines are not "<md5>  <path>"; ignored`);
  return [...out];
}
