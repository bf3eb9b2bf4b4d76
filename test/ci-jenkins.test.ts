// Jenkins: the example Jenkinsfile and the shared-library step parse with Debian's groovy; the step runs
// (its Jenkins steps stood in by test/helpers/jenkins-harness.groovy, since no Jenkins runs here; its
// shell script for real) on orders-api: FAILURE under production, SUCCESS under dev, UNSTABLE under dev
// when asked to be strict about warnings; JUnit published, reports archived.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, sharedOrSkip } from '../src/core/shared.js';
import { sharedDb } from './helpers/shared-db.js';
import { ORDERS_API, jobEnv, policyRepo, run, workDir, type Ran } from './helpers/ci.js';

const LIB = join(REPO_ROOT, 'ci', 'jenkins');
const STEP = join(LIB, 'vars', 'portcullisScan.groovy');
const JENKINSFILE = join(REPO_ROOT, 'ci', 'jenkins', 'Jenkinsfile');
const HARNESS = join(REPO_ROOT, 'test', 'helpers', 'jenkins-harness.groovy');

function groovyOrSkip(t: { skip(msg?: string): void }): boolean {
  if (run('sh', ['-c', 'command -v groovy']).code === 0) return true;
  const msg = "SKIPPED: Debian's groovy is not installed (apt-get install groovy; .ci/run installs it)";
  console.log(msg);
  t.skip(msg);
  return false;
}

/** Parses Groovy sources to an AST (Phases.CONVERSION: syntax; no Jenkins classes needed). */
function parseGroovy(dir: string, files: string[]): Ran {
  const checker = join(dir, 'parse.groovy');
  writeFileSync(
    checker,
    [
      'import org.codehaus.groovy.control.*',
      'int bad = 0',
      'args.each { f ->',
      '  def cu = new CompilationUnit()',
      '  cu.addSource(new File(f))',
      '  try { cu.compile(Phases.CONVERSION); println "parsed $f" } catch (CompilationFailedException e) { System.err.println(e.message); bad++ }',
      '}',
      'System.exit(bad ? 1 : 0)',
    ].join('\n'),
  );
  return run('groovy', [checker, ...files]);
}

test('groovy parses the Jenkinsfile and vars/portcullisScan.groovy, and refuses a broken copy', (t) => {
  if (!groovyOrSkip(t)) return;
  const dir = workDir(t, 'groovy');
  const ok = parseGroovy(dir, [STEP, JENKINSFILE]);
  assert.equal(ok.code, 0, ok.stderr);
  const broken = join(dir, 'Jenkinsfile');
  writeFileSync(broken, readFileSync(JENKINSFILE, 'utf8').replace(/\}\s*$/, ''));
  const r = parseGroovy(dir, [broken]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Jenkinsfile/);
});

test('the Jenkinsfile names its pipeline and never a policy; the step takes no policy argument', () => {
  const jf = readFileSync(JENKINSFILE, 'utf8');
  assert.match(jf, /@Library\('portcullis'\) _/, 'the library version is the admin-configured one');
  assert.match(jf, /pipeline: env\.BRANCH_NAME == 'main' \? "release-\$\{env\.BUILD_NUMBER\}" : "dev-\$\{env\.BRANCH_NAME\}"/);
  const callArgs = /portcullisScan\(([\s\S]*?)\)\n/.exec(jf)![1]!;
  assert.doesNotMatch(callArgs, /policy/i, 'the Jenkinsfile passes no policy');
  const step = readFileSync(STEP, 'utf8');
  assert.match(step, /@Field final List<String> ARGS = \['image', 'pipeline', 'unstableOnWarnings', 'dbSource'\]/);
  assert.match(step, /POLICY_COMMIT = '[0-9a-f]{40}'/);
});

interface Outcome {
  result: 'SUCCESS' | 'UNSTABLE' | 'FAILURE';
  error?: string;
  returned?: { verdict: string; warnings: number; exitCode: number };
  calls: { step: string; args?: Record<string, string>; status?: number; message?: string }[];
}

test('the step on orders-api: FAILURE under production, SUCCESS or UNSTABLE (when asked) under dev; JUnit published, reports archived', async (t) => {
  const image = sharedOrSkip(t, ORDERS_API);
  if (!image || !groovyOrSkip(t)) return;
  const dir = workDir(t, 'jenkins');
  const policy = policyRepo(dir);
  // the security team's copy of the library: their policy repository and commit
  const lib = join(dir, 'library');
  cpSync(LIB, lib, { recursive: true });
  const step = join(lib, 'vars', 'portcullisScan.groovy');
  writeFileSync(step, readFileSync(step, 'utf8').replace(/POLICY_REPOSITORY = '[^']*'/, `POLICY_REPOSITORY = '${policy.url}'`).replace(/POLICY_COMMIT = '[0-9a-f]{40}'/, `POLICY_COMMIT = '${policy.commit}'`));
  const env = jobEnv(dir, { PORTCULLIS_CACHE_DIR: join(dir, 'cache') });
  delete env.PORTCULLIS_DB;
  const db = await sharedDb();
  const runStep = (name: string, pipeline: string, unstable: boolean): Outcome => {
    const ws = join(dir, `ws-${name}`);
    mkdirSync(ws);
    const out = join(dir, `${name}.json`);
    const r = run('groovy', [HARNESS, step, join(lib, 'resources'), ws, out, image, pipeline, String(unstable), db], { env });
    assert.ok(existsSync(out), `harness ran: ${r.stderr.slice(-2000)}`);
    const o = JSON.parse(readFileSync(out, 'utf8')) as Outcome;
    const junit = o.calls.find((c) => c.step === 'junit');
    assert.equal(junit?.args?.skipMarkingBuildUnstable, 'true', 'the verdict, not the test count, sets the result');
    assert.ok(existsSync(join(ws, junit!.args!.testResults!)), 'the JUnit report it publishes exists');
    const archived = o.calls.find((c) => c.step === 'archiveArtifacts')!.args!.artifacts!.split(',');
    for (const a of archived) assert.ok(existsSync(join(ws, a)), `archived ${a} exists`);
    return o;
  };
  const prod = runStep('prod', 'release-7', true);
  assert.equal(prod.result, 'FAILURE');
  assert.match(prod.error!, /failed the policy of pipeline release-7/);
  const dev = runStep('dev', 'dev-7', false);
  assert.equal(dev.result, 'SUCCESS', dev.error);
  assert.equal(dev.returned?.verdict, 'pass');
  assert.ok(dev.returned!.warnings > 0);
  const strict = runStep('dev-strict', 'dev-8', true);
  assert.equal(strict.result, 'UNSTABLE');
  assert.match(strict.calls.find((c) => c.step === 'unstable')!.message!, /policy warning\(s\)/);
});
