// CVSS v3.0 / v3.1 base score, from the FIRST specification
// (https://www.first.org/cvss/v3.1/specification-document sections 7.1-7.4, Appendix A for Roundup).
import type { CvssScore } from '../../core/types.js';
import { parseMetrics, ratingOf } from './common.js';

const ALLOWED: Record<string, readonly string[]> = {
  AV: ['N', 'A', 'L', 'P'],
  AC: ['L', 'H'],
  PR: ['N', 'L', 'H'],
  UI: ['N', 'R'],
  S: ['U', 'C'],
  C: ['H', 'L', 'N'],
  I: ['H', 'L', 'N'],
  A: ['H', 'L', 'N'],
  // temporal and environmental metrics are accepted (and ignored: we compute the base score)
  E: ['X', 'U', 'P', 'F', 'H'],
  RL: ['X', 'O', 'T', 'W', 'U'],
  RC: ['X', 'U', 'R', 'C'],
  CR: ['X', 'L', 'M', 'H'],
  IR: ['X', 'L', 'M', 'H'],
  AR: ['X', 'L', 'M', 'H'],
  MAV: ['X', 'N', 'A', 'L', 'P'],
  MAC: ['X', 'L', 'H'],
  MPR: ['X', 'N', 'L', 'H'],
  MUI: ['X', 'N', 'R'],
  MS: ['X', 'U', 'C'],
  MC: ['X', 'N', 'L', 'H'],
  MI: ['X', 'N', 'L', 'H'],
  MA: ['X', 'N', 'L', 'H'],
};
const BASE = ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'];

const AV: Record<string, number> = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 };
const AC: Record<string, number> = { L: 0.77, H: 0.44 };
const UI: Record<string, number> = { N: 0.85, R: 0.62 };
const CIA: Record<string, number> = { H: 0.56, L: 0.22, N: 0 };

/** v3.1 Roundup (Appendix A): smallest number with one decimal >= input, robust to float error. */
export function roundup31(x: number): number {
  const i = Math.round(x * 100000);
  if (i % 10000 === 0) return i / 100000;
  return (Math.floor(i / 10000) + 1) / 10;
}

/** v3.0 round up: ceil to one decimal. */
function roundup30(x: number): number {
  return Math.ceil(x * 10) / 10;
}

export function cvss3(vector: string): CvssScore | undefined {
  const m = /^CVSS:3\.([01])\/(.*)$/.exec(vector.trim());
  if (!m) return undefined;
  const version = m[1] === '0' ? '3.0' : '3.1';
  const metrics = parseMetrics(m[2] ?? '', ALLOWED);
  if (!metrics || BASE.some((k) => !metrics.has(k))) return undefined;
  const g = (k: string): string => metrics.get(k) as string;
  const changed = g('S') === 'C';
  const pr = g('PR') === 'N' ? 0.85 : g('PR') === 'L' ? (changed ? 0.68 : 0.62) : changed ? 0.5 : 0.27;
  const iss = 1 - (1 - (CIA[g('C')] ?? 0)) * (1 - (CIA[g('I')] ?? 0)) * (1 - (CIA[g('A')] ?? 0));
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
  const exploitability = 8.22 * (AV[g('AV')] ?? 0) * (AC[g('AC')] ?? 0) * pr * (UI[g('UI')] ?? 0);
  const roundup = version === '3.0' ? roundup30 : roundup31;
  let score: number;
  if (impact <= 0) score = 0;
  else if (changed) score = roundup(Math.min(1.08 * (impact + exploitability), 10));
  else score = roundup(Math.min(impact + exploitability, 10));
  return { version, vector: vector.trim(), score, severity: ratingOf(score) };
}
