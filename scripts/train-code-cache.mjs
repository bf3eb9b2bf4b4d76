// Rewrites the code caches of DIST/bundle (default dist/bundle) after running its CLI on what users run:
// `sbom` and `scan` of a small generated Debian image with npm and Python packages, cold and warm (the
// layer cache), in table and JSON, and `scan` under the repo's production policy with its exceptions
// (src/cli/codecache.ts says why). scripts/bundle.mjs runs it in a process of its own, with no Node flags,
// as users start the CLI. Everything it writes but the caches is in a temp dir it removes.
import { spawnSync } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import tar from 'tar-stream';

const dist = resolve(process.argv[2] ?? 'dist');
/** the repository (examples/): beside this script, wherever DIST is */
const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(dist, 'bundle');
const { trainCodeCaches } = await import(pathToFileURL(join(dist, 'cli', 'codecache.js')).href);

/** a tar of `files` (path → text), directories implied */
function tarOf(files) {
  const pack = tar.pack();
  const chunks = [];
  pack.on('data', (c) => chunks.push(c));
  const done = new Promise((ok, fail) => {
    pack.on('end', () => ok(Buffer.concat(chunks)));
    pack.on('error', fail);
  });
  for (const [name, text] of Object.entries(files)) pack.entry({ name, mode: 0o644, mtime: new Date(0) }, text);
  pack.finalize();
  return done;
}

const sha256 = (b) => createHash('sha256').update(b).digest('hex');

const dpkg = (name, version, source) =>
  `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\n${source ? `Source: ${source}\n` : ''}Version: ${version}\nDescription: ${name}\n`;

async function trainingImage(file) {
  const base = await tarOf({
    'etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n',
    'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\napp:x:10001:10001::/app:/usr/sbin/nologin\n',
    'var/lib/dpkg/status': [dpkg('libssl3', '3.0.11-1~deb12u2', 'openssl'), dpkg('zlib1g', '1:1.2.13.dfsg-1', 'zlib'), dpkg('bash', '5.2.15-2+b2')].join('\n'),
    'usr/share/doc/zlib1g/copyright': 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nLicense: Zlib\n',
  });
  const app = await tarOf({
    'app/package.json': JSON.stringify({ name: 'shop', version: '1.0.0', dependencies: { lodash: '4.17.20' } }),
    'app/node_modules/lodash/package.json': JSON.stringify({ name: 'lodash', version: '4.17.20', license: 'MIT' }),
    'app/server.js': "const config = { port: 8080, logLevel: 'info' };\nmodule.exports = config;\n",
    'usr/lib/python3/dist-packages/requests-2.28.1.dist-info/METADATA': 'Metadata-Version: 2.1\nName: requests\nVersion: 2.28.1\nLicense: Apache 2.0\n',
  });
  const layers = [base, app];
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { User: 'app', Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], Labels: { 'org.opencontainers.image.source': 'https://example.com/shop' } },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${sha256(l)}`) },
      history: [{ created_by: 'ADD rootfs.tar /' }, { created_by: 'COPY app /app' }],
    }),
  );
  const names = layers.map((l) => `${sha256(l)}/layer.tar`);
  const files = { 'config.json': config, 'manifest.json': JSON.stringify([{ Config: 'config.json', RepoTags: ['registry.example.com/shop/train:1'], Layers: names }]) };
  layers.forEach((l, i) => (files[names[i]] = l));
  writeFileSync(file, await tarOf(files));
}

/** an advisory for a package of the image, in OSV's format */
const osv = (id, ecosystem, name, fixed, severity) => ({
  schema_version: '1.6.0',
  id,
  modified: '2026-01-01T00:00:00Z',
  published: '2025-01-01T00:00:00Z',
  summary: `${name} before ${fixed}`,
  affected: [{ package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }],
  ...(severity ? { severity: [{ type: 'CVSS_V3', score: severity }] } : {}),
});

const work = mkdtempSync(join(tmpdir(), 'portcullis-train-'));
try {
  const image = join(work, 'image.tar');
  await trainingImage(image);
  const source = join(work, 'advisories');
  mkdirSync(source);
  const advisories = [
    osv('GHSA-35jh-r3h4-6jhm', 'npm', 'lodash', '4.17.21', 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H'),
    osv('DEBIAN-CVE-2024-0727', 'Debian:12', 'openssl', '3.0.13-1~deb12u1'),
    osv('PYSEC-2023-74', 'PyPI', 'requests', '2.31.0', 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N'),
  ];
  for (const a of advisories) writeFileSync(join(source, `${a.id}.json`), JSON.stringify(a));
  const db = join(work, 'advisories.db');
  // with tsc's CLI, not the bundle: building a DB is not what the caches are for
  const built = spawnSync(process.execPath, [join(dist, 'cli', 'main.js'), 'db', 'build', '--quiet', '--source', source, '--output', db], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`code cache training: db build failed: ${built.stderr}`);
  const policy = ['--pipeline', 'prod', '--policy', join(root, 'examples', 'policies', 'production.yaml'), '--exceptions', join(root, 'examples', 'exceptions', 'orders-api.yaml')];
  const runs = [
    { argv: ['sbom', image] },
    { argv: ['sbom', image, '--format', 'json'] },
    { argv: ['scan', image, '--db', db] },
    { argv: ['scan', image, '--db', db, '--format', 'json'] },
    { argv: ['scan', image, '--db', db, ...policy], codes: [1] },
  ];
  const env = { PATH: process.env.PATH, TMPDIR: process.env.TMPDIR, PORTCULLIS_CACHE_DIR: join(work, 'cache') };
  const files = await trainCodeCaches(bundle, runs, env);
  console.log(`code caches trained on ${runs.length} runs: ${files.map((f) => relative(bundle, f)).join(', ')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
