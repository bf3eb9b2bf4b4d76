// Installed distributions: `*.dist-info/METADATA` (wheels, pip), `*.egg-info/PKG-INFO` and `*.egg-info` files
// (setuptools, Debian python3-* packages), inside site-packages / dist-packages.
// Core metadata: https://packaging.python.org/en/latest/specifications/core-metadata/
import type { Analyzer, AnalyzerContext, Fact, FileInput } from '../../../core/types.js';
import { failed } from '../../status.js';
import { MIB, lines, readText } from '../common.js';
import { PYTHON_INSTALLED, pyPackage, validPyName, validPyVersion } from './common.js';
import { requiresDistNames } from './graph.js';

export const MAX_METADATA_BYTES = 8 * MIB;

export function isInstalledMetadata(path: string, type: string): boolean {
  const meta = path.endsWith('.dist-info/METADATA') || path.endsWith('.egg-info/PKG-INFO');
  if (!meta && !(path.endsWith('.egg-info') && (type === 'file' || type === 'hardlink'))) return false;
  return path.includes('/site-packages/') || path.includes('/dist-packages/');
}

const KNOWN_HEADERS = new Set(
  (
    'metadata-version name version platform supported-platform summary description description-content-type keywords ' +
    'home-page download-url author author-email maintainer maintainer-email license license-expression license-file ' +
    'classifier requires-dist requires-python requires-external project-url provides-extra provides-dist ' +
    'obsoletes-dist dynamic requires provides obsoletes'
  ).split(' '),
);

/** RFC 822-style headers up to the end of the header block; continuation lines are folded into the previous value. */
export function parseHeaders(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let last: { key: string; idx: number } | undefined;
  const all = lines(text);
  for (let i = 0; i < all.length; i++) {
    const line = all[i]!;
    if (line.trim() === '') {
      // Metadata 1.x folds a multi-paragraph Description with 8-space indents (blank lines inside), and
      // setuptools wrote more headers after it. So a blank line inside a folded value continues when the next
      // non-blank line is indented, or is a known header following a folded Description; otherwise the
      // header block ends.
      let j = i + 1;
      while (j < all.length && all[j]!.trim() === '') j++;
      const next = all[j];
      if (last && next !== undefined) {
        if (/^[ \t]+\S/.test(next)) {
          out.get(last.key)![last.idx] += '\n';
          i = j - 1;
          continue;
        }
        const m = /^([A-Za-z][A-Za-z0-9-]*):/.exec(next);
        if (last.key === 'description' && m && KNOWN_HEADERS.has(m[1]!.toLowerCase())) {
          i = j - 1;
          continue;
        }
      }
      break;
    }
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
      const vals = out.get(last.key)!;
      vals[last.idx] += '\n' + line.replace(/^\s+\|?/, '');
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      last = undefined;
      continue;
    }
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const vals = out.get(key) ?? [];
    vals.push(value);
    out.set(key, vals);
    last = { key, idx: vals.length - 1 };
  }
  return out;
}

// Common trove classifiers to SPDX ids; others are kept as their last segment, as declared.
const CLASSIFIER_SPDX: Record<string, string> = {
  'MIT License': 'MIT',
  'MIT No Attribution License (MIT-0)': 'MIT-0',
  'BSD License': 'BSD',
  'Apache Software License': 'Apache-2.0',
  'Python Software Foundation License': 'PSF-2.0',
  'ISC License (ISCL)': 'ISC',
  'Mozilla Public License 2.0 (MPL 2.0)': 'MPL-2.0',
  'Mozilla Public License 1.1 (MPL 1.1)': 'MPL-1.1',
  'GNU General Public License v2 (GPLv2)': 'GPL-2.0-only',
  'GNU General Public License v2 or later (GPLv2+)': 'GPL-2.0-or-later',
  'GNU General Public License v3 (GPLv3)': 'GPL-3.0-only',
  'GNU General Public License v3 or later (GPLv3+)': 'GPL-3.0-or-later',
  'GNU Lesser General Public License v2 (LGPLv2)': 'LGPL-2.0-only',
  'GNU Lesser General Public License v2 or later (LGPLv2+)': 'LGPL-2.0-or-later',
  'GNU Lesser General Public License v3 (LGPLv3)': 'LGPL-3.0-only',
  'GNU Lesser General Public License v3 or later (LGPLv3+)': 'LGPL-3.0-or-later',
  'GNU Affero General Public License v3': 'AGPL-3.0-only',
  'GNU Affero General Public License v3 or later (AGPLv3+)': 'AGPL-3.0-or-later',
  'Eclipse Public License 2.0 (EPL-2.0)': 'EPL-2.0',
  'The Unlicense (Unlicense)': 'Unlicense',
  'Zope Public License': 'ZPL-2.1',
  'Historical Permission Notice and Disclaimer (HPND)': 'HPND',
  'Academic Free License (AFL)': 'AFL-3.0',
  'Boost Software License 1.0 (BSL-1.0)': 'BSL-1.0',
};

/**
 * Licenses, most authoritative first: `License-Expression` (PEP 639, SPDX); else a short one-line
 * `License` field (not `UNKNOWN`); else the `License ::` classifiers.
 */
export function pyLicenses(h: Map<string, string[]>): string[] {
  const expr = (h.get('license-expression') ?? []).map((s) => s.trim()).filter(Boolean);
  if (expr.length > 0) return expr;
  const lic = (h.get('license') ?? [])
    .map((s) => s.trim())
    .filter((s) => s !== '' && s.toUpperCase() !== 'UNKNOWN' && !s.includes('\n') && s.length <= 100);
  if (lic.length > 0) return lic;
  const out: string[] = [];
  for (const c of h.get('classifier') ?? []) {
    const parts = c.split('::').map((s) => s.trim());
    if (parts[0] !== 'License' || parts.length < 2) continue;
    const last = parts[parts.length - 1]!;
    if (last === 'OSI Approved') continue; // says nothing about which license
    out.push(CLASSIFIER_SPDX[last] ?? last);
  }
  return out;
}

export const pythonInstalledAnalyzer: Analyzer = {
  name: PYTHON_INSTALLED,
  version: 2,
  maxFileBytes: MAX_METADATA_BYTES,
  required(path, entry) {
    return isInstalledMetadata(path, entry.type);
  },
  async analyze(file: FileInput, ctx: AnalyzerContext): Promise<Fact[]> {
    const text = readText(file, ctx, MAX_METADATA_BYTES);
    if (text === undefined) return [];
    const h = parseHeaders(text);
    const name = h.get('name')?.[0]?.trim();
    const version = h.get('version')?.[0]?.trim();
    if (!name || !version) {
      failed(ctx, `${file.path}: no Name/Version in package metadata`);
      return [];
    }
    if (!validPyName(name) || !validPyVersion(version)) {
      failed(ctx, `${file.path}: invalid Python name or version ${JSON.stringify(name.slice(0, 100))} ${JSON.stringify(version.slice(0, 100))}`);
      return [];
    }
    const pkg: Fact = { kind: 'package', pkg: pyPackage(name, version, PYTHON_INSTALLED, file, ctx, { licenses: pyLicenses(h) }) };
    // egg-info keeps its requirements in requires.txt, not read: its dependencies stay unknown
    if (!file.path.endsWith('.dist-info/METADATA')) return [pkg];
    return [pkg, { kind: 'requires', ecosystem: 'pypi', path: file.path, names: requiresDistNames(h.get('requires-dist') ?? []) }];
  },
};
