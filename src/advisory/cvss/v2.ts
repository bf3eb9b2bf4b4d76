// CVSS v2 base score, from the FIRST guide (https://www.first.org/cvss/v2/guide section 3.2.1).
// v2 vectors carry no prefix (`AV:N/AC:L/Au:N/C:P/I:P/A:P`); `CVSS:2.0/` is accepted too.
import type { CvssScore, Severity } from '../../core/types.js';
import { parseMetrics } from './common.js';

const ALLOWED: Record<string, readonly string[]> = {
  AV: ['L', 'A', 'N'],
  AC: ['H', 'M', 'L'],
  Au: ['M', 'S', 'N'],
  C: ['N', 'P', 'C'],
  I: ['N', 'P', 'C'],
  A: ['N', 'P', 'C'],
  E: ['U', 'POC', 'F', 'H', 'ND'],
  RL: ['OF', 'TF', 'W', 'U', 'ND'],
  RC: ['UC', 'UR', 'C', 'ND'],
  CDP: ['N', 'L', 'LM', 'MH', 'H', 'ND'],
  TD: ['N', 'L', 'M', 'H', 'ND'],
  CR: ['L', 'M', 'H', 'ND'],
  IR: ['L', 'M', 'H', 'ND'],
  AR: ['L', 'M', 'H', 'ND'],
};
const BASE = ['AV', 'AC', 'Au', 'C', 'I', 'A'];
const AV: Record<string, number> = { L: 0.395, A: 0.646, N: 1.0 };
const AC: Record<string, number> = { H: 0.35, M: 0.61, L: 0.71 };
const AU: Record<string, number> = { M: 0.45, S: 0.56, N: 0.704 };
const IMP: Record<string, number> = { N: 0, P: 0.275, C: 0.66 };

/** NVD's v2 rating: 0-3.9 low, 4.0-6.9 medium, 7.0-10 high (v2 has no critical). */
function rating2(score: number): Severity {
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  return 'high';
}

export function cvss2(vector: string): CvssScore | undefined {
  let body = vector.trim();
  if (body.startsWith('(') && body.endsWith(')')) body = body.slice(1, -1);
  if (body.startsWith('CVSS:2.0/')) body = body.slice('CVSS:2.0/'.length);
  if (!body.startsWith('AV:')) return undefined;
  const metrics = parseMetrics(body, ALLOWED);
  if (!metrics || BASE.some((k) => !metrics.has(k))) return undefined;
  const g = (k: string): number => {
    const v = metrics.get(k) as string;
    return (k === 'AV' ? AV : k === 'AC' ? AC : k === 'Au' ? AU : IMP)[v] ?? 0;
  };
  const impact = 10.41 * (1 - (1 - g('C')) * (1 - g('I')) * (1 - g('A')));
  const exploitability = 20 * g('AV') * g('AC') * g('Au');
  const f = impact === 0 ? 0 : 1.176;
  const raw = (0.6 * impact + 0.4 * exploitability - 1.5) * f;
  const score = Math.round(raw * 10 + 1e-9) / 10;
  return { version: '2.0', vector: vector.trim(), score, severity: rating2(score) };
}
