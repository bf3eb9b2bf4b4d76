// CVSS scoring entry point: picks the calculator by the vector's prefix.
import type { CvssScore } from '../../core/types.js';
import { cvss2 } from './v2.js';
import { cvss3 } from './v3.js';
import { cvss4 } from './v4.js';

export { ratingOf } from './common.js';
export { cvss2, cvss3, cvss4 };

/** Base score of a CVSS v2, v3.0, v3.1 or v4.0 vector; undefined when the vector is not valid. */
export function cvssScore(vector: string): CvssScore | undefined {
  if (typeof vector !== 'string' || vector.length > 512) return undefined;
  const v = vector.trim();
  if (v.startsWith('CVSS:4.0/')) return cvss4(v);
  if (v.startsWith('CVSS:3.')) return cvss3(v);
  return cvss2(v);
}
