// Test support: a small in-process registry on 127.0.0.1 serving an OCI build (testkit.ociImage),
// with hooks to inject the faults a real registry or network produces: 429s, hangs, cut-short blobs,
// wrong digests, redirects to another host, auth challenges. The real registry is tested in
// distribution.test.ts; this one makes the failure modes deterministic.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Exchange {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

export type Hook = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => boolean | void;

export interface FakeRegistry {
  host: string;
  port: number;
  seen: Exchange[];
  /** a hook runs first; returning true means it answered */
  hooks: Hook[];
  blobs: Map<string, Buffer>;
  manifests: Map<string, { body: Buffer; mediaType: string }>;
  /** set `Docker-Content-Digest` to this instead of the true digest */
  lieDigest?: string;
  close(): Promise<void>;
}

export async function startFake(files: Record<string, Buffer>, tags: Record<string, { digest: string; mediaType: string }>): Promise<FakeRegistry> {
  const blobs = new Map<string, Buffer>();
  for (const [name, content] of Object.entries(files)) {
    const m = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(name);
    if (m) blobs.set(`sha256:${m[1]}`, content);
  }
  const manifests = new Map<string, { body: Buffer; mediaType: string }>();
  for (const [tag, t] of Object.entries(tags)) {
    const body = blobs.get(t.digest)!;
    manifests.set(tag, { body, mediaType: t.mediaType });
    manifests.set(t.digest, { body, mediaType: t.mediaType });
  }
  const fake = { seen: [] as Exchange[], hooks: [] as Hook[], blobs, manifests } as FakeRegistry;
  let count = 0;
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    fake.seen.push({ method: req.method ?? 'GET', path, headers: req.headers });
    count++;
    for (const h of fake.hooks) if (h(req, res, count)) return;
    if (path === '/v2/' || path === '/v2') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
    if (!m) return void res.writeHead(404).end();
    if (m[2] === 'manifests') {
      const mf = manifests.get(m[3]!);
      if (!mf) return void res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
      const digest = fake.lieDigest ?? `sha256:${createHash('sha256').update(mf.body).digest('hex')}`;
      res.writeHead(200, { 'Content-Type': mf.mediaType, 'Docker-Content-Digest': digest, 'Content-Length': mf.body.length });
      return void res.end(req.method === 'HEAD' ? undefined : mf.body);
    }
    const blob = blobs.get(m[3]!);
    if (!blob) return void res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}');
    const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
    if (range) {
      const start = Number(range[1]);
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${blob.length - 1}/${blob.length}`, 'Content-Length': blob.length - start });
      return void res.end(blob.subarray(start));
    }
    res.writeHead(200, { 'Content-Length': blob.length, 'Content-Type': 'application/octet-stream' });
    res.end(blob);
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.port = (server.address() as AddressInfo).port;
  fake.host = `127.0.0.1:${fake.port}`;
  fake.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  };
  return fake;
}
