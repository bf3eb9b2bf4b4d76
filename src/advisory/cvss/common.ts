// Shared helpers for the CVSS calculators: vector parsing and the qualitative rating scale.
import type { Severity } from '../../core/types.js';

/** Qualitative rating (CVSS v3.x / v4.0 table): 0 none, 0.1-3.9 low, 4.0-6.9 medium, 7.0-8.9 high, 9.0-10 critical. */
export function ratingOf(score: number): Severity {
  if (score <= 0) return 'negligible';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (score < 9) return 'high';
  return 'critical';
}

/**
 * Splits `K:V/K:V/...` into a map. Returns undefined on a malformed part, a duplicate key,
 * or a key/value not in `allowed` (every metric named must be known and have a known value).
 */
export function parseMetrics(body: string, allowed: Record<string, readonly string[]>): Map<string, string> | undefined {
  const out = new Map<string, string>();
  if (body === '') return out;
  for (const part of body.split('/')) {
    const i = part.indexOf(':');
    if (i <= 0) return undefined;
    const k = part.slice(0, i);
    const v = part.slice(i + 1);
    const values = Object.prototype.hasOwnProperty.call(allowed, k) ? allowed[k] : undefined;
    if (!values || !values.includes(v) || out.has(k)) return undefined;
    out.set(k, v);
  }
  return out;
}
