// Local engines: `docker-daemon:NAME[:TAG]` and `podman:NAME[:TAG]` read the image through the Docker
// Engine API (`GET /images/{name}/get`, which podman's `system service` serves too) over a unix socket.
// The answer is a `docker save` archive: it is streamed into a private temp file (mode 0600; a tar
// must be indexed for random access) and read by the same reader as `docker-archive:`, so every
// config and diff_id digest is verified the same way. close() removes the temp dir.
// https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Image/operation/ImageGet
import { createWriteStream, existsSync, promises as fsp } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ImageRef, ResolvedImage } from '../../core/types.js';
import { PortcullisError } from '../../core/errors.js';
import { resolveDockerArchive } from '../docker.js';
import { TarArchive } from '../store.js';

export interface DaemonOptions {
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** no response headers or body bytes for this long fails the read (default 120 s) */
  idleTimeoutMs?: number;
  /** refuse archives larger than this (default 64 GiB) */
  maxBytes?: number;
}

/** The engine socket: DOCKER_HOST (docker) or CONTAINER_HOST, the rootless and the root podman socket. */
export function engineSocket(kind: 'docker-daemon' | 'podman', env: NodeJS.ProcessEnv = process.env): string {
  const fromUrl = (v: string, name: string): string => {
    if (!v.startsWith('unix://')) throw new PortcullisError('BAD_INPUT', `${name}=${v}: only unix:// sockets are supported for ${kind}: (a TCP engine would send the image unauthenticated)`);
    return v.slice('unix://'.length);
  };
  if (kind === 'docker-daemon') return env.DOCKER_HOST ? fromUrl(env.DOCKER_HOST, 'DOCKER_HOST') : '/var/run/docker.sock';
  if (env.CONTAINER_HOST) return fromUrl(env.CONTAINER_HOST, 'CONTAINER_HOST');
  const candidates = [env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock') : undefined, '/run/podman/podman.sock'].filter((x): x is string => !!x);
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

/** Engine API name of an image: `NAME[:TAG]` or `NAME@sha256:…`, or an image id. */
export function engineName(ref: ImageRef): string {
  const body = ref.input.replace(/^(docker-daemon|podman):/, '');
  if (!body || /\s/.test(body) || body.includes(String.fromCharCode(0)) || body.length > 512) throw new PortcullisError('BAD_INPUT', `${ref.input}: not a valid image name`);
  return body;
}

function engineGet(socket: string, path: string, opts: DaemonOptions): Promise<http.IncomingMessage> {
  const idle = opts.idleTimeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, path, method: 'GET', headers: { Host: 'docker' }, timeout: idle, ...(opts.signal ? { signal: opts.signal } : {}) }, (res) => {
      res.socket.setTimeout(idle);
      res.socket.once('timeout', () => res.destroy(new Error(`no data for ${idle} ms`)));
      resolve(res);
    });
    req.on('timeout', () => req.destroy(new Error(`no response for ${idle} ms`)));
    req.on('error', reject);
    req.end();
  });
}

async function errorText(res: http.IncomingMessage): Promise<string> {
  let s = '';
  for await (const c of res as AsyncIterable<Buffer>) {
    s += c.toString('utf8');
    if (s.length > 4096) break;
  }
  try {
    const j = JSON.parse(s) as { message?: unknown };
    if (typeof j.message === 'string') return j.message;
  } catch {
    // not JSON
  }
  return s.trim().split('\n')[0]?.slice(0, 200) ?? '';
}

export async function resolveDaemon(ref: ImageRef, opts: DaemonOptions = {}): Promise<ResolvedImage> {
  const kind = ref.transport === 'podman' ? 'podman' : 'docker-daemon';
  const socket = engineSocket(kind, opts.env);
  const name = engineName(ref);
  const what = `${kind}:${name}`;
  let res: http.IncomingMessage;
  try {
    res = await engineGet(socket, `/v1.41/images/${encodeURIComponent(name)}/get`, opts);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' || code === 'ECONNREFUSED' ? ` (is the ${kind === 'podman' ? 'podman service running? podman system service' : 'Docker daemon running'}?)` : '';
    throw new PortcullisError('NETWORK', `${what}: cannot reach the engine at ${socket}: ${code ?? (e as Error).message}${hint}`, { cause: e, subject: what });
  }
  if (res.statusCode !== 200) {
    const msg = await errorText(res).catch(() => '');
    const code = res.statusCode === 404 ? 'NOT_FOUND' : 'IMAGE_UNREADABLE';
    throw new PortcullisError(code, `${what}: the engine answered HTTP ${res.statusCode}${msg ? `: ${msg}` : ''}`, { subject: what });
  }
  const dir = await fsp.mkdtemp(join(tmpdir(), 'portcullis-daemon-'));
  const file = join(dir, 'image.tar');
  const max = opts.maxBytes ?? 64 * 1024 ** 3;
  let n = 0;
  const limit = new Transform({
    transform(c: Buffer, _e, cb) {
      n += c.length;
      if (n > max) cb(new PortcullisError('LIMIT_EXCEEDED', `${what}: the image archive is larger than ${max} bytes`));
      else cb(null, c);
    },
  });
  let store: TarArchive | undefined;
  try {
    await pipeline(res, limit, createWriteStream(file, { mode: 0o600, flags: 'wx' }));
    store = await TarArchive.open(file, opts.signal ? { signal: opts.signal } : {});
    const img = await resolveDockerArchive({ ...ref, path: file }, store);
    const close = img.close.bind(img);
    // a digest typed with the name cannot be checked against a docker save archive: not kept
    img.ref = { ...ref };
    delete img.ref.digest;
    img.close = async () => {
      await close();
      await fsp.rm(dir, { recursive: true, force: true });
    };
    return img;
  } catch (e) {
    await store?.close();
    await fsp.rm(dir, { recursive: true, force: true });
    if (e instanceof PortcullisError) throw e;
    throw new PortcullisError('IMAGE_UNREADABLE', `${what}: reading the image from the engine failed: ${(e as Error).message}`, { cause: e, subject: what });
  }
}
