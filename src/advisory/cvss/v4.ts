// CVSS v4.0 score (CVSS-B / BT / BE / BTE, whatever the vector carries), following the FIRST
// specification (https://www.first.org/cvss/v4-0/specification-document sections 8.2-8.3):
// the vector falls into a MacroVector (EQ1..EQ6); its score is the MacroVector's lookup value minus
// the mean, over the EQs that have a lower MacroVector, of (score gap to that lower MacroVector)
// x (severity distance of the vector from the MacroVector's highest vectors / the EQ's depth).
import type { CvssScore } from '../../core/types.js';
import { parseMetrics, ratingOf } from './common.js';
import { V4_LOOKUP } from './v4-lookup.js';

const ALLOWED: Record<string, readonly string[]> = {
  AV: ['N', 'A', 'L', 'P'],
  AC: ['L', 'H'],
  AT: ['N', 'P'],
  PR: ['N', 'L', 'H'],
  UI: ['N', 'P', 'A'],
  VC: ['H', 'L', 'N'],
  VI: ['H', 'L', 'N'],
  VA: ['H', 'L', 'N'],
  SC: ['H', 'L', 'N'],
  SI: ['H', 'L', 'N'],
  SA: ['H', 'L', 'N'],
  E: ['X', 'A', 'P', 'U'],
  CR: ['X', 'H', 'M', 'L'],
  IR: ['X', 'H', 'M', 'L'],
  AR: ['X', 'H', 'M', 'L'],
  MAV: ['X', 'N', 'A', 'L', 'P'],
  MAC: ['X', 'L', 'H'],
  MAT: ['X', 'N', 'P'],
  MPR: ['X', 'N', 'L', 'H'],
  MUI: ['X', 'N', 'P', 'A'],
  MVC: ['X', 'H', 'L', 'N'],
  MVI: ['X', 'H', 'L', 'N'],
  MVA: ['X', 'H', 'L', 'N'],
  MSC: ['X', 'H', 'L', 'N'],
  MSI: ['X', 'S', 'H', 'L', 'N'],
  MSA: ['X', 'S', 'H', 'L', 'N'],
  S: ['X', 'N', 'P'],
  AU: ['X', 'N', 'Y'],
  R: ['X', 'A', 'U', 'I'],
  V: ['X', 'D', 'C'],
  RE: ['X', 'L', 'M', 'H'],
  U: ['X', 'Clear', 'Green', 'Amber', 'Red'],
};
const BASE = ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'];

/** Severity level of each metric value, in steps of 0.1 (0 = most severe). */
const LEVEL: Record<string, Record<string, number>> = {
  AV: { N: 0, A: 0.1, L: 0.2, P: 0.3 },
  PR: { N: 0, L: 0.1, H: 0.2 },
  UI: { N: 0, P: 0.1, A: 0.2 },
  AC: { L: 0, H: 0.1 },
  AT: { N: 0, P: 0.1 },
  VC: { H: 0, L: 0.1, N: 0.2 },
  VI: { H: 0, L: 0.1, N: 0.2 },
  VA: { H: 0, L: 0.1, N: 0.2 },
  SC: { H: 0.1, L: 0.2, N: 0.3 },
  SI: { S: 0, H: 0.1, L: 0.2, N: 0.3 },
  SA: { S: 0, H: 0.1, L: 0.2, N: 0.3 },
  CR: { H: 0, M: 0.1, L: 0.2 },
  IR: { H: 0, M: 0.1, L: 0.2 },
  AR: { H: 0, M: 0.1, L: 0.2 },
  E: { U: 0.2, P: 0.1, A: 0 },
};

/** Highest-severity vectors of each EQ level (spec 8.2), as metric maps. */
type Partial = Record<string, string>;
const p = (s: string): Partial => Object.fromEntries(s.split('/').map((kv) => kv.split(':') as [string, string]));
const MAX_EQ1: Record<number, Partial[]> = {
  0: [p('AV:N/PR:N/UI:N')],
  1: [p('AV:A/PR:N/UI:N'), p('AV:N/PR:L/UI:N'), p('AV:N/PR:N/UI:P')],
  2: [p('AV:P/PR:N/UI:N'), p('AV:A/PR:L/UI:P')],
};
const MAX_EQ2: Record<number, Partial[]> = { 0: [p('AC:L/AT:N')], 1: [p('AC:H/AT:N'), p('AC:L/AT:P')] };
const MAX_EQ3EQ6: Record<string, Partial[]> = {
  '00': [p('VC:H/VI:H/VA:H/CR:H/IR:H/AR:H')],
  '01': [p('VC:H/VI:H/VA:L/CR:M/IR:M/AR:H'), p('VC:H/VI:H/VA:H/CR:M/IR:M/AR:M')],
  '10': [p('VC:L/VI:H/VA:H/CR:H/IR:H/AR:H'), p('VC:H/VI:L/VA:H/CR:H/IR:H/AR:H')],
  '11': [
    p('VC:L/VI:H/VA:L/CR:H/IR:M/AR:H'),
    p('VC:L/VI:H/VA:H/CR:H/IR:M/AR:M'),
    p('VC:H/VI:L/VA:H/CR:M/IR:H/AR:M'),
    p('VC:H/VI:L/VA:L/CR:M/IR:H/AR:H'),
    p('VC:L/VI:L/VA:H/CR:H/IR:H/AR:M'),
  ],
  '21': [p('VC:L/VI:L/VA:L/CR:H/IR:H/AR:H')],
};
const MAX_EQ4: Record<number, Partial[]> = { 0: [p('SC:H/SI:S/SA:S')], 1: [p('SC:H/SI:H/SA:H')], 2: [p('SC:L/SI:L/SA:L')] };
const MAX_EQ5: Record<number, Partial[]> = { 0: [p('E:A')], 1: [p('E:P')], 2: [p('E:U')] };

/** Depth of each MacroVector (max severity distance + 1), in steps. */
const DEPTH_EQ1 = [1, 4, 5];
const DEPTH_EQ2 = [1, 2];
const DEPTH_EQ3EQ6: Record<string, number> = { '00': 7, '01': 6, '10': 8, '11': 8, '21': 10 };
const DEPTH_EQ4 = [6, 5, 4];

/** Round half up to one decimal, like the reference calculator. */
function round1(x: number): number {
  return Number((Math.round(x * 10) / 10).toFixed(1));
}

export function cvss4(vector: string): CvssScore | undefined {
  const v = vector.trim();
  if (!v.startsWith('CVSS:4.0/')) return undefined;
  const metrics = parseMetrics(v.slice('CVSS:4.0/'.length), ALLOWED);
  if (!metrics || BASE.some((k) => !metrics.has(k))) return undefined;
  const raw = (k: string): string => metrics.get(k) ?? 'X';
  /** effective value: modified metric wins; X threat/requirement metrics take their worst case */
  const eff = (k: string): string => {
    if (k === 'E' || k === 'CR' || k === 'IR' || k === 'AR') {
      const x = raw(k);
      return x === 'X' ? (k === 'E' ? 'A' : 'H') : x;
    }
    const m = metrics.get('M' + k);
    if (m !== undefined && m !== 'X') return m;
    return raw(k);
  };

  if (['VC', 'VI', 'VA', 'SC', 'SI', 'SA'].every((k) => eff(k) === 'N')) {
    return { version: '4.0', vector: v, score: 0, severity: ratingOf(0) };
  }

  const AV = eff('AV');
  const PR = eff('PR');
  const UI = eff('UI');
  const eq1 = AV === 'N' && PR === 'N' && UI === 'N' ? 0 : (AV === 'N' || PR === 'N' || UI === 'N') && AV !== 'P' ? 1 : 2;
  const eq2 = eff('AC') === 'L' && eff('AT') === 'N' ? 0 : 1;
  const VC = eff('VC');
  const VI = eff('VI');
  const VA = eff('VA');
  const eq3 = VC === 'H' && VI === 'H' ? 0 : VC === 'H' || VI === 'H' || VA === 'H' ? 1 : 2;
  const eq4 = eff('SI') === 'S' || eff('SA') === 'S' ? 0 : eff('SC') === 'H' || eff('SI') === 'H' || eff('SA') === 'H' ? 1 : 2;
  const E = eff('E');
  const eq5 = E === 'A' ? 0 : E === 'P' ? 1 : 2;
  const eq6 = (eff('CR') === 'H' && VC === 'H') || (eff('IR') === 'H' && VI === 'H') || (eff('AR') === 'H' && VA === 'H') ? 0 : 1;

  const key = (a: number, b: number, c: number, d: number, e: number, f: number): string => `${a}${b}${c}${d}${e}${f}`;
  const look = (k: string): number => V4_LOOKUP[k] ?? NaN;
  const value = look(key(eq1, eq2, eq3, eq4, eq5, eq6));
  if (Number.isNaN(value)) return undefined;

  // next lower MacroVector per EQ (NaN when there is none)
  const lowerEq1 = look(key(eq1 + 1, eq2, eq3, eq4, eq5, eq6));
  const lowerEq2 = look(key(eq1, eq2 + 1, eq3, eq4, eq5, eq6));
  let lowerEq3Eq6: number;
  if (eq3 === 0 && eq6 === 0) {
    lowerEq3Eq6 = Math.max(look(key(eq1, eq2, eq3, eq4, eq5, eq6 + 1)), look(key(eq1, eq2, eq3 + 1, eq4, eq5, eq6)));
  } else if (eq3 === 1 && eq6 === 0) {
    lowerEq3Eq6 = look(key(eq1, eq2, eq3, eq4, eq5, eq6 + 1));
  } else if (eq6 === 1 && eq3 < 2) {
    lowerEq3Eq6 = look(key(eq1, eq2, eq3 + 1, eq4, eq5, eq6));
  } else {
    lowerEq3Eq6 = look(key(eq1, eq2, eq3 + 1, eq4, eq5, eq6 + 1));
  }
  const lowerEq4 = look(key(eq1, eq2, eq3, eq4 + 1, eq5, eq6));
  const lowerEq5 = look(key(eq1, eq2, eq3, eq4, eq5 + 1, eq6));

  // the first highest-severity vector of this MacroVector that the vector does not exceed
  const e36 = `${eq3}${eq6}`;
  const candidates: Partial[] = [];
  for (const a of MAX_EQ1[eq1] ?? [])
    for (const b of MAX_EQ2[eq2] ?? [])
      for (const c of MAX_EQ3EQ6[e36] ?? [])
        for (const d of MAX_EQ4[eq4] ?? []) for (const e of MAX_EQ5[eq5] ?? []) candidates.push({ ...a, ...b, ...c, ...d, ...e });
  let dist: Record<string, number> | undefined;
  for (const max of candidates) {
    const d: Record<string, number> = {};
    let ok = true;
    for (const [metric, levels] of Object.entries(LEVEL)) {
      const mine = levels[eff(metric)];
      const theirs = levels[max[metric] ?? ''];
      if (mine === undefined || theirs === undefined) return undefined;
      d[metric] = mine - theirs;
      if (d[metric] < 0) ok = false;
    }
    if (ok) {
      dist = d;
      break;
    }
  }
  if (!dist) return undefined;
  const D = (k: string): number => dist[k] ?? 0;
  const step = 0.1;
  const parts: { lower: number; distance: number; depth: number }[] = [
    { lower: lowerEq1, distance: D('AV') + D('PR') + D('UI'), depth: DEPTH_EQ1[eq1] ?? 1 },
    { lower: lowerEq2, distance: D('AC') + D('AT'), depth: DEPTH_EQ2[eq2] ?? 1 },
    {
      lower: lowerEq3Eq6,
      distance: D('VC') + D('VI') + D('VA') + D('CR') + D('IR') + D('AR'),
      depth: DEPTH_EQ3EQ6[e36] ?? 1,
    },
    { lower: lowerEq4, distance: D('SC') + D('SI') + D('SA'), depth: DEPTH_EQ4[eq4] ?? 1 },
    { lower: lowerEq5, distance: 0, depth: 1 },
  ];
  let n = 0;
  let sum = 0;
  for (const part of parts) {
    const available = value - part.lower;
    if (Number.isNaN(available)) continue;
    n++;
    sum += available * (part.distance / (part.depth * step));
  }
  const mean = n === 0 ? 0 : sum / n;
  const score = round1(Math.max(0, Math.min(10, value - mean)));
  return { version: '4.0', vector: v, score, severity: ratingOf(score) };
}
