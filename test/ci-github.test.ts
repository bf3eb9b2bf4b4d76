// The GitHub Action (action.yml) and the example workflow: validated with @action-validator/cli, and the
// action's shell steps (ci/github/*.sh) run in order against the orders-api fixture with a fake
// $GITHUB_OUTPUT / $GITHUB_STEP_SUMMARY, the policy checked out from a pinned policy repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT, sharedOrSkip } from '../src/core/shared.js';
import { sharedDb } from './helpers/shared-db.js';
import { ORDERS_API, jobEnv, parseOutputs, policyRepo, run, workDir } from './helpers/ci.js';

const validator = join(REPO_ROOT, 'node_modules', '.bin', 'action-validator');
const ACTION = join(REPO_ROOT, 'action.yml');
const WORKFLOW = join(REPO_ROOT, 'ci', 'github', 'example-workflow.yml');

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
const action = parse(readFileSync(ACTION, 'utf8')) as { inputs: Record<string, { default?: string }>; outputs: Record<string, unknown>; runs: { using: string; steps: Step[] } };

test('action-validator accepts action.yml and the example workflow, and rejects a broken action', (t) => {
  for (const f of [ACTION, WORKFLOW]) {
    const r = run(validator, [f]);
    assert.equal(r.code, 0, `${f}: ${r.stdout}${r.stderr}`);
  }
  const dir = workDir(t, 'action-validator');
  const broken = join(dir, 'action.yml');
  writeFileSync(broken, readFileSync(ACTION, 'utf8').replace('using: composite', 'using: compsite'));
  assert.notEqual(run(validator, [broken]).code, 0, 'a misspelt runs.using is refused');
});

test('action.yml: composite steps run the scripts in ci/github, inputs reach them only through env, SARIF gets a category per pipeline', () => {
  assert.equal(action.runs.using, 'composite');
  for (const s of action.runs.steps) {
    if (s.run) {
      const m = /^"\$GITHUB_ACTION_PATH\/(ci\/github\/[a-z-]+\.sh)"$/.exec(s.run);
      assert.ok(m, `step runs a kept script: ${s.run}`);
      assert.ok(statSync(join(REPO_ROOT, m[1]!)).mode & 0o111, `${m[1]} is executable`);
      assert.doesNotMatch(s.run, /\$\{\{/, 'no expression interpolated into a shell script (injection)');
    }
    if (s.uses) assert.match(s.uses, /@[0-9a-f]{40}$/, `${s.uses}: third-party actions pinned by commit`);
  }
  const upload = action.runs.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
  assert.equal(upload?.with?.category, 'portcullis-${{ inputs.pipeline }}');
  assert.ok(action.runs.steps.some((s) => s.uses?.startsWith('actions/cache/save@') && /steps\.db\.outputs\.digest/.test(s.with?.key ?? '')), 'the DB is cached by its digest');
  assert.deepEqual(Object.keys(action.outputs).filter((k) => k === 'verdict' || k === 'report'), ['verdict', 'report']);
  assert.equal(action.inputs['policy-path']?.default, 'policies');
  const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  assert.equal(action.inputs.package?.default, `portcullis@${version}`, 'the action installs its own release');
  assert.ok(!('policy' in action.inputs), 'no input takes a policy from the application repository');
});

test('the example workflow gates with its own pipeline name and a policy pinned by commit', () => {
  const wf = parse(readFileSync(WORKFLOW, 'utf8')) as { jobs: Record<string, { steps: Step[] }> };
  const step = wf.jobs.gate!.steps.find((s) => s.id === 'portcullis')!;
  assert.match(step.with!['policy-commit']!, /^[0-9a-f]{40}$/);
  assert.match(step.with!.pipeline!, /pr-|release-/);
  assert.ok(!existsSync(join(REPO_ROOT, 'ci', 'github', 'policies')), 'no policy next to the workflow');
});

/** Runs one action script the way the runner does: env from the step, a fresh GITHUB_OUTPUT file. */
function step(dir: string, script: string, env: NodeJS.ProcessEnv): { code: number; out: Record<string, string>; stderr: string } {
  const output = join(dir, `output-${script}`);
  writeFileSync(output, '');
  const r = run(join(REPO_ROOT, 'ci', 'github', `${script}.sh`), [], { env: { ...env, GITHUB_OUTPUT: output }, cwd: dir });
  return { code: r.code, out: parseOutputs(readFileSync(output, 'utf8')), stderr: r.stderr + r.stdout };
}

test('the action steps on orders-api: fail under production (exit 1 after the SARIF is written), pass under dev', async (t) => {
  const image = sharedOrSkip(t, ORDERS_API);
  if (!image) return;
  const dir = workDir(t, 'gha');
  const summary = join(dir, 'step-summary.md');
  writeFileSync(summary, '');
  const env = jobEnv(dir, { RUNNER_TEMP: join(dir, 'runner-temp'), GITHUB_STEP_SUMMARY: summary, GITHUB_WORKSPACE: dir });
  const repo = policyRepo(dir);

  const policy = step(dir, 'policy', { ...env, PORTCULLIS_POLICY_REPOSITORY: repo.url, PORTCULLIS_POLICY_COMMIT: repo.commit, PORTCULLIS_POLICY_PATH: 'policies', PORTCULLIS_EXCEPTIONS_PATH: 'exceptions' });
  assert.equal(policy.code, 0, policy.stderr);
  assert.equal(policy.out.commit, repo.commit);
  assert.ok(policy.out.policy!.startsWith(join(dir, 'runner-temp')), 'checked out under RUNNER_TEMP, not the workspace');

  const db = step(dir, 'db', { ...env, PORTCULLIS_DB: join(dir, 'runner-temp', 'portcullis-db', 'portcullis.db'), PORTCULLIS_DB_SOURCE: await sharedDb() });
  assert.equal(db.code, 0, db.stderr);
  assert.match(db.out.digest!, /^sha256:[0-9a-f]{64}$/);

  const scanEnv = { ...env, PORTCULLIS_IMAGE: image, PORTCULLIS_POLICY: policy.out.policy, PORTCULLIS_EXCEPTIONS: policy.out.exceptions, PORTCULLIS_DB: db.out.db };
  const prod = step(dir, 'scan', { ...scanEnv, PORTCULLIS_PIPELINE: 'release-7' });
  assert.equal(prod.code, 0, `the scan step itself succeeds; the gate step decides: ${prod.stderr}`);
  assert.equal(prod.out.verdict, 'fail');
  assert.equal(prod.out['exit-code'], '1');
  assert.match(prod.out['policy-digest']!, /^sha256:[0-9a-f]{64}$/);
  const sarif = JSON.parse(readFileSync(prod.out.sarif!, 'utf8')) as { version: string; runs: { results: unknown[] }[] };
  assert.equal(sarif.version, '2.1.0');
  assert.ok(sarif.runs[0]!.results.length > 0);
  const report = JSON.parse(readFileSync(prod.out.report!, 'utf8')) as { decision: { verdict: string; pipeline?: string } };
  assert.equal(report.decision.verdict, 'fail');
  const record = JSON.parse(readFileSync(prod.out.decision!, 'utf8')) as { pipeline: string; policies: { digest: string } };
  assert.equal(record.pipeline, 'release-7');
  assert.equal(record.policies.digest, prod.out['policy-digest']);
  const md = readFileSync(summary, 'utf8');
  assert.match(md, /FAIL/);
  assert.ok(md.includes(`policy digest \`${record.policies.digest}\``));
  const gate = run(join(REPO_ROOT, 'ci', 'github', 'gate.sh'), [], { env: { ...env, PORTCULLIS_VERDICT: prod.out.verdict, PORTCULLIS_EXIT_CODE: prod.out['exit-code'] } });
  assert.equal(gate.code, 1);
  assert.match(gate.stderr, /^::error::portcullis: the image failed/m);

  const dev = step(dir, 'scan', { ...scanEnv, PORTCULLIS_PIPELINE: 'dev-7' });
  assert.equal(dev.out.verdict, 'pass', dev.stderr);
  assert.equal(dev.out['exit-code'], '0');
  assert.ok(Number(dev.out.warnings) > 0, 'dev passes with warnings (the production preview)');
  assert.equal(run(join(REPO_ROOT, 'ci', 'github', 'gate.sh'), [], { env: { ...env, PORTCULLIS_VERDICT: 'pass', PORTCULLIS_EXIT_CODE: '0' } }).code, 0);

  // could not decide: an unreadable image is `error`, exit 2, and the summary says why
  const bad = step(dir, 'scan', { ...scanEnv, PORTCULLIS_PIPELINE: 'release-7', PORTCULLIS_IMAGE: join(dir, 'no-such-image.tar') });
  assert.equal(bad.out.verdict, 'error');
  assert.equal(bad.out['exit-code'], '2');
  assert.equal(bad.out.sarif, '', 'no SARIF to upload when nothing was decided');
  assert.match(readFileSync(summary, 'utf8'), /could not decide \(exit 2\)/);
  assert.equal(run(join(REPO_ROOT, 'ci', 'github', 'gate.sh'), [], { env: { ...env, PORTCULLIS_VERDICT: 'error', PORTCULLIS_EXIT_CODE: '2' } }).code, 2);
});

test('the policy step refuses what the application repository could move or reach into', (t) => {
  const dir = workDir(t, 'gha-policy');
  const env = jobEnv(dir, { RUNNER_TEMP: join(dir, 'runner-temp') });
  const repo = policyRepo(dir);
  const base = { ...env, PORTCULLIS_POLICY_REPOSITORY: repo.url, PORTCULLIS_POLICY_COMMIT: repo.commit };
  const branch = step(dir, 'policy', { ...base, PORTCULLIS_POLICY_COMMIT: 'main' });
  assert.equal(branch.code, 2);
  assert.match(branch.stderr, /policy-commit must be a full 40-hex commit id/);
  const escape = step(dir, 'policy', { ...base, PORTCULLIS_POLICY_PATH: '../../workspace/policies' });
  assert.equal(escape.code, 2);
  assert.match(escape.stderr, /must be a relative path inside the policy repository/);
  const unknown = step(dir, 'policy', { ...base, PORTCULLIS_POLICY_COMMIT: 'f'.repeat(40) });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /could not fetch commit f{40}/);
  const missing = step(dir, 'policy', { ...base, PORTCULLIS_POLICY_PATH: 'nope' });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no 'nope' in/);
});
