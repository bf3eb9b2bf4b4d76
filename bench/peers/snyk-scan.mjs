// Runs snyk-docker-plugin (installed by bench/cli.bench.ts into .cache/bench/peers) on one image archive, the
// way `snyk container test --app-vulns docker-archive:FILE` does, and prints the packages it found as JSON:
// {"os": n, "app": n, "ids": ["type:name@version", ...]}.
import { createRequire } from 'node:module';
import process from 'node:process';

const [peers, image] = process.argv.slice(2);
const require = createRequire(`${peers}/package.json`);
const { scan } = require('snyk-docker-plugin');
const res = await scan({ path: image, 'app-vulns': true });
const ids = new Set();
let os = 0;
let app = 0;
for (const r of res.scanResults) {
  const isOs = r.identity?.type !== undefined && ['deb', 'apk', 'rpm', 'linux'].includes(r.identity.type);
  for (const f of r.facts) {
    if (f.type !== 'depGraph') continue;
    const pkgs = f.data.getPkgs().filter((p) => p.name !== f.data.rootPkg.name);
    // OS packages are named source/binary: the binary name is the package
    for (const p of pkgs) ids.add(`${r.identity?.type ?? '?'}:${isOs ? p.name.split('/').pop() : p.name}@${p.version}`);
    if (isOs) os += pkgs.length;
    else app += pkgs.length;
  }
}
process.stdout.write(JSON.stringify({ os, app, ids: [...ids].sort() }) + '\n');
