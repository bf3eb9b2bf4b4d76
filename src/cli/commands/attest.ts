// portcullis keys generate · portcullis attest IMAGE --decision FILE · portcullis verify IMAGE --key PUB
// Signed decisions: CI signs its verdict (scan --sign-key), attaches it to the image in the registry,
// and anyone holding the public key (the admission webhook, a deploy script) checks it.
import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { PortcullisError } from '../../core/errors.js';
import { readUserFileSync } from '../../core/userfile.js';
import { generateKeys, keyPassword, loadPrivateKey, loadPublicKey, publicOf } from '../../attest/keys.js';
import { decisionFor, parseEnvelope, verifyEnvelope, type Statement } from '../../attest/dsse.js';
import { attach, attachSignature, verifiedDecisions } from '../../attest/registry.js';
import { DigestResolver, parseImage } from '../../admission/resolve.js';
import { refusal } from '../../admission/judge.js';
import type { DecisionRecord } from '../../policy/record.js';
import { parsePlatform } from '../../source/ref.js';
import { makeClient } from '../../source/registry/resolve.js';
import { splitRepository } from '../../source/ref.js';
import { addRegistryOptions, registryOptions } from '../registry.js';
import type { CliIo } from '../io.js';
import { collect, resolvedOptions } from './common.js';

export function registerKeysCommands(program: Command, io: CliIo): void {
  const keys = program.command('keys');
  keys
    .command('generate')
    .description('generate an ECDSA P-256 key pair for signing decisions: PREFIX.key (mode 0600: encrypted in cosign\'s format with $PORTCULLIS_KEY_PASSWORD or $COSIGN_PASSWORD when set, so `cosign sign --key` reads it; else PEM PKCS#8) and PREFIX.pub (PEM, as cosign.pub)')
    .option('--output-prefix <prefix>', 'where to write PREFIX.key and PREFIX.pub', 'portcullis')
    .action(async (_o: unknown, c: Command) => {
      const { opts } = await resolvedOptions(c, io);
      const prefix = String(opts.outputPrefix);
      for (const f of [`${prefix}.key`, `${prefix}.pub`]) if (existsSync(f)) throw new PortcullisError('BAD_INPUT', `${f} exists: refusing to overwrite a key (remove it or choose --output-prefix)`);
      const password = keyPassword(io.env);
      const k = generateKeys(password || undefined);
      writeFileSync(`${prefix}.key`, k.privatePem, { mode: 0o600, flag: 'wx' });
      writeFileSync(`${prefix}.pub`, k.publicPem, { mode: 0o644, flag: 'wx' });
      io.stderr.write(`portcullis: wrote ${prefix}.key (${password ? 'encrypted' : 'NOT encrypted: set PORTCULLIS_KEY_PASSWORD or COSIGN_PASSWORD to encrypt it'}) and ${prefix}.pub (key id ${k.keyId.slice(0, 16)})\n`);
    });
}

function readEnvelopeFile(file: string): { envelope: ReturnType<typeof parseEnvelope>; statement: Statement } {
  const envelope = parseEnvelope(readUserFileSync(file, 4 * 1024 * 1024, '--decision'), file);
  let statement: Statement;
  try {
    statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as Statement;
  } catch {
    throw new PortcullisError('BAD_INPUT', `${file}: the envelope's payload is not JSON`);
  }
  return { envelope, statement };
}

export function registerAttestCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('attest')
    .argument('<image>', 'the image in its registry (registry.example.com/shop/api:1.2 or …@sha256:…)')
    .description('attach a signed decision (scan --sign-key --decision FILE) to the image in its registry: OCI 1.1 referrers, or cosign\'s sha256-<hex>.att tag where the registry has no referrers API')
    .option('--decision <file>', 'the DSSE envelope written by `scan --sign-key KEY --decision FILE`')
    .option('--sign-key <file>', 'also sign the image itself in the sigstore format Podman, CRI-O and skopeo verify (policy.json sigstoreSigned), when the decision passed')
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform image (default linux/amd64)');
  addRegistryOptions(cmd);
  cmd.action(async (image: string, _o: unknown, c: Command) => {
    const { opts } = await resolvedOptions(c, io);
    if (opts.decision === undefined) throw new PortcullisError('BAD_INPUT', 'attest needs --decision FILE (the signed decision from scan --sign-key)');
    const { envelope, statement } = readEnvelopeFile(String(opts.decision));
    const reg = await registryOptions(opts, io);
    const img = parseImage(image);
    // the digest we attach to is the one we compute from the registry, never the statement's claim
    const digest = await new DigestResolver({ registry: reg, clock: io.clock, tagTtlMs: 0, platform: opts.platform ? parsePlatform(String(opts.platform)) : undefined }).resolve(img);
    const d = decisionFor(statement, digest);
    if ('error' in d) throw new PortcullisError('BAD_INPUT', `${String(opts.decision)}: ${d.error} (${image} is ${digest})`);
    const r = await attach(img.name, digest, envelope, reg);
    io.stderr.write(`portcullis: attached the signed decision to ${img.name}@${digest} (${r.via === 'referrers' ? 'OCI referrers' : `tag ${r.reference}`})\n`);
    if (opts.signKey !== undefined) {
      const key = loadPrivateKey(readUserFileSync(String(opts.signKey), 64 * 1024, '--sign-key').toString('utf8'), String(opts.signKey), keyPassword(io.env));
      const verified = verifyEnvelope(envelope, [{ key: publicOf(key), keyId: '', source: String(opts.signKey) }]);
      if ('error' in verified) throw new PortcullisError('BAD_INPUT', `${String(opts.decision)}: not signed by --sign-key ${String(opts.signKey)}: the image is signed only with the key that signed its decision`);
      const verdict = (d.record as DecisionRecord | undefined)?.verdict;
      if (verdict !== 'pass') throw new PortcullisError('BAD_INPUT', `${String(opts.decision)}: the decision is ${String(verdict)}: only images that passed are signed`);
      const where = await attachSignature(img.name, digest, img.tag !== undefined ? `${img.name}:${img.tag}` : img.name, key, reg);
      io.stderr.write(`portcullis: signed ${img.name}@${digest} for Podman/CRI-O (sigstore signature at ${where})\n`);
    }
  });
}

export function registerVerifyCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('verify')
    .argument('<image>', 'the image in its registry')
    .description('check the signed decisions attached to an image: exit 0 when one, signed by --key, passes for its exact digest and has not expired')
    .option('--key <file>', 'trusted public key (PEM; repeatable)', collect)
    .option('--pipeline <name>', 'only decisions for this pipeline')
    .option('--policy-digest <digest>', 'only decisions under this policy digest (repeatable)', collect)
    .option('--max-decision-age <hours>', 'a decision older than this is expired whatever its validUntil', '168')
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform image (default linux/amd64)')
    .option('--format <format>', 'table or json', 'table');
  addRegistryOptions(cmd);
  cmd.action(async (image: string, _o: unknown, c: Command) => {
    const { opts } = await resolvedOptions(c, io);
    const keyFiles = (opts.key as string[] | undefined) ?? [];
    if (keyFiles.length === 0) throw new PortcullisError('BAD_INPUT', 'verify needs --key PUB (the public key of `keys generate`, or a cosign.pub)');
    const keys = keyFiles.map((f) => loadPublicKey(readUserFileSync(f, 64 * 1024, '--key').toString('utf8'), f));
    const reg = await registryOptions(opts, io);
    const img = parseImage(image);
    const digest = await new DigestResolver({ registry: reg, clock: io.clock, tagTtlMs: 0, platform: opts.platform ? parsePlatform(String(opts.platform)) : undefined }).resolve(img);
    const { domain, path } = splitRepository(img.name);
    const { via, found, rejected } = await verifiedDecisions(makeClient(domain, reg), path, digest, keys);
    const now = io.clock.now();
    const maxAge = Number(opts.maxDecisionAge);
    if (!(maxAge > 0)) throw new PortcullisError('BAD_INPUT', `--max-decision-age: expected a positive number of hours, got ${String(opts.maxDecisionAge)}`);
    const policyDigests = opts.policyDigest as string[] | undefined;
    const rows = found.map((f) => {
      const r = f.record as DecisionRecord;
      const pipeline = (opts.pipeline as string | undefined) ?? (typeof r?.pipeline === 'string' ? r.pipeline : '');
      const why = refusal(f.record, digest, pipeline, now, maxAge, policyDigests);
      return { key: f.key, pipeline: r?.pipeline, verdict: r?.verdict, evaluatedAt: r?.evaluatedAt, validUntil: r?.validUntil, policyDigest: r?.policies?.digest, valid: why === undefined && r.verdict === 'pass', why: why ?? (r.verdict === 'pass' ? undefined : `verdict ${r.verdict}`) };
    });
    const ok = rows.some((r) => r.valid);
    if (String(opts.format) === 'json') io.stdout.write(JSON.stringify({ image: `${img.name}@${digest}`, via, verified: ok, decisions: rows, rejected }, null, 2) + '\n');
    else {
      io.stdout.write(`${img.name}@${digest}: ${ok ? 'VERIFIED' : 'NOT VERIFIED'} (${found.length} signed decision(s) found via ${via})\n`);
      for (const r of rows) io.stdout.write(`  ${r.valid ? 'ok  ' : 'no  '} pipeline ${r.pipeline} verdict ${r.verdict} at ${r.evaluatedAt}${r.validUntil ? ` valid until ${r.validUntil}` : ''} key ${r.key}${r.why ? `: ${r.why}` : ''}\n`);
      for (const x of rejected) io.stdout.write(`  no   ${x}\n`);
    }
    if (!ok) process.exitCode = 1;
  });
}
