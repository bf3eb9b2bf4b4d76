// A provider answering badly: discovery not JSON, another issuer, no PKCE S256, non-https endpoints,
// an endless JWKS, a token answer without an ID token, an OAuth error. Each is one line naming the URL
// and the problem, never a crash, and never the code or the client secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { PortcullisError } from '../../core/errors.js';
import { fixedClock } from '../../core/clock.js';
import { T0 } from '../testkit.js';
import { OidcProvider } from './provider.js';

test('hostile provider answers are one-line NETWORK errors', async (t) => {
  let answer: (path: string, res: ServerResponse) => void = (_p, res) => res.end('{}');
  const srv = createServer((req, res) => answer(new URL(req.url ?? '/', 'http://x').pathname, res));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => srv.close());
  const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
  const discovery = (over: Record<string, unknown> = {}) => JSON.stringify({ issuer: url, authorization_endpoint: `${url}/authorize`, token_endpoint: `${url}/token`, jwks_uri: `${url}/jwks`, ...over });
  const provider = () => new OidcProvider({ issuer: url, clientId: 'portcullis', clientSecret: 'the-client-secret', redirectUrl: 'https://p.example.com/api/v1/auth/oidc/callback', scopes: ['openid'], groupsClaim: 'groups', roles: [], sessionHours: 8 }, fixedClock(T0));
  const fails = async (f: () => Promise<unknown>, re: RegExp) => {
    await assert.rejects(f, (e: unknown) => {
      assert.ok(e instanceof PortcullisError && e.code === 'NETWORK', String(e));
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n') && !e.message.includes('the-client-secret') && !e.message.includes('secret-code'), e.message);
      return true;
    });
  };
  answer = (_p, res) => res.end('<html>not json</html>');
  await fails(() => provider().discover(), /discovery http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration: answer is not a JSON object/);
  answer = (_p, res) => res.end(discovery({ issuer: 'https://evil.example.com' }));
  await fails(() => provider().discover(), /issuer "https:\/\/evil\.example\.com" is not/);
  answer = (_p, res) => res.end(discovery({ code_challenge_methods_supported: ['plain'] }));
  await fails(() => provider().discover(), /does not support PKCE with S256/);
  answer = (_p, res) => res.end(discovery({ token_endpoint: 'http://evil.example.com/token' }));
  await fails(() => provider().discover(), /token_endpoint must be https/);
  answer = (_p, res) => res.end(discovery({ jwks_uri: 42 }));
  await fails(() => provider().discover(), /no jwks_uri/);
  answer = (_p, res) => res.writeHead(503).end();
  await fails(() => provider().discover(), /HTTP 503/);
  // an endless JWKS is cut at 1 MiB
  answer = (p, res) => {
    if (p !== '/jwks') return res.end(discovery());
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (res.write(chunk));
      res.once('drain', pump);
    };
    res.on('error', () => undefined);
    pump();
  };
  const header = Buffer.from('{"alg":"RS256","kid":"k"}').toString('base64url');
  await fails(() => provider().verify(`${header}.e30.AA`, { nonce: 'n', now: new Date(T0) }), /JWKS .*answer larger than 1048576 bytes/);
  answer = (p, res) => (p === '/token' ? res.end('{"access_token":"x"}') : res.end(discovery()));
  await fails(() => provider().exchange('secret-code', 'v'), /token endpoint .*no id_token/);
  answer = (p, res) => (p === '/token' ? res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant","error_description":"code secret-code expired"}') : res.end(discovery()));
  await fails(() => provider().exchange('secret-code', 'v'), /HTTP 400: invalid_grant$/);
  await fails(() => new OidcProvider({ ...provider().config, issuer: 'http://127.0.0.1:1' }, fixedClock(T0)).discover(), /unreachable/);
});
