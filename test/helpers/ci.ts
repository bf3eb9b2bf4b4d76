// Shared pieces of the CI recipe tests (test/ci-*.test.ts): a `portcullis` command on PATH that runs this
// checkout, the security team's policy repository (a git repo with the example policies and the dev
// pipelines' exceptions, pinned by commit), and a child-process runner.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/core/shared.js';

export const ORDERS_API = 'fixtures/images/orders-api-1.4.2.docker.tar.gz';

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; never throws on a non-zero exit (the code is the result). */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Ran {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, input: opts.input, encoding: 'utf8', timeout: opts.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`, { cause: r.error });
  return { code: r.status ?? (r.signal ? 128 : 1), stdout: r.stdout, stderr: r.stderr };
}

/** A private work dir removed after the test. */
export function workDir(t: { after(fn: () => void): void }, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `portcullis-${name}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A bin dir whose `portcullis` runs this checkout's CLI (bin/portcullis.js), as an installed package would. */
export function portcullisOnPath(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const exe = join(bin, 'portcullis');
  writeFileSync(exe, `#!/bin/sh\nexec "${process.execPath}" "${join(REPO_ROOT, 'bin', 'portcullis.js')}" "$@"\n`);
  chmodSync(exe, 0o755);
  return bin;
}

/** The environment of a CI job: this checkout's `portcullis` first on PATH, colours off, a private TMPDIR. */
export function jobEnv(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  // a CI job's shell, not `npm test`'s: npm run exports its own config as npm_config_* (prefix among them),
  // which would outrank what a recipe sets (NPM_CONFIG_PREFIX)
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));
  return { ...inherited, PATH: `${portcullisOnPath(dir)}:${process.env.PATH ?? ''}`, NO_COLOR: '1', TMPDIR: tmp, ...extra };
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The security team's policy repository: `policies/` holds the example policies, `exceptions/dev.yaml`
 * accepts, for the dev pipelines only, what this test machine cannot provide: fresh advisory data (the
 * shared data is months old) and a malware signature database. Production gets no exception.
 */
export function policyRepo(dir: string, now = new Date()): { path: string; url: string; commit: string } {
  const repo = join(dir, 'assurance-policies');
  mkdirSync(join(repo, 'policies'), { recursive: true });
  mkdirSync(join(repo, 'exceptions'), { recursive: true });
  for (const f of readdirSync(join(REPO_ROOT, 'examples', 'policies'))) copyFileSync(join(REPO_ROOT, 'examples', 'policies', f), join(repo, 'policies', f));
  const expires = day(new Date(now.getTime() + 30 * 86_400_000));
  const exc = (id: string, finding: string, reason: string) =>
    [`  - id: ${id}`, `    finding: "${finding}"`, '    scope: {repository: "docker.io/shop/*"}', '    pipelines: ["dev-*"]', `    created: ${day(now)}`, `    expires: ${expires}`, `    reason: "${reason}"`, '    owner: security@example.com'].join('\n');
  writeFileSync(
    join(repo, 'exceptions', 'dev.yaml'),
    ['apiVersion: portcullis/v1', 'kind: Exceptions', 'exceptions:', exc('SEC-DEV-1', 'db-stale', 'the test advisory data is months old'), exc('SEC-DEV-2', 'not-evaluated:malware', 'no malware signature database on the dev runners'), ''].join('\n'),
  );
  const git = (...args: string[]) => {
    const r = run('git', ['-c', 'user.name=Security Team', '-c', 'user.email=security@example.com', '-c', 'init.defaultBranch=main', '-C', repo, ...args]);
    if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'policies');
  return { path: repo, url: `file://${repo}`, commit: git('rev-parse', 'HEAD') };
}

/** Parses a GitHub-style `key=value` output file (single-line values). */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}
