// VEX documents (OpenVEX 0.2, CycloneDX 1.4–1.6 VEX, CSAF 2.0 VEX profile) read into one shape.
// What a statement means for a finding is decided in src/policy/vex.ts (trust, image and package matching).

export const VEX_STATUSES = ['not_affected', 'affected', 'fixed', 'under_investigation'] as const;
export type VexStatus = (typeof VEX_STATUSES)[number];
export type VexFormat = 'openvex' | 'cyclonedx' | 'csaf';

/** A product or subcomponent as a document identifies it: a purl, an image reference, hashes. */
export interface VexProduct {
  /** the document's own identifier (@id, bom-ref, product_id), for messages */
  id: string;
  purl?: string;
  /** `sha256:<hex>` digests the document gives for it (OpenVEX hashes, CSAF file hashes) */
  digests: string[];
}

export interface VexStatement {
  vulnerability: string;
  aliases: string[];
  /** what the statement is about: an image, or a package itself */
  products: VexProduct[];
  /** packages inside the products the statement is about; empty: the statement is about the products themselves */
  subcomponents: VexProduct[];
  status: VexStatus;
  justification?: string;
  impact?: string;
  action?: string;
  /** statement time, else the document's: the latest statement about a vulnerability and product wins */
  timestamp?: string;
}

export interface VexDocument {
  format: VexFormat;
  /** @id, serialNumber/version, or tracking.id */
  id: string;
  /** who says so, as the document names its author or publisher */
  author: string;
  /** every name the policy's `vex.trust` patterns are matched against (author, publisher namespace, emails) */
  identities: string[];
  timestamp?: string;
  /** file it was read from */
  source: string;
  statements: VexStatement[];
  /** statements skipped while reading, and why (invalid per the format's rules) */
  notices: string[];
}

/** Bounds for hostile documents: a VEX file is read whole, so everything in it is capped. */
export const VEX_LIMITS = {
  fileBytes: 16 * 1024 * 1024,
  statements: 100_000,
  productsPerStatement: 10_000,
  /** CSAF product trees nest branches; deeper than this is refused */
  depth: 32,
  stringLength: 8192,
};
