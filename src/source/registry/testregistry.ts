// Test support: Debian's docker-registry (distribution 2.8) on 127.0.0.1 with its own config in a
// private temp dir, optionally with htpasswd basic auth, token auth (a token endpoint served here),
// TLS with a CA made here, or blob redirects to a second server; images pushed with skopeo.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createPrivateKey, createPublicKey, sign as signData } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, createReadStream, createWriteStream, existsSync } from 'node:fs';
import http from 'node:http';
import { request as httpsRequest } from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function haveTools(...tools: string[]): string[] {
  return tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

export interface RegistryHandle {
  host: string; // 127.0.0.1:PORT
  dir: string;
  caFile?: string;
  /** Authorization headers seen by the redirect target (must stay empty) */
  redirectAuth: string[];
  redirectHits: number;
  tokenRequests: number;
  stop(): Promise<void>;
}

export interface RegistryConfig {
  basic?: { username: string; password: string };
  token?: { username: string; password: string };
  tls?: boolean;
  redirect?: boolean;
}

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString('base64url');
}

/** A JWT the registry accepts: RS256, x5c = our self-signed cert (in its rootcertbundle). */
function jwt(keyPem: string, certPem: string, claims: Record<string, unknown>): string {
  const der = Buffer.from(certPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const header = { alg: 'RS256', typ: 'JWT', x5c: [der.toString('base64')] };
  const body = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const sig = signData('RSA-SHA256', Buffer.from(body), createPrivateKey(keyPem));
  return `${body}.${b64url(sig)}`;
}

async function waitUp(url: string, ca: string | undefined, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  const request = url.startsWith('https') ? httpsRequest : http.request;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`docker-registry exited: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const r = request(url, { ...(ca ? { ca } : {}), timeout: 1000 }, (res: http.IncomingMessage) => {
        res.resume();
        resolve(true);
      });
      r.on('error', () => resolve(false));
      r.on('timeout', () => r.destroy());
      r.end();
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not come up: ${log()}`);
}

export async function startRegistry(cfg: RegistryConfig = {}): Promise<RegistryHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const servers: http.Server[] = [];
  const handle: RegistryHandle = { host, dir, redirectAuth: [], redirectHits: 0, tokenRequests: 0, stop: async () => undefined };
  let auth = '';
  let tls = '';
  let middleware = '';
  if (cfg.basic) {
    const r = await run('htpasswd', ['-Bbn', cfg.basic.username, cfg.basic.password]);
    writeFileSync(join(dir, 'htpasswd'), r.stdout);
    auth = `auth:\n  htpasswd:\n    realm: portcullis-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  if (cfg.tls || cfg.token) {
    // a CA whose certificate also serves TLS for 127.0.0.1 and signs tokens (test only)
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=portcullis-test-ca',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-addext', 'basicConstraints=critical,CA:TRUE',
      '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt')]);
    handle.caFile = join(dir, 'ca.crt');
  }
  if (cfg.tls) tls = `  tls:\n    certificate: ${join(dir, 'ca.crt')}\n    key: ${join(dir, 'ca.key')}\n`;
  if (cfg.token) {
    const key = readFileSync(join(dir, 'ca.key'), 'utf8');
    const cert = readFileSync(join(dir, 'ca.crt'), 'utf8');
    createPublicKey(key);
    const tokenServer = http.createServer((req, res) => {
      handle.tokenRequests++;
      const u = new URL(req.url ?? '/', 'http://x');
      const want = `Basic ${Buffer.from(`${cfg.token!.username}:${cfg.token!.password}`).toString('base64')}`;
      if (req.headers.authorization !== want) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"details":"bad credentials"}');
        return;
      }
      const access = (u.searchParams.getAll('scope')).map((s) => {
        const [type, name, actions] = s.split(':');
        return { type, name, actions: (actions ?? '').split(',') };
      });
      const now = Math.floor(Date.now() / 1000);
      const token = jwt(key, cert, { iss: 'portcullis-test', sub: cfg.token!.username, aud: 'portcullis-registry', exp: now + 600, nbf: now - 10, iat: now, jti: String(Math.random()), access });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token }));
    });
    servers.push(tokenServer);
    const tp = await listen(tokenServer);
    auth = `auth:\n  token:\n    realm: http://127.0.0.1:${tp}/token\n    service: portcullis-registry\n    issuer: portcullis-test\n    rootcertbundle: ${join(dir, 'ca.crt')}\n`;
  }
  if (cfg.redirect) {
    // the "storage" host: serves blob files out of the registry's own directory, records credentials
    const store = http.createServer((req, res) => {
      handle.redirectHits++;
      if (req.headers.authorization) handle.redirectAuth.push(req.headers.authorization);
      const p = join(dir, 'data', decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
      if (!p.startsWith(join(dir, 'data')) || !existsSync(p)) return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      createReadStream(p).pipe(res);
    });
    servers.push(store);
    const sp = await listen(store);
    middleware = `middleware:\n  storage:\n    - name: redirect\n      options:\n        baseurl: http://localhost:${sp}/\n`;
  }
  const config = `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\n  redirect:\n    disable: ${cfg.redirect ? 'false' : 'true'}\nhttp:\n  addr: ${host}\n  secret: portcullis-test-secret\n${tls}${auth}${middleware}`;
  writeFileSync(join(dir, 'config.yml'), config);
  let out = '';
  const proc = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-4000)));
  proc.stderr!.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-4000)));
  await waitUp(`${cfg.tls ? 'https' : 'http'}://${host}/v2/`, handle.caFile ? readFileSync(handle.caFile, 'utf8') : undefined, proc, () => out).catch((e) => {
    proc.kill('SIGKILL');
    throw e;
  });
  handle.stop = async () => {
    if (proc.exitCode === null) {
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await gone;
    }
    for (const s of servers) await new Promise((r) => s.close(r));
    rmSync(dir, { recursive: true, force: true });
  };
  return handle;
}

/** skopeo copy SRC → docker://HOST/REPO (TLS verification off: loopback test registry). */
export async function push(src: string, reg: RegistryHandle, repo: string, creds?: { username: string; password: string }, extra: string[] = []): Promise<void> {
  // skopeo 1.9 reads no gzip-compressed docker-archive: decompress it into the registry's temp dir
  const m = /^docker-archive:(.*\.gz)$/.exec(src);
  if (m) {
    const plain = join(reg.dir, `${basename(m[1]!, '.gz')}`);
    if (!existsSync(plain)) await pipeline(createReadStream(m[1]!), createGunzip(), createWriteStream(plain));
    src = `docker-archive:${plain}`;
  }
  const args = ['copy', '--quiet', '--dest-tls-verify=false', ...extra];
  if (creds) args.push('--dest-creds', `${creds.username}:${creds.password}`);
  args.push(src, `docker://${reg.host}/${repo}`);
  await run('skopeo', args, { env: { ...process.env, REGISTRY_AUTH_FILE: join(reg.dir, 'skopeo-auth.json') }, maxBuffer: 16 * 1024 * 1024 });
}
