// Credentials: docker config (auths, credHelpers, credsStore through real docker-credential-*
// executables written here), podman auth.json, environment and explicit credentials; challenge parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChallenges, tokenFrom, tokenUrl } from './auth.js';
import { credentialLookup } from './credentials.js';
import { retryAfterMs } from './http.js';

function withHome(f: (home: string, env: NodeJS.ProcessEnv) => Promise<void>): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'portcullis-creds-'));
  const bin = join(home, 'bin');
  mkdirSync(bin);
  // a credential helper in the style of docker-credential-pass: server on stdin, JSON on stdout
  writeFileSync(
    join(bin, 'docker-credential-test'),
    `#!/bin/sh\nread server\ncase "$server" in\n  helper.example.com) echo '{"ServerURL":"helper.example.com","Username":"helper-user","Secret":"helper-secret"}';;\n  token.example.com) echo '{"Username":"<token>","Secret":"refresh-abc"}';;\n  https://index.docker.io/v1/) echo '{"Username":"hub-user","Secret":"hub-secret"}';;\n  broken.example.com) echo 'garbage';;\n  *) echo 'credentials not found in native keychain'; exit 1;;\nesac\n`,
  );
  chmodSync(join(bin, 'docker-credential-test'), 0o755);
  const env = { HOME: home, PATH: `${bin}:/usr/bin:/bin` };
  return f(home, env).finally(() => rmSync(home, { recursive: true, force: true }));
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('docker config: auths (URL and host keys), credHelpers, credsStore; podman auth.json', async () => {
  await withHome(async (home, env) => {
    mkdirSync(join(home, '.docker'));
    writeFileSync(
      join(home, '.docker', 'config.json'),
      JSON.stringify({
        auths: { 'https://registry.example.com': { auth: b64('alice:pw:with:colons') }, 'ghcr.io': { identitytoken: 'id-tok' }, 'https://index.docker.io/v1/': {} },
        credHelpers: { 'helper.example.com': 'test', 'token.example.com': 'test', 'broken.example.com': 'test' },
        credsStore: 'test',
      }),
    );
    mkdirSync(join(home, '.config', 'containers'), { recursive: true });
    writeFileSync(join(home, '.config', 'containers', 'auth.json'), JSON.stringify({ auths: { 'quay.example.org': { auth: b64('podman-user:podman-pw') } } }));
    const find = credentialLookup({ env });
    assert.deepEqual(await find('registry.example.com'), { username: 'alice', password: 'pw:with:colons' });
    assert.deepEqual(await find('ghcr.io'), { identityToken: 'id-tok' });
    assert.deepEqual(await find('helper.example.com'), { username: 'helper-user', password: 'helper-secret' });
    assert.deepEqual(await find('token.example.com'), { identityToken: 'refresh-abc' });
    assert.deepEqual(await find('docker.io'), { username: 'hub-user', password: 'hub-secret' }); // credsStore, Hub key
    assert.deepEqual(await find('quay.example.org'), { username: 'podman-user', password: 'podman-pw' });
    assert.equal(await find('nowhere.example.net'), undefined); // helper says "not found"
    await assert.rejects(find('broken.example.com'), (e: Error) => /docker-credential-test gave no valid JSON/.test(e.message) && !/garbage/.test(e.message));
  });
});

test('$DOCKER_CONFIG and $REGISTRY_AUTH_FILE are honoured; a missing helper and bad JSON are one-line errors without secrets', async () => {
  await withHome(async (home, env) => {
    const dc = join(home, 'dc');
    mkdirSync(dc);
    writeFileSync(join(dc, 'config.json'), JSON.stringify({ credHelpers: { 'gone.example.com': 'nothere' } }));
    writeFileSync(join(home, 'auth.json'), JSON.stringify({ auths: { 'r.example.com': { auth: b64('u:p') } } }));
    const find = credentialLookup({ env: { ...env, DOCKER_CONFIG: dc, REGISTRY_AUTH_FILE: join(home, 'auth.json') } });
    assert.deepEqual(await find('r.example.com'), { username: 'u', password: 'p' });
    await assert.rejects(find('gone.example.com'), /docker-credential-nothere: not found on PATH/);
    writeFileSync(join(dc, 'config.json'), '{"auths": {"x": {"auth": "c2VjcmV0LXZhbHVl"}}, broken');
    await assert.rejects(credentialLookup({ env: { ...env, DOCKER_CONFIG: dc } })('x'), (e: Error) => /config.json: not valid JSON/.test(e.message) && !/c2VjcmV0/.test(e.message));
    writeFileSync(join(dc, 'config.json'), JSON.stringify({ auths: { x: { auth: b64('no-colon') } } }));
    await assert.rejects(credentialLookup({ env: { ...env, DOCKER_CONFIG: dc } })('x'), /not base64 of user:password/);
  });
});

test('explicit and environment credentials go to the image registry only, and win there', async () => {
  await withHome(async (home, env) => {
    mkdirSync(join(home, '.docker'));
    writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ auths: { 'reg.example.com': { auth: b64('file:pw') }, 'mirror.example.com': { auth: b64('m:pw') } } }));
    const e2 = { ...env, PORTCULLIS_REGISTRY_USERNAME: 'env-user', PORTCULLIS_REGISTRY_PASSWORD: 'env-pw' };
    assert.deepEqual(await credentialLookup({ env: e2, primaryHost: 'reg.example.com' })('reg.example.com'), { username: 'env-user', password: 'env-pw' });
    assert.deepEqual(await credentialLookup({ env: e2, primaryHost: 'reg.example.com' })('mirror.example.com'), { username: 'm', password: 'pw' });
    assert.equal(await credentialLookup({ env: e2, primaryHost: 'reg.example.com' })('other.example.com'), undefined);
    const explicit = credentialLookup({ env: e2, primaryHost: 'reg.example.com', explicit: { username: 'cli', password: 'cli-pw' } });
    assert.deepEqual(await explicit('reg.example.com'), { username: 'cli', password: 'cli-pw' });
    assert.throws(() => credentialLookup({ env: { PORTCULLIS_REGISTRY_USERNAME: 'only-user' } }), /must be set together/);
  });
});

test('WWW-Authenticate parsing: bearer with quoted params, several challenges, hostile input', () => {
  const [b] = parseChallenges('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull"');
  assert.deepEqual(b, { scheme: 'bearer', params: { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:a/b:pull' } });
  const two = parseChallenges('Basic realm="x", Bearer realm="https://t/\\"q\\"",error="invalid_token"');
  assert.deepEqual(two.map((c) => c.scheme), ['basic', 'bearer']);
  assert.equal(two[1]!.params.realm, 'https://t/"q"');
  assert.deepEqual(parseChallenges(undefined), []);
  assert.deepEqual(parseChallenges('=== ,,, "'), []);
  assert.deepEqual(parseChallenges('Bearer realm="unterminated'), [{ scheme: 'bearer', params: { realm: 'unterminated' } }]);
  assert.equal(parseChallenges('Bearer ' + 'a=b,'.repeat(10000)).length, 1);
  const u = tokenUrl(b!, 'repository:a/b:pull,push')!;
  assert.equal(u.toString(), 'https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%2Fb%3Apull%2Cpush');
  assert.equal(tokenUrl({ scheme: 'bearer', params: { realm: 'not a url' } }, 's'), undefined);
  assert.equal(tokenFrom({ token: 't1' }), 't1');
  assert.equal(tokenFrom({ access_token: 't2' }), 't2');
  assert.equal(tokenFrom({ token: 5 }), undefined);
  assert.equal(tokenFrom(null), undefined);
});

test('Retry-After: seconds, HTTP date, garbage, capped', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(retryAfterMs('3', now, 60_000), 3000);
  assert.equal(retryAfterMs('9999', now, 60_000), 60_000);
  assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', now, 60_000), 10_000);
  assert.equal(retryAfterMs('Wed, 31 Dec 2025 00:00:10 GMT', now, 60_000), 0);
  assert.equal(retryAfterMs('soon', now, 60_000), undefined);
  assert.equal(retryAfterMs(undefined, now, 60_000), undefined);
});
