// The SPDX 2.3 JSON document model, written from the specification (clauses 6–11 of
// https://spdx.github.io/spdx-spec/v2.3/): the fields every document and package must have, their
// types and enumerations. The official JSON Schema is not distributed through any package registry
// this project can reach, so output is checked against this model (see README.md of this folder).
import { z } from 'zod';

const spdxId = z.string().regex(/^SPDXRef-[A-Za-z0-9.-]+$/, 'SPDXRef-[idstring] with letters, digits, "." and "-"');
const dateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'YYYY-MM-DDThh:mm:ssZ');
const licenseField = z.string().min(1);

export const PURPOSES = ['APPLICATION', 'FRAMEWORK', 'LIBRARY', 'CONTAINER', 'OPERATING-SYSTEM', 'DEVICE', 'FIRMWARE', 'SOURCE', 'ARCHIVE', 'FILE', 'INSTALL', 'OTHER'] as const;
export const REF_CATEGORIES = ['SECURITY', 'PACKAGE-MANAGER', 'PACKAGE_MANAGER', 'PERSISTENT-ID', 'PERSISTENT_ID', 'OTHER'] as const;

export const spdxPackage = z.object({
  SPDXID: spdxId,
  name: z.string().min(1),
  versionInfo: z.string().optional(),
  downloadLocation: z.string().min(1),
  filesAnalyzed: z.boolean().optional(),
  licenseConcluded: licenseField.optional(),
  licenseDeclared: licenseField.optional(),
  copyrightText: z.string().optional(),
  primaryPackagePurpose: z.enum(PURPOSES).optional(),
  externalRefs: z
    .array(z.object({ referenceCategory: z.enum(REF_CATEGORIES), referenceType: z.string().min(1), referenceLocator: z.string().min(1), comment: z.string().optional() }))
    .optional(),
  comment: z.string().optional(),
  sourceInfo: z.string().optional(),
  description: z.string().optional(),
  supplier: z.string().optional(),
  originator: z.string().optional(),
});

export const spdxDocument = z.object({
  spdxVersion: z.literal('SPDX-2.3'),
  dataLicense: z.literal('CC0-1.0'),
  SPDXID: z.literal('SPDXRef-DOCUMENT'),
  name: z.string().min(1),
  documentNamespace: z.string().url(),
  creationInfo: z.object({
    created: dateTime,
    creators: z.array(z.string().regex(/^(Tool|Organization|Person): .+/)).min(1),
    licenseListVersion: z.string().optional(),
    comment: z.string().optional(),
  }),
  packages: z.array(spdxPackage).optional(),
  relationships: z
    .array(z.object({ spdxElementId: z.string().min(1), relationshipType: z.string().regex(/^[A-Z_]+$/), relatedSpdxElement: z.string().min(1), comment: z.string().optional() }))
    .optional(),
  hasExtractedLicensingInfos: z
    .array(z.object({ licenseId: z.string().regex(/^LicenseRef-[A-Za-z0-9.-]+$/), extractedText: z.string(), name: z.string().optional() }))
    .optional(),
  documentDescribes: z.array(z.string()).optional(),
});

/** Checks beyond field shapes: unique SPDX ids, and relationships that point at elements that exist. */
export function spdxProblems(doc: z.infer<typeof spdxDocument>): string[] {
  const problems: string[] = [];
  const ids = new Set<string>(['SPDXRef-DOCUMENT']);
  for (const p of doc.packages ?? []) {
    if (ids.has(p.SPDXID)) problems.push(`duplicate SPDXID ${p.SPDXID}`);
    ids.add(p.SPDXID);
  }
  for (const r of doc.relationships ?? []) {
    for (const end of [r.spdxElementId, r.relatedSpdxElement]) {
      if (!ids.has(end) && !['NOASSERTION', 'NONE'].includes(end) && !end.startsWith('DocumentRef-')) problems.push(`relationship to unknown element ${end}`);
    }
  }
  return problems;
}
