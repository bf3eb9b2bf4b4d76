// Which policies apply to a (pipeline, image): every policy whose appliesTo matches; all must pass.
import { anyGlobMatch } from '../core/glob.js';
import { PortcullisError } from '../core/errors.js';
import { imageMatchesAny, parseImageRef, formatImage, type ImageId } from './imageref.js';
import type { Policy } from './schema.js';

export const DEFAULT_POLICY = 'default';
/** The pipeline `scan`, `policy test` and `policy explain` evaluate when --pipeline is not given. */
export const DEFAULT_PIPELINE = 'default';

/** Does one policy's appliesTo match? Absent fields match anything; an unnamed image matches no image pattern. */
export function policyApplies(p: Policy, pipeline: string, image: ImageId): boolean {
  const a = p.spec.appliesTo;
  if (!a) return true;
  if (a.pipelines !== undefined && !anyGlobMatch(a.pipelines, pipeline)) return false;
  if (a.images !== undefined && !imageMatchesAny(a.images, image)) return false;
  return true;
}

/**
 * Every policy whose appliesTo matches, in name order. None → the policy named `default` when there is one,
 * else PortcullisError NO_POLICY (the CLI exits 2: no policy means no decision, never a pass).
 */
export function selectPolicies(policies: readonly Policy[], pipeline: string, image: ImageId | string): Policy[] {
  const img: ImageId = typeof image === 'string' ? (parseImageRef(image) ?? {}) : image;
  const hit = policies.filter((p) => policyApplies(p, pipeline, img));
  if (hit.length > 0) return [...hit].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  const def = policies.find((p) => p.metadata.name === DEFAULT_POLICY);
  if (def) return [def];
  throw new PortcullisError(
    'NO_POLICY',
    `no policy applies to pipeline "${pipeline}" and image ${formatImage(img)} (loaded: ${policies.map((p) => p.metadata.name).join(', ') || 'none'}); add a policy named "default" or widen appliesTo`,
  );
}
