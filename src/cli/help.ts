// What every command's --help shows besides its options: the allowed values of --format and --severity,
// examples, the exit codes, and the global options (--config, --quiet, --debug, --no-color). Applied to
// the whole command tree once it is built, so a new command gets it by having an entry in EXAMPLES
// (test/cli-help.test.ts fails when one is missing). docs/cli.md is generated from the same tree.
import type { Command } from 'commander';
import { SEVERITY_ORDER } from '../core/types.js';

export const EXIT_CODES: readonly [string, string][] = [
  ['0', 'passed (warnings allowed), or the command did its work'],
  ['1', 'a policy failed (scan --exit-code N and a policy or --fail-on: N instead)'],
  ['2', 'could not decide: bad input, missing or invalid DB, unreadable image, invalid policy (one line on stderr)'],
  ['130, 143', 'interrupted by SIGINT, SIGTERM (temp files removed)'],
];

const IMG = 'docker-archive:app.tar';

/** Examples per command, by its words after `portcullis`. */
export const EXAMPLES: Record<string, string[]> = {
  '': [
    `portcullis scan ${IMG} --fail-on high`,
    'portcullis scan registry.example.com/shop/api:1.2 --pipeline release-7 --policy policies/ --format sarif --output scan.sarif',
    'portcullis db update',
  ],
  sbom: [`portcullis sbom ${IMG}`, `portcullis sbom oci:./layout:1.0 --format cyclonedx --output sbom.cdx.json`, 'portcullis sbom dir:/ --format spdx-json'],
  scan: [
    `portcullis scan ${IMG}`,
    `portcullis scan ${IMG} --fail-on high --exit-code 3`,
    'portcullis scan registry.example.com/shop/api:1.2 --pipeline release-7 --policy policies/ --exceptions exceptions/ --decision decision.json',
    `portcullis scan ${IMG} --pipeline release-7 --policy policies/ --output json=report.json --output sarif=scan.sarif --output junit=junit.xml`,
    `portcullis scan ${IMG} --pipeline release-7 --policy policies/ --format gitlab --output gl-container-scanning-report.json`,
    'portcullis scan --sbom sbom.cdx.json --severity critical,high',
    `portcullis scan ${IMG} --server https://portcullis.example.com --pipeline release-7`,
  ],
  db: ['portcullis db update', 'portcullis db status'],
  'db build': ['portcullis db build --source ../shared/data/osv --source ../shared/data/kev/known_exploited_vulnerabilities.json --output portcullis.db'],
  'db update': ['portcullis db update', 'portcullis db update --source oci://registry.example.com/security/portcullis-db:latest'],
  'db push': ['portcullis db push oci://registry.example.com/security/portcullis-db:latest --db portcullis.db'],
  'db status': ['portcullis db status', 'portcullis db status --format json'],
  admission: [
    'portcullis admission --pipeline prod-cluster --database postgres://portcullis@db/portcullis --tls-cert /tls/tls.crt --tls-key /tls/tls.key',
    'portcullis admission --pipeline prod-cluster --database none --trusted-key ci.pub --policy-digest sha256:4f2a… --tls-cert tls.crt --tls-key tls.key',
    'portcullis admission --pipeline prod-cluster --mode warn --namespace-mode "prod-*=enforce" --exempt-namespace kube-system --exempt-namespace monitoring --tls-cert tls.crt --tls-key tls.key',
  ],
  keys: ['portcullis keys generate --output-prefix ci'],
  'keys generate': ['portcullis keys generate --output-prefix ci   # encrypted (cosign format) when PORTCULLIS_KEY_PASSWORD or COSIGN_PASSWORD is set'],
  attest: [
    'portcullis scan registry.example.com/shop/api:1.2 --pipeline prod-cluster --policy policies/ --sign-key ci.key --decision decision.dsse.json',
    'portcullis attest registry.example.com/shop/api:1.2 --decision decision.dsse.json',
  ],
  verify: ['portcullis verify registry.example.com/shop/api:1.2 --key ci.pub --pipeline prod-cluster', 'portcullis verify registry.example.com/shop/api:1.2 --key ci.pub --format json'],
  policy: ['portcullis policy validate examples/', 'portcullis policy test report.json --policy policies/ --pipeline release-7'],
  'policy validate': ['portcullis policy validate examples/', 'portcullis policy validate policies/ exceptions/ --format json'],
  'policy test': [
    'portcullis scan app.tar --format json --output report.json',
    'portcullis policy test report.json --policy policies/ --exceptions exceptions/ --pipeline release-7',
  ],
  'policy convert': ['portcullis policy convert .trivyignore --output exceptions/from-trivy.yaml', 'portcullis policy convert .grype.yaml'],
  'policy explain': [
    'portcullis policy explain report.json --policy policies/ --pipeline release-7',
    'portcullis policy explain report.json --policy policies/ --pipeline release-7 --finding CVE-2021-23337 --format json',
  ],
  'policy push': ['portcullis policy push policies/ --server https://portcullis.example.com', 'portcullis policy push policies/ --server https://portcullis.example.com --prune'],
  'policy pull': ['portcullis policy pull policies/ --server https://portcullis.example.com'],
  compare: [
    `portcullis scan ${IMG} --format json --output portcullis.json`,
    'portcullis compare trivy.json grype.json --ours portcullis.json',
    'portcullis compare trivy.json --ours portcullis.json --db portcullis.db --format json --output compare.json',
  ],
  server: ['portcullis server', 'portcullis server --database postgres://portcullis@db.example.com/portcullis --listen 0.0.0.0:8443 --tls-cert server.pem --tls-key server.key'],
  'server token': ['portcullis server token create --name jenkins --role ci --pipeline release-*', 'portcullis server token list'],
  'server token create': ['portcullis server token create --name alice --role security', 'portcullis server token create --name jenkins --role ci --pipeline release-* --expires-in-days 30'],
  'server token list': ['portcullis server token list --database postgres://portcullis@db.example.com/portcullis'],
  'server token revoke': ['portcullis server token revoke 0123456789abcdef'],
  'server backup': ['portcullis server backup portcullis-backup.db'],
  'server reevaluate': ['portcullis server reevaluate --db ~/.cache/portcullis/portcullis.db', 'portcullis server reevaluate --expired', 'portcullis server reevaluate --database postgres://portcullis@db.example.com/portcullis --rules --queue-only'],
  worker: ['portcullis worker --database postgres://portcullis@db.example.com/portcullis --db /var/cache/portcullis/portcullis.db', 'portcullis worker --database postgres://portcullis@db.example.com/portcullis --dead'],
  base: ['portcullis base add docker-archive:debian-12-slim.tar --catalog base-catalog.yaml', 'portcullis base list --catalog base-catalog.yaml --policy policies/'],
  'base add': ['portcullis base add oci-archive:debian-12-slim.oci.tar:docker.io/library/debian:12-slim --catalog base-catalog.yaml'],
  'base refresh': ['portcullis base refresh --catalog base-catalog.yaml'],
  'base list': ['portcullis base list --catalog base-catalog.yaml', 'portcullis base list --catalog base-catalog.yaml --policy policies/ --format json'],
  'base remove': ['portcullis base remove docker.io/library/alpine:3.10 --catalog base-catalog.yaml'],
};

/** Every command of the tree, parents first (the root included), help excluded. */
export function allCommands(root: Command): Command[] {
  const out: Command[] = [root];
  for (const c of root.commands) out.push(...allCommands(c));
  return out;
}

/** `''` for the program itself, else `scan`, `policy test`, ... */
export function pathOf(cmd: Command): string {
  const words: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) words.unshift(c.name());
  return words.join(' ');
}

/** The help text after the options: examples, then the exit codes. */
export function helpFooter(cmd: Command): string {
  const ex = EXAMPLES[pathOf(cmd)] ?? [];
  const lines = ['', 'Examples:', ...ex.map((e) => `  $ ${e}`), '', 'Exit codes:', ...EXIT_CODES.map(([c, m]) => `  ${c.padEnd(9)}${m}`)];
  return lines.join('\n') + '\n';
}

/** Allowed values in the descriptions of --format and --severity, examples and exit codes after each help. */
export function decorateHelp(program: Command, formatsOf?: (cmd: Command) => string[] | undefined): void {
  for (const cmd of allCommands(program)) {
    const formats = cmd.parent && formatsOf ? formatsOf(cmd) : undefined;
    for (const o of cmd.options) {
      if (o.long === '--format' && formats && !o.description.includes('one of:')) {
        // "table or json (the Decision)" → "the Decision: one of table, json (any case)"
        const rest = o.description.replace(/^(table|text) or json\s*/, '').replace(/^\((.*)\)$/, '$1');
        o.description = `${rest ? `${rest}; ` : ''}one of: ${formats.join(', ')} (any case)`;
      }
      if (o.long === '--severity' && !o.description.includes('one of:')) {
        o.description = `${o.description} (one of: ${[...SEVERITY_ORDER].reverse().join(', ')})`;
      }
    }
    cmd.addHelpText('after', () => helpFooter(cmd));
  }
}
