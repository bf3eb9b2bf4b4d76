// The policy-as-code formats, as zod schemas (the single source of truth; docs/schemas/*.json are
// generated from these by schema-export.ts). apiVersion portcullis/v1; extend with optional fields only.
import { z } from 'zod';
import { parseImageRef } from './imageref.js';
import { GAP_REASONS } from '../core/types.js';
import type { VexDocument } from '../vex/types.js';

import { API_VERSION } from './canonical.js';
export { API_VERSION };

export const THRESHOLDS = ['any', 'negligible', 'low', 'medium', 'high', 'critical', 'none'] as const;
export type Threshold = (typeof THRESHOLDS)[number];

export { GAP_REASONS };

const threshold = z.enum(THRESHOLDS).describe('severity threshold: a finding at or above it fails; `any` = every finding, `none` = never');
const nonEmpty = z.string().min(1);
const globList = z.array(nonEmpty);
const gapAction = z.enum(['fail', 'warn', 'ignore']);
const httpUrl = z.string().regex(/^https?:\/\/\S+$/, { message: 'expected an http(s) URL' });

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** true for a real calendar date `YYYY-MM-DD` or an RFC 3339 date-time with a zone. */
export function isValidDateString(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const t = new Date(Date.UTC(y, mo - 1, d));
    return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
  }
  if (DATETIME_RE.test(s)) return !Number.isNaN(new Date(s).getTime()) && isValidDateString(s.slice(0, 10));
  return false;
}

const DATE_MSG = 'expected a date YYYY-MM-DD (UTC) or an RFC 3339 date-time like 2026-12-31T12:00:00Z';
const dateString = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/, { message: DATE_MSG })
  .refine(isValidDateString, { message: DATE_MSG })
  .describe('YYYY-MM-DD (valid through the end of that day, UTC) or an RFC 3339 date-time');

const TTL_RE = /^[1-9]\d{0,4}[hdw]$/;
const ttl = z
  .string()
  .regex(TTL_RE, { message: 'expected a duration like 12h, 30d or 2w' })
  .describe('time to live from `created`: <n>h, <n>d or <n>w');

// --------------------------------------------------------------------------------------------
// AssurancePolicy

const vulnerabilities = z
  .strictObject({
    failOn: threshold.optional(),
    maxCvss: z.number().min(0).max(10).optional().describe('fail when the finding\'s CVSS base score is greater than this'),
    ignoreUnfixed: z.boolean().optional(),
    gracePeriodDays: z.number().int().min(0).max(3650).optional(),
    fixWithinDays: z
      .strictObject({
        critical: z.number().int().min(0).max(3650).optional(),
        high: z.number().int().min(0).max(3650).optional(),
        medium: z.number().int().min(0).max(3650).optional(),
        low: z.number().int().min(0).max(3650).optional(),
      })
      .optional()
      .describe('SLA per severity: a vulnerability failOn/maxCvss would fail is a warning until N days after it was first seen in the image repository (the server tracks it; else its publication), then fails'),
    deny: z.array(nonEmpty).optional().describe('advisory ids or aliases that always fail'),
    knownExploited: z.enum(['fail', 'warn', 'ignore']).optional(),
    ignore: z.array(nonEmpty).optional().describe('advisory ids or aliases this policy ignores'),
    appOnly: z.boolean().optional().describe('only vulnerabilities introduced by application layers (not the base image)'),
    unrated: z
      .enum(['fail', 'warn'])
      .optional()
      .describe('findings with no severity and no CVSS score from any alias record: fail (default) or warn, when failOn is set'),
  })
  .describe('known vulnerabilities');

const severityControl = z.strictObject({ failOn: threshold });

const labelRequirement = z.union([
  nonEmpty,
  z.strictObject({ name: nonEmpty, pattern: nonEmpty.optional().describe('anchored glob the value must match') }),
]);

export const controlsSchema = z
  .strictObject({
    vulnerabilities: vulnerabilities.optional(),
    secrets: z
      .strictObject({
        failOn: threshold,
        allow: z.array(nonEmpty).optional().describe('secret rule ids (aws-access-token), or anchored globs over the finding path (/srv/app/test/**, config:env/*) that never fail this control'),
      })
      .optional(),
    malware: severityControl.optional(),
    user: z.strictObject({ forbidRoot: z.boolean() }).optional(),
    baseImage: z
      .strictObject({
        approved: globList.optional().describe('anchored globs over the nearest base name:tag or name@digest'),
        unknown: z.enum(['fail', 'warn', 'pass']).optional(),
        maxAgeDays: z.number().int().min(1).optional(),
      })
      .optional(),
    packages: z.strictObject({ deny: globList.describe('anchored globs over package names or purls (pkg:type/ns/name)') }).optional(),
    licenses: z.strictObject({ deny: globList.describe('anchored globs over SPDX license ids') }).optional(),
    labels: z.strictObject({ required: z.array(labelRequirement) }).optional(),
    config: z
      .strictObject({
        failOn: threshold,
        ignore: z.array(nonEmpty).optional().describe('configuration check ids this policy does not judge (e.g. CIS-DI-0006)'),
        appOnly: z.boolean().optional().describe('judge only findings about the image\'s own layers, not the base image\'s (image-level findings are always judged)'),
      })
      .optional(),
    coverage: z
      .strictObject({
        onGap: gapAction.optional(),
        reasons: z.partialRecord(z.enum(GAP_REASONS), gapAction).optional().describe('per-reason override of onGap'),
      })
      .optional(),
    database: z.strictObject({ maxAgeHours: z.number().positive() }).optional(),
  })
  .describe('controls; a control that is absent is not checked (except coverage, which defaults to fail)');

export const CONTROL_NAMES = Object.keys(controlsSchema.shape) as (keyof z.infer<typeof controlsSchema>)[];

const NAME_RE = /^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/;

export const policySchema = z
  .strictObject({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('AssurancePolicy'),
    metadata: z.strictObject({
      name: z.string().regex(NAME_RE, { message: 'expected a lower-case name: letters, digits, . _ - (max 63)' }),
      description: z.string().optional(),
      labels: z.record(z.string(), z.string()).optional(),
    }),
    spec: z.strictObject({
      appliesTo: z
        .strictObject({
          pipelines: globList.optional().describe('anchored globs over the pipeline name; absent = any'),
          images: globList.optional().describe('anchored globs over name, name:tag, name@digest; absent = any'),
        })
        .optional(),
      enforcement: z.enum(['block', 'audit']).optional().describe('block (default): violations fail; audit: report only'),
      notify: z
        .array(httpUrl)
        .optional()
        .describe('the owning team\'s notification URLs: told when this policy fails or warns (Slack webhooks get Slack messages, others the JSON payload)'),
      owners: z
        .array(
          z.strictObject({
            team: z.string().regex(/^@?[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/, { message: 'expected a team name like @orders' }).optional().describe('shown in the notification (routed.owners)'),
            notify: z.array(httpUrl).min(1).describe('where this owner\'s share of the notification goes'),
            images: globList.optional().describe('anchored globs over name, name:tag, name@digest; absent = any'),
            paths: z
              .array(nonEmpty.regex(/^\/[^\\]*$/, { message: 'expected an absolute path glob like /srv/app/** (a trailing / means everything under it)' }))
              .optional()
              .describe('anchored globs over the file in the image a violation is about (a package\'s manifest, a secret\'s file); absent = any'),
            origin: z.enum(['base', 'app']).optional().describe('only violations from the base image\'s layers, or the application\'s'),
          }),
        )
        .optional()
        .describe('who owns what this policy finds: each of its violations and warnings goes to the last entry whose images, paths and origin all match it (only that share; spec.notify still gets everything); see docs/notifications.md'),
      vex: z
        .strictObject({
          trust: globList.describe(
            'anchored globs over a VEX document\'s author or publisher (OpenVEX author, CycloneDX metadata authors/manufacturer/supplier, CSAF publisher name or namespace) whose statements count; absent or empty: no one is trusted',
          ),
        })
        .optional()
        .describe('whose VEX statements (--vex) may suppress findings: not_affected or fixed for this image and package'),
      exceptions: z
        .strictObject({
          maxDays: z
            .number()
            .int()
            .min(1)
            .max(3650)
            .optional()
            .describe('longest lifetime an exception or allowlist entry may have under this policy, in days (default 90)'),
          fromRepository: z
            .enum(['allow', 'deny'])
            .optional()
            .describe('exceptions from a portcullis.yaml found implicitly in the working directory (the gated repository): deny (default) or allow'),
        })
        .optional(),
      decisionMaxAgeHours: z
        .number()
        .int()
        .min(1)
        .max(87600)
        .optional()
        .describe('a decision made under this policy is valid for at most this many hours (its validUntil); the admission webhook never admits on an expired decision'),
      controls: controlsSchema,
    }),
  })
  .describe('Portcullis AssurancePolicy');

export type PolicyDoc = z.infer<typeof policySchema>;
export type Controls = z.infer<typeof controlsSchema>;

/** A loaded policy: the document plus where it came from (not part of the digest). */
export type Policy = PolicyDoc & { source?: string };

// --------------------------------------------------------------------------------------------
// Exceptions and allowlist

const scopeSchema = z
  .strictObject({
    repository: nonEmpty.optional().describe('anchored glob over the normalised repository'),
    image: nonEmpty
      .refine((s) => parseImageRef(s) !== undefined, { message: 'expected an image reference repo:tag, repo@sha256:... or sha256:...' })
      .optional()
      .describe('repo:tag, repo@sha256:..., or sha256:...'),
    all: z.literal(true).optional(),
  })
  .superRefine((s, ctx) => {
    const n = [s.repository, s.image, s.all].filter((v) => v !== undefined).length;
    if (n !== 1) ctx.addIssue({ code: 'custom', message: 'expected exactly one of repository, image, all' });
  });

function expiryRefine(e: { expires?: string; ttl?: string; created?: string }, ctx: z.RefinementCtx): void {
  if (e.expires !== undefined && e.ttl !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['ttl'], message: 'give either expires or ttl, not both' });
  } else if (e.expires === undefined && e.ttl === undefined) {
    ctx.addIssue({ code: 'custom', path: ['expires'], message: 'required: every exception expires (expires: YYYY-MM-DD, or ttl with created)' });
  } else if (e.ttl !== undefined && e.created === undefined) {
    ctx.addIssue({ code: 'custom', path: ['created'], message: 'required when ttl is given' });
  }
}

/** The fields every exception and allowlist entry ends with (checked by expiryRefine): where, until when, why, who. */
const expiringEntryFields = {
  pipelines: globList.optional(),
  expires: dateString.optional(),
  ttl: ttl.optional(),
  created: dateString.optional(),
  reason: nonEmpty,
  owner: nonEmpty,
};

export const exceptionSchema = z
  .strictObject({
    id: nonEmpty,
    finding: nonEmpty.describe('advisory id or alias, secret rule, config check, malware signature, license, or finding id; `*` for any, only together with package, version, type, fixState or paths'),
    scope: scopeSchema,
    package: nonEmpty.optional().describe('anchored glob over the package purl (without version) or name'),
    version: nonEmpty.optional().describe('the exact installed version of the package'),
    type: nonEmpty.optional().describe('the package type (npm, deb, golang, ...: the purl type)'),
    fixState: z.enum(['fixed', 'not-fixed', 'wont-fix', 'unknown']).optional().describe('only vulnerabilities in this fix state'),
    paths: globList.optional().describe('anchored globs over the file the finding is in (the package\'s file, a secret\'s file)'),
    ...expiringEntryFields,
  })
  .superRefine(expiryRefine)
  .superRefine((e, ctx) => {
    if (e.finding === '*' && e.package === undefined && e.version === undefined && e.type === undefined && e.fixState === undefined && e.paths === undefined) {
      ctx.addIssue({ code: 'custom', path: ['finding'], message: '`*` needs package, version, type, fixState or paths beside it (an exception for everything is an allowlist entry)' });
    }
  });

export const allowEntrySchema = z
  .strictObject({
    image: nonEmpty
      .refine(
        (s) => {
          const r = parseImageRef(s);
          return r !== undefined && (r.tag !== undefined || r.digest !== undefined);
        },
        { message: 'expected repo:tag or repo@sha256:... (an allowlist entry must pin a tag or a digest)' },
      )
      .describe('repo:tag or repo@sha256:... (a digest pins exactly one image)'),
    ...expiringEntryFields,
  })
  .superRefine(expiryRefine);

export const exceptionsSchema = z
  .strictObject({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Exceptions'),
    metadata: z.strictObject({ name: z.string().optional(), description: z.string().optional() }).optional(),
    exceptions: z.array(exceptionSchema).optional(),
    allowlist: z.array(allowEntrySchema).optional(),
  })
  .describe('Portcullis Exceptions');

export type ExceptionsDoc = z.infer<typeof exceptionsSchema>;
export type PolicyException = z.infer<typeof exceptionSchema> & { source?: string };
export type AllowEntry = z.infer<typeof allowEntrySchema> & { source?: string };

export interface ExceptionSet {
  exceptions: PolicyException[];
  allowlist: AllowEntry[];
  /** VEX documents given with --vex; each policy's spec.vex.trust decides whose statements count */
  vex?: VexDocument[];
  /** what converting other scanners' ignore files filled in or left out: shown in the decision's notices */
  warnings?: string[];
}

export { EMPTY_EXCEPTIONS } from './canonical.js';
