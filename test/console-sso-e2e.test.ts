// The console's SSO login in headless Chromium (Debian's chromium, driven by playwright-core): the
// login page offers "Sign in with SSO" when the server has --oidc-issuer; a click goes through the
// local test issuer and lands logged in as the mapped role, with the session token out of the address
// bar; "Log out" revokes the session on the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConsole } from '../src/server/console/build.js';
import { freePort, freshStore, movableClock, serverOn, T0 } from '../src/server/testkit.js';
import { oidcConfigFrom } from '../src/server/oidc/config.js';
import { startTestIssuer } from '../src/server/oidc/testissuer.js';
import { listTokens } from '../src/server/store/tokens.js';

const CHROMIUM = '/usr/bin/chromium';

test('console: Sign in with SSO lands logged in with the mapped role; Log out revokes the session', async (t) => {
  if (!existsSync(CHROMIUM)) {
    const msg = `SKIPPED: ${CHROMIUM} not installed (apt-get install chromium; .ci/run installs it)`;
    console.log(msg);
    return t.skip(msg);
  }
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-console-sso-'));
  const built = await buildConsole(join(dir, 'console'));
  const store = (await freshStore('sqlite', 'console-sso'))!;
  const clock = movableClock(T0);
  const issuer = await startTestIssuer({ now: () => Math.floor(clock.now().getTime() / 1000) });
  t.after(() => issuer.close());
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const oidc = oidcConfigFrom({ oidcIssuer: issuer.url, oidcClientId: issuer.clientId, oidcRedirectUrl: url, oidcRole: ['platform-security=security'] }, {})!;
  const srv = await serverOn(store, clock, { rateLimit: 0, consoleDir: built.dir, oidc });
  await srv.app.listen({ host: '127.0.0.1', port });
  t.after(() => srv.close());

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  t.after(() => browser.close());
  const page = await (await browser.newContext()).newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto(`${url}/console/`);
  await page.getByRole('link', { name: 'Sign in with SSO' }).click();
  await page.getByTestId('who').getByText('security').waitFor();
  assert.match(await page.getByTestId('who').innerText(), /alice@example\.com\s+security/);
  assert.doesNotMatch(page.url(), /session=|pcs_/, 'the token is taken out of the address bar');
  const kept = await page.evaluate(() => sessionStorage.getItem('portcullis.token'));
  assert.match(kept ?? '', /^pcs_/);
  const sessions = (await listTokens(store)).filter((x) => x.createdBy.startsWith('oidc:'));
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0]!.name, 'alice@example.com');

  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('link', { name: 'Sign in with SSO' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('portcullis.token')), null);
  assert.ok((await listTokens(store)).find((x) => x.id === sessions[0]!.id)?.revokedAt, 'logout revoked the session');
  assert.deepEqual(errors, []);
});
