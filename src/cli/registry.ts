// Registry flags shared by every command that reads an image or talks to a registry:
// --insecure-registry HOST, --ca-cert FILE, --registry-mirror HOST, --username + --password-stdin.
// Credentials never appear in messages; the password is read from stdin only.
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { PortcullisError } from '../core/errors.js';
import type { RegistryOptions } from '../source/registry/resolve.js';
import type { CliIo } from './io.js';

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

export function addRegistryOptions(cmd: Command): Command {
  return cmd
    .option('--insecure-registry <host>', 'allow plain HTTP (and unverified TLS) for this registry host (repeatable)', collect)
    .option('--ca-cert <file>', 'extra CA certificate (PEM) trusted for registries, besides the system CAs (repeatable)', collect)
    .option('--registry-mirror <host>', 'registry mirror tried before the registry itself, in order (repeatable)', collect)
    .option('--username <name>', 'registry username (with --password-stdin)')
    .option('--password-stdin', 'read the registry password from stdin')
    .option('--registry-timeout <ms>', 'idle timeout per registry request in milliseconds', '60000')
    .option('--registry-retries <n>', 'retries per registry request (429, 5xx, network errors)', '4');
}

async function readStdin(s: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of s as AsyncIterable<Buffer | string>) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c);
    n += b.length;
    if (n > 64 * 1024) throw new PortcullisError('BAD_INPUT', '--password-stdin: more than 64 KiB on stdin');
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function strings(v: unknown): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
}

function int(name: string, v: unknown, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new PortcullisError('BAD_INPUT', `--${name} must be an integer >= ${min}, got ${String(v)}`);
  return n;
}

/** The PEM text of each --ca-cert file (the registry client, with its HTTP(S) modules, loads only then). */
async function caCerts(files: string[]): Promise<string[]> {
  if (files.length === 0) return [];
  const { loadCaFile } = await import('../source/registry/http.js');
  return files.map(loadCaFile);
}

/** RegistryOptions from the parsed flags (reads stdin for --password-stdin). */
export async function registryOptions(opts: Record<string, unknown>, io: CliIo, log?: (m: string) => void): Promise<Omit<RegistryOptions, 'platform' | 'signal'>> {
  const out: Omit<RegistryOptions, 'platform' | 'signal'> = {
    env: io.env,
    insecure: strings(opts.insecureRegistry),
    caCerts: await caCerts(strings(opts.caCert)),
    mirrors: strings(opts.registryMirror),
    idleTimeoutMs: int('registry-timeout', opts.registryTimeout ?? 60000, 1),
    retries: int('registry-retries', opts.registryRetries ?? 4, 0),
  };
  if (log) out.log = log;
  if (opts.passwordStdin === true) {
    if (opts.username === undefined) throw new PortcullisError('BAD_INPUT', '--password-stdin needs --username');
    const pw = await readStdin(io.stdin ?? process.stdin);
    if (pw === '') throw new PortcullisError('BAD_INPUT', '--password-stdin: stdin was empty');
    out.password = pw;
  }
  if (opts.username !== undefined) {
    if (opts.passwordStdin !== true) throw new PortcullisError('BAD_INPUT', '--username needs --password-stdin (a password is never taken on the command line)');
    out.username = String(opts.username);
  }
  return out;
}
