// Checks over the accounts the image ships: /etc/passwd, /etc/shadow, /etc/group (the versions present
// in the final image). Pure: file texts in, findings out. Values of password fields are never shown.
import type { ConfigFinding, LayerRef } from '../../core/types.js';
import { configFinding } from './finding.js';

export interface AccountFiles {
  passwd?: { text: string; layer: LayerRef };
  shadow?: { text: string; layer: LayerRef };
  group?: { text: string; layer: LayerRef };
}

interface Row {
  fields: string[];
  line: number;
}

/** A numeric id field, or undefined (an empty field is not 0). */
function idOf(s: string | undefined): number | undefined {
  return s !== undefined && /^\d{1,10}$/.test(s) ? Number(s) : undefined;
}

function rows(text: string, minFields: number): Row[] {
  const out: Row[] = [];
  text.split('\n').forEach((l, i) => {
    const line = l.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) return; // NIS compat lines
    const fields = line.split(':');
    if (fields.length >= minFields && fields[0] !== '') out.push({ fields, line: i + 1 });
  });
  return out;
}

/** user name → UID, from /etc/passwd (first entry wins, as getpwnam does). */
export function passwdUsers(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows(text, 4)) {
    const uid = idOf(r.fields[2]);
    if (uid !== undefined && !m.has(r.fields[0]!)) m.set(r.fields[0]!, uid);
  }
  return m;
}

function hashKind(h: string): 'empty' | 'none' | 'locked-hash' | 'hash' {
  if (h === '') return 'empty';
  const locked = /^!+/.exec(h)?.[0] ?? '';
  const rest = h.slice(locked.length);
  // no usable password: *, !, !!, x (passwd pointing at shadow), *LK*, and the like
  const real = /^\$[0-9a-z]+\$/.test(rest) || /^[./0-9A-Za-z]{13}$/.test(rest);
  if (!real) return 'none';
  return locked ? 'locked-hash' : 'hash';
}

/**
 * The text with every password field (second field) replaced by a stand-in of the same kind (empty, x,
 * none, locked hash, hash): what the checks here need, without the hashes (for the layer cache).
 */
export function scrubPasswords(text: string): string {
  return text
    .split('\n')
    .map((l) => {
      if (l.trim() === '' || l.startsWith('#') || l.startsWith('+') || l.startsWith('-')) return l;
      const f = l.split(':');
      if (f.length < 2 || f[1] === '' || f[1] === 'x') return l;
      const k = hashKind(f[1]!.replace(/\r$/, ''));
      f[1] = (k === 'none' ? '*' : k === 'locked-hash' ? '!$6$' : '$6$') + (f.length === 2 && f[1]!.endsWith('\r') ? '\r' : '');
      return f.join(':');
    })
    .join('\n');
}

export function accountChecks(files: AccountFiles): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  if (files.passwd) {
    const { text, layer } = files.passwd;
    const byUid = new Map<number, string[]>();
    for (const r of rows(text, 4)) {
      const [name, pw, uidText] = r.fields as [string, string, string];
      const uid = idOf(uidText);
      if (uid === undefined) continue;
      byUid.set(uid, [...(byUid.get(uid) ?? []), name]);
      const ev = { source: 'file' as const, text: `/etc/passwd line ${r.line}`, path: '/etc/passwd' };
      if (uid === 0 && name !== 'root') {
        out.push(configFinding('PCL-LI-0003', { subject: `uid0:${name}`, detail: `account ${name} has UID 0`, evidence: { source: 'file', text: ev.text }, path: ev.path, layer }));
      }
      if (pw === '') {
        out.push(configFinding('DKL-LI-0001', { subject: `passwd:${name}`, detail: `account ${name} has an empty password field in /etc/passwd`, evidence: { source: 'file', text: ev.text }, path: ev.path, layer }));
      } else if (pw !== 'x') {
        const k = hashKind(pw);
        if (k === 'hash') out.push(configFinding('PCL-LI-0001', { subject: `passwd:${name}`, detail: `account ${name} has a password hash in /etc/passwd`, evidence: { source: 'file', text: ev.text }, path: ev.path, layer }));
      }
    }
    for (const [uid, names] of [...byUid].sort((a, b) => a[0] - b[0])) {
      if (names.length < 2 || uid === 0) continue; // extra UID-0 accounts have their own check
      out.push(configFinding('DKL-LI-0002', { subject: `uid:${uid}`, detail: `UID ${uid} is shared by ${names.join(', ')}`, evidence: { source: 'file', text: '/etc/passwd' }, path: '/etc/passwd', layer }));
    }
  }
  if (files.shadow) {
    const { text, layer } = files.shadow;
    for (const r of rows(text, 2)) {
      const [name, hash] = r.fields as [string, string];
      const ev = { source: 'file' as const, text: `/etc/shadow line ${r.line}` };
      const k = hashKind(hash);
      if (k === 'empty') out.push(configFinding('DKL-LI-0001', { subject: `shadow:${name}`, detail: `account ${name} has an empty password in /etc/shadow`, evidence: ev, path: '/etc/shadow', layer }));
      else if (k === 'hash') out.push(configFinding('PCL-LI-0001', { subject: `shadow:${name}`, detail: `account ${name} has a password hash in /etc/shadow`, evidence: ev, path: '/etc/shadow', layer }));
      else if (k === 'locked-hash') out.push(configFinding('PCL-LI-0002', { subject: `shadow:${name}`, detail: `account ${name} is locked but keeps its password hash`, evidence: ev, path: '/etc/shadow', layer }));
    }
  }
  if (files.group) {
    const { text, layer } = files.group;
    const byGid = new Map<number, string[]>();
    for (const r of rows(text, 3)) {
      const gid = idOf(r.fields[2]);
      if (gid !== undefined) byGid.set(gid, [...(byGid.get(gid) ?? []), r.fields[0]!]);
    }
    for (const [gid, names] of [...byGid].sort((a, b) => a[0] - b[0])) {
      if (names.length < 2) continue;
      out.push(configFinding('DKL-LI-0002', { subject: `gid:${gid}`, detail: `GID ${gid} is shared by groups ${names.join(', ')}`, evidence: { source: 'file', text: '/etc/group' }, path: '/etc/group', layer }));
    }
  }
  return out;
}
