// CLI: a broken --secret-config fails fast (before the image is read) with one line naming the file and
// the rule, exit 2; bad --secret-max-file-size / --secret-skip-path values too; a good custom config runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './helpers/cli.js';

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'secrets-cli-'));
}

test('a rule that cannot be translated: exit 2, one line naming file and rule, image never opened', async () => {
  const d = dir();
  const cfg = join(d, '.gitleaks.toml');
  writeFileSync(cfg, `[[rules]]\nid = "bad-one"\nregex = '''(?<=x)y'''\n`);
  const r = await cli(['scan', join(d, 'does-not-exist.tar'), '--db', join(d, 'none.db'), '--secret-config', cfg]);
  assert.equal(r.code, 2);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /\.gitleaks\.toml: rule "bad-one": cannot translate the RE2 regex safely/);
});

test('bad secret flags are one-line errors', async () => {
  const d = dir();
  const size = await cli(['scan', join(d, 'x.tar'), '--secret-max-file-size', 'lots']);
  assert.equal(size.code, 2);
  assert.match(size.stderr, /--secret-max-file-size: expected a byte count/);
  const glob = await cli(['scan', join(d, 'x.tar'), '--secret-skip-path', 'relative/**']);
  assert.equal(glob.code, 2);
  assert.match(glob.stderr, /--secret-skip-path: expected an absolute path glob/);
});

test('a custom rule extending the defaults finds its secret in a root filesystem', async () => {
  const d = dir();
  const root = join(d, 'root');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc', 'acme.conf'), 'name = acme\nacme_token = acme_k3Jx9Qm2Lw7Pz4Rt8Yv1\n');
  const cfg = join(d, 'gl.toml');
  writeFileSync(cfg, `[extend]\nuseDefault = true\n\n[[rules]]\nid = "acme-token"\ndescription = "ACME token"\nregex = '''(?i)acme_[a-z0-9]{20}'''\nkeywords = ["acme_"]\n`);
  const { sharedDb } = await import('./helpers/shared-db.js');
  const r = await cli(['scan', `dir:${root}`, '--db', await sharedDb(), '--secret-config', cfg, '--format', 'json', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const found = (JSON.parse(r.stdout) as { findings: { kind: string; rule?: string; path?: string; line?: number; match?: string }[] }).findings.filter((f) => f.kind === 'secret');
  assert.deepEqual(found.map((f) => [f.rule, f.path, f.line, f.match]), [['acme-token', '/etc/acme.conf', 2, 'acme…(25 chars)']]);
  assert.ok(!r.stdout.includes('k3Jx9Qm2'));
});
