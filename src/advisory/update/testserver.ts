// Test helper: a real HTTP server on 127.0.0.1 serving files from directories and in-memory
// routes, with optional throttling (for kill/concurrency tests) and scripted failures.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, sep } from 'node:path';

export interface TestServer {
  url: string;
  hits: Map<string, number>;
  /** per path, how many throttle pauses (of `throttle.ms` each) a body was sent with: the minimum time it took, by construction */
  pauses: Map<string, number>;
  /** bytes per tick for bodies (0 = unthrottled) */
  throttle: { bytes: number; ms: number };
  /** status codes to answer (in order) before serving a path normally */
  failures: Map<string, number[]>;
  /** paths that never answer */
  hang: Set<string>;
  routes: Map<string, Buffer | string>;
  close(): Promise<void>;
}

export async function startServer(mounts: Record<string, string>): Promise<TestServer> {
  const state = {
    hits: new Map<string, number>(),
    pauses: new Map<string, number>(),
    throttle: { bytes: 0, ms: 0 },
    failures: new Map<string, number[]>(),
    hang: new Set<string>(),
    routes: new Map<string, Buffer | string>(),
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      state.hits.set(path, (state.hits.get(path) ?? 0) + 1);
      if (state.hang.has(path)) return; // never answer
      const fail = state.failures.get(path);
      if (fail && fail.length > 0) {
        res.writeHead(fail.shift() as number);
        res.end('scripted failure');
        return;
      }
      let body: Buffer | undefined;
      const route = state.routes.get(path);
      if (route !== undefined) body = Buffer.from(route);
      let file: string | undefined;
      if (!body) {
        for (const [prefix, dir] of Object.entries(mounts)) {
          if (!path.startsWith(prefix)) continue;
          const rel = normalize(path.slice(prefix.length)).replace(/^([/\\])+/, '');
          if (rel.split(sep).includes('..')) break;
          const p = join(dir, rel);
          const st = await stat(p).catch(() => undefined);
          if (st?.isFile()) file = p;
          break;
        }
      }
      if (!body && !file) {
        res.writeHead(404);
        res.end('not found');
        return;
      }
      const size = body ? body.length : (await stat(file as string)).size;
      res.writeHead(200, { 'content-length': String(size), 'content-type': 'application/octet-stream' });
      if (body && state.throttle.bytes === 0) return res.end(body);
      if (!body) {
        if (state.throttle.bytes === 0) return createReadStream(file as string).pipe(res);
        const { readFile } = await import('node:fs/promises');
        body = await readFile(file as string);
      }
      const data = body;
      let off = 0;
      const tick = (): void => {
        if (res.destroyed) return;
        const chunk = data.subarray(off, off + state.throttle.bytes);
        off += chunk.length;
        if (off >= data.length) res.end(chunk);
        else
          res.write(chunk, () => {
            state.pauses.set(path, (state.pauses.get(path) ?? 0) + 1);
            setTimeout(tick, state.throttle.ms);
          });
      };
      tick();
    })().catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    ...state,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
