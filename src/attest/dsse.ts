// DSSE envelopes (https://github.com/secure-systems-lab/dsse/blob/master/envelope.md) carrying in-toto
// statements (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md) whose predicate is a
// Portcullis decision record. Signatures: ECDSA P-256 over SHA-256 of the PAE, ASN.1 DER (as cosign).
import { sign, verify, type KeyObject } from 'node:crypto';
import { PortcullisError } from '../core/errors.js';
import { keyIdOf, publicOf, type PublicKey } from './keys.js';

export const INTOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const DECISION_PREDICATE = 'https://portcullis.dev/attestations/decision/v1';
export const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
const MAX_ENVELOPE = 4 * 1024 * 1024;

export interface Envelope {
  payloadType: string;
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

export interface Statement {
  _type: string;
  subject: { name: string; digest: Record<string, string> }[];
  predicateType: string;
  predicate: unknown;
}

/** Pre-authentication encoding: "DSSEv1" SP len(type) SP type SP len(body) SP body. */
export function pae(type: string, body: Buffer): Buffer {
  const t = Buffer.from(type, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${t.length} `), t, Buffer.from(` ${body.length} `), body]);
}

/** The in-toto statement for a decision about `name@sha256:hex`. */
export function decisionStatement(name: string, digest: string, record: unknown): Statement {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw new PortcullisError('BAD_INPUT', `cannot sign a decision without an image digest (an SBOM scan has none): got ${digest || 'none'}`);
  return { _type: STATEMENT_TYPE, subject: [{ name, digest: { sha256: m[1]! } }], predicateType: DECISION_PREDICATE, predicate: record };
}

export function signStatement(st: Statement, key: KeyObject): Envelope {
  const body = Buffer.from(JSON.stringify(st), 'utf8');
  const sig = sign('sha256', pae(INTOTO_PAYLOAD_TYPE, body), key);
  return { payloadType: INTOTO_PAYLOAD_TYPE, payload: body.toString('base64'), signatures: [{ keyid: keyIdOf(publicOf(key)), sig: sig.toString('base64') }] };
}

/** Parse an envelope (JSON bytes from a file or a registry blob); throws BAD_INPUT with one line. */
export function parseEnvelope(bytes: Buffer, what: string): Envelope {
  if (bytes.length > MAX_ENVELOPE) throw new PortcullisError('BAD_INPUT', `${what}: larger than ${MAX_ENVELOPE} bytes`);
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new PortcullisError('BAD_INPUT', `${what}: not JSON`);
  }
  const e = v as Envelope;
  if (typeof e !== 'object' || e === null || typeof e.payloadType !== 'string' || typeof e.payload !== 'string' || !Array.isArray(e.signatures)
    || !e.signatures.every((s) => typeof s === 'object' && s !== null && typeof s.sig === 'string')) {
    throw new PortcullisError('BAD_INPUT', `${what}: not a DSSE envelope (payloadType, payload, signatures)`);
  }
  return e;
}

export interface Verified {
  statement: Statement;
  key: PublicKey;
}

/**
 * The statement, when one signature verifies with one of `keys` (over the PAE of the exact payload
 * bytes); otherwise why not. Nothing in the payload is read before the signature checks out.
 */
export function verifyEnvelope(env: Envelope, keys: readonly PublicKey[]): Verified | { error: string } {
  if (env.payloadType !== INTOTO_PAYLOAD_TYPE) return { error: `payloadType ${env.payloadType.slice(0, 80)} is not ${INTOTO_PAYLOAD_TYPE}` };
  const body = Buffer.from(env.payload, 'base64');
  const msg = pae(env.payloadType, body);
  for (const s of env.signatures) {
    const sig = Buffer.from(s.sig, 'base64');
    for (const k of keys) {
      let ok: boolean;
      try {
        ok = verify('sha256', msg, k.key, sig);
      } catch {
        ok = false;
      }
      if (!ok) continue;
      let st: Statement;
      try {
        st = JSON.parse(body.toString('utf8')) as Statement;
      } catch {
        return { error: 'signed payload is not JSON' };
      }
      if (typeof st !== 'object' || st === null || (st._type !== STATEMENT_TYPE && st._type !== 'https://in-toto.io/Statement/v0.1') || !Array.isArray(st.subject)) {
        return { error: 'signed payload is not an in-toto statement' };
      }
      return { statement: st, key: k };
    }
  }
  return { error: keys.length ? 'no signature verifies with a trusted key' : 'no trusted key' };
}

/** The decision record of a verified statement about exactly `digest`, or why not. */
export function decisionFor(st: Statement, digest: string): { record: unknown } | { error: string } {
  if (st.predicateType !== DECISION_PREDICATE) return { error: `predicateType ${String(st.predicateType).slice(0, 80)} is not a Portcullis decision` };
  const hex = digest.replace(/^sha256:/, '');
  if (!st.subject.some((s) => typeof s === 'object' && s !== null && s.digest?.sha256 === hex)) return { error: `the statement is about another digest, not ${digest}` };
  return { record: st.predicate };
}
