// Where registry credentials come from, first match wins:
//   1. --username + --password-stdin, then PORTCULLIS_REGISTRY_USERNAME/PASSWORD — for the image's
//      own registry host only (never for a mirror or another host);
//   2. docker config: $DOCKER_CONFIG/config.json or ~/.docker/config.json — credHelpers[host],
//      then credsStore, then auths[host] (`auth` base64 user:pass, or `identitytoken`);
//   3. podman/containers auth.json: $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json,
//      ~/.config/containers/auth.json (same `auths` shape).
// Credential helpers are `docker-credential-NAME get` executables (server URL on stdin, JSON out).
// https://github.com/docker/docker-credential-helpers#development
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PortcullisError } from '../../core/errors.js';
import type { Credential } from './auth.js';

export interface CredentialOptions {
  env?: NodeJS.ProcessEnv;
  /** the image's registry host, to which explicit and environment credentials apply */
  primaryHost?: string;
  explicit?: { username: string; password: string };
  helperTimeoutMs?: number;
}

export type CredentialLookup = (host: string) => Promise<Credential | undefined>;

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}
interface AuthFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

const HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

/** Keys under which a host may be stored in `auths` (docker writes URLs, podman plain hosts). */
function keysFor(host: string): string[] {
  if (host === 'docker.io' || host === 'registry-1.docker.io' || host === 'index.docker.io') return HUB_KEYS;
  return [host, `https://${host}`, `http://${host}`, `https://${host}/v1/`, `https://${host}/v2/`];
}

function readAuthFile(path: string): AuthFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as AuthFile) : undefined;
  } catch {
    // never echo the file: it holds secrets
    throw new PortcullisError('BAD_INPUT', `${path}: not valid JSON (registry credentials file)`);
  }
}

function fromEntry(e: AuthEntry | undefined, where: string): Credential | undefined {
  if (!e || typeof e !== 'object') return undefined;
  if (typeof e.identitytoken === 'string' && e.identitytoken) return { identityToken: e.identitytoken };
  if (typeof e.auth === 'string' && e.auth) {
    const dec = Buffer.from(e.auth, 'base64').toString('utf8');
    const i = dec.indexOf(':');
    if (i <= 0) throw new PortcullisError('BAD_INPUT', `${where}: an "auth" entry is not base64 of user:password`);
    return { username: dec.slice(0, i), password: dec.slice(i + 1) };
  }
  if (typeof e.username === 'string' && typeof e.password === 'string') return { username: e.username, password: e.password };
  return undefined;
}

/** Runs `docker-credential-NAME get` with the server on stdin. */
export function runHelper(name: string, server: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Credential | undefined> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return Promise.reject(new PortcullisError('BAD_INPUT', `credential helper name ${JSON.stringify(name)} is not valid`));
  const exe = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = spawn(exe, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    const out: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.resume();
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(new PortcullisError('BAD_INPUT', `credential helper ${exe}: ${e.code === 'ENOENT' ? 'not found on PATH' : e.message}`, { cause: e })),
    );
    child.on('close', (code, sig) => {
      const text = Buffer.concat(out).toString('utf8');
      if (code !== 0) {
        // "credentials not found in native keychain" means: none for this server
        if (/not found/i.test(text)) return resolve(undefined);
        return reject(new PortcullisError('BAD_INPUT', `credential helper ${exe} failed for ${server} (${sig ? `killed by ${sig}` : `exit ${code}`})`));
      }
      try {
        const v = JSON.parse(text) as { Username?: unknown; Secret?: unknown };
        if (typeof v.Secret !== 'string' || typeof v.Username !== 'string') throw new Error('no Username/Secret');
        resolve(v.Username === '<token>' ? { identityToken: v.Secret } : { username: v.Username, password: v.Secret });
      } catch {
        reject(new PortcullisError('BAD_INPUT', `credential helper ${exe} gave no valid JSON {Username, Secret} for ${server}`));
      }
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(server);
  });
}

function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  return join(env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker'), 'config.json');
}

function podmanAuthPaths(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  if (env.REGISTRY_AUTH_FILE) out.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) out.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  out.push(join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'containers', 'auth.json'));
  return out;
}

/** A lookup of credentials per registry host (results cached for the run). */
export function credentialLookup(opts: CredentialOptions = {}): CredentialLookup {
  const env = opts.env ?? process.env;
  const cache = new Map<string, Promise<Credential | undefined>>();
  const envUser = env.PORTCULLIS_REGISTRY_USERNAME;
  const envPass = env.PORTCULLIS_REGISTRY_PASSWORD;
  if ((envUser === undefined) !== (envPass === undefined)) {
    throw new PortcullisError('BAD_INPUT', 'PORTCULLIS_REGISTRY_USERNAME and PORTCULLIS_REGISTRY_PASSWORD must be set together');
  }
  const find = async (host: string): Promise<Credential | undefined> => {
    if (opts.primaryHost === host) {
      if (opts.explicit) return opts.explicit;
      if (envUser !== undefined && envPass !== undefined) return { username: envUser, password: envPass };
    }
    const keys = keysFor(host);
    const dockerPath = dockerConfigPath(env);
    const docker = readAuthFile(dockerPath);
    if (docker) {
      const helper = keys.map((k) => docker.credHelpers?.[k]).find((h) => typeof h === 'string');
      const timeout = opts.helperTimeoutMs ?? 30_000;
      if (helper) return runHelper(helper, keys[0] === HUB_KEYS[0] ? HUB_KEYS[0]! : host, env, timeout);
      for (const k of keys) {
        const c = fromEntry(docker.auths?.[k], dockerPath);
        if (c) return c;
      }
      if (typeof docker.credsStore === 'string' && docker.credsStore) {
        const c = await runHelper(docker.credsStore, keys[0] === HUB_KEYS[0] ? HUB_KEYS[0]! : host, env, timeout);
        if (c) return c;
      }
    }
    for (const p of podmanAuthPaths(env)) {
      const f = readAuthFile(p);
      for (const k of keys) {
        const c = fromEntry(f?.auths?.[k], p);
        if (c) return c;
      }
    }
    return undefined;
  };
  return (host) => {
    let p = cache.get(host);
    if (!p) {
      p = find(host);
      cache.set(host, p);
    }
    return p;
  };
}
