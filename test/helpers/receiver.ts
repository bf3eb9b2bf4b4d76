// A local HTTP receiver for notification tests (127.0.0.1, a free port): `ok` answers 204, `error` 500,
// `hang` never answers (until the test ends and the server closes).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export async function receiver(t: { after(fn: () => void): void }, mode: 'ok' | 'error' | 'hang'): Promise<{ url: string; got: Received[] }> {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ path: req.url ?? '', headers: req.headers, body });
      if (mode === 'ok') res.writeHead(204).end();
      else if (mode === 'error') res.writeHead(500).end('boom');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, got };
}
