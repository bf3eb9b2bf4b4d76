// Serves the web console (a static bundle built by `npm run build` into dist/server/console/assets)
// at /console/, with a Content-Security-Policy that allows only the server's own scripts, styles and
// API: no CDN, no inline script. The files are read once at startup; nothing else on disk is reachable.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/** Where the bundle is: beside this module when compiled (dist/), else the last `npm run build`'s dist/. */
export function defaultConsoleDir(): string | undefined {
  // beside this file (dist/server/console), from the sources (src/server/console), or from the bundle (dist/bundle)
  const candidates = [new URL('./assets/', import.meta.url), new URL('../../../dist/server/console/assets/', import.meta.url), new URL('../server/console/assets/', import.meta.url)];
  return candidates.map((u) => fileURLToPath(u)).find((d) => existsSync(join(d, 'index.html')));
}

function load(dir: string | undefined): Map<string, { body: Buffer; type: string }> {
  const files = new Map<string, { body: Buffer; type: string }>();
  if (!dir || !existsSync(join(dir, 'index.html'))) return files;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const ext = /\.[a-z]+$/.exec(e.name)?.[0] ?? '';
    if (e.isFile() && TYPES[ext]) files.set(e.name, { body: readFileSync(join(dir, e.name)), type: TYPES[ext]! });
  }
  return files;
}

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Portcullis console</title>
<p>The console is not built. Run <code>npm run build</code> (it writes dist/server/console/assets), then restart the server.
The API is at <code>/api/v1</code>.</p></html>`;

export function registerConsole(app: FastifyInstance, dir: string | undefined): void {
  const files = load(dir);
  const send = (name: string) => async (_req: unknown, reply: FastifyReply) => {
    const f = files.get(name);
    reply.header('content-security-policy', CONSOLE_CSP);
    if (!f) return name === 'index.html' ? reply.code(503).type(TYPES['.html']!).send(NOT_BUILT) : reply.code(404).send({ error: 'no such file' });
    return reply.type(f.type).send(f.body);
  };
  app.get('/', async (_req, reply) => reply.redirect('/console/'));
  app.get('/console', async (_req, reply) => reply.redirect('/console/'));
  app.get('/console/', send('index.html'));
  app.get<{ Params: { file: string } }>('/console/:file', async (req, reply) => send(req.params.file)(req, reply));
}
