// GoCD (YAML config plugin) and Bamboo (Bamboo Specs YAML) examples: no GoCD or Bamboo server runs here,
// so the test reads each job's tasks from the YAML and runs their commands as the agent would (the
// server-side artifact fetch is done by copying the fixture image into the job's working directory),
// with the security team's policy repository and DB source set: orders-api fails as a release pipeline
// (exit 1) and passes as a dev pipeline, and the test report and artifacts the YAML declares exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT, sharedOrSkip } from '../src/core/shared.js';
import { sharedDb } from './helpers/shared-db.js';
import { ORDERS_API, jobEnv, policyRepo, run, workDir } from './helpers/ci.js';

const GOCD = join(REPO_ROOT, 'ci', 'gocd', 'portcullis.gocd.yaml');
const BAMBOO = join(REPO_ROOT, 'ci', 'bamboo', 'bamboo.yml');

type Vars = Record<string, string>;
interface GocdTask {
  exec?: { command: string; arguments?: string[] };
  fetch?: { source: string; is_file?: boolean };
}
interface GocdJob {
  tasks: GocdTask[];
  artifacts: ({ test?: { source: string } } & { build?: { source: string } })[];
}
interface Gocd {
  format_version: number;
  environments: Record<string, { environment_variables: Vars; pipelines: string[] }>;
  pipelines: Record<string, { environment_variables: Vars; stages: Record<string, { jobs: Record<string, GocdJob> }>[] }>;
}

const lastLine = (s: string) => s.trim().split('\n').filter((l) => l.startsWith('portcullis: ')).at(-1) ?? s.slice(-500);

test('GoCD: each pipeline runs its job tasks: release fails (exit 1), dev passes; the test and build artifacts exist', async (t) => {
  const image = sharedOrSkip(t, ORDERS_API);
  if (!image) return;
  const dir = workDir(t, 'gocd');
  const policy = policyRepo(dir);
  const config = parse(readFileSync(GOCD, 'utf8')) as Gocd;
  assert.equal(config.format_version, 10);
  const [envName, environment] = Object.entries(config.environments)[0]!;
  assert.match(environment.environment_variables.PORTCULLIS_POLICY_COMMIT!, /^[0-9a-f]{40}$/, `${envName}: policy pinned by commit`);
  // the security team's values for this test
  const secEnv = { ...environment.environment_variables, PORTCULLIS_POLICY_REPOSITORY: policy.url, PORTCULLIS_POLICY_COMMIT: policy.commit, PORTCULLIS_DB_SOURCE: await sharedDb() };
  const codes: Record<string, number> = {};
  for (const name of environment.pipelines) {
    const pipeline = config.pipelines[name]!;
    for (const stage of pipeline.stages) {
      for (const [stageName, { jobs }] of Object.entries(stage)) {
        for (const [jobName, job] of Object.entries(jobs)) {
          const ws = join(dir, `${name}-${stageName}-${jobName}`);
          mkdirSync(ws);
          const env = jobEnv(dir, { ...secEnv, ...pipeline.environment_variables, GO_PIPELINE_NAME: name, GO_PIPELINE_COUNTER: '7', PORTCULLIS_CACHE_DIR: join(dir, 'cache') });
          delete env.PORTCULLIS_DB;
          let code = 0;
          for (const task of job.tasks) {
            if (task.fetch) {
              // the GoCD server's artifact fetch: the image tarball from the build pipeline
              assert.equal(task.fetch.source, 'image.tar');
              copyFileSync(image, join(ws, 'image.tar'));
              continue;
            }
            assert.ok(task.exec, `only exec and fetch tasks: ${JSON.stringify(task)}`);
            const r = run(task.exec.command, task.exec.arguments ?? [], { cwd: ws, env });
            code = r.code;
            codes[name] = code;
            if (code !== 0) {
              assert.equal(code, 1, `${name}: ${lastLine(r.stderr)}`);
              break;
            }
          }
          for (const a of job.artifacts) {
            const src = a.test?.source ?? a.build?.source;
            assert.ok(src && existsSync(join(ws, src)), `${name}: artifact ${src} exists (exit ${code})`);
          }
          const decision = JSON.parse(readFileSync(join(ws, 'portcullis-reports', 'portcullis-decision.json'), 'utf8')) as { pipeline: string; policies: { digest: string } };
          assert.equal(decision.pipeline, `${pipeline.environment_variables.PORTCULLIS_PIPELINE_PREFIX}-7`);
          assert.match(decision.policies.digest, /^sha256:[0-9a-f]{64}$/);
        }
      }
    }
  }
  assert.deepEqual(codes, { 'orders-api-release': 1, 'orders-api-dev': 0 });
});

interface Bamboo {
  version: number;
  variables: Vars;
  stages: Record<string, { jobs: string[] }>[];
  [job: string]: unknown;
}
interface BambooJob {
  tasks: ({ script?: { interpreter: string; scripts: string[] } } & { 'artifact-download'?: unknown })[];
  'final-tasks': { 'test-parser'?: { type: string; 'test-results': string } }[];
  artifacts: { name: string; location: string; pattern: string }[];
}

test('Bamboo: the job\'s script tasks run on plan branch main (release: exit 1) and a feature branch (dev: pass); JUnit and artifacts exist', async (t) => {
  const image = sharedOrSkip(t, ORDERS_API);
  if (!image) return;
  const dir = workDir(t, 'bamboo');
  const policy = policyRepo(dir);
  const specs = parse(readFileSync(BAMBOO, 'utf8')) as Bamboo;
  assert.equal(specs.version, 2);
  assert.match(specs.variables.portcullis_policy_commit!, /^[0-9a-f]{40}$/);
  const vars: Vars = { ...specs.variables, portcullis_policy_repository: policy.url, portcullis_policy_commit: policy.commit, portcullis_db_source: await sharedDb() };
  const jobNames = specs.stages.flatMap((s) => Object.values(s).flatMap((st) => st.jobs));
  assert.deepEqual(jobNames, ['Portcullis']);
  for (const [branch, expected, pipeline] of [['main', 1, 'release-7'], ['feature-login', 0, 'dev-feature-login']] as const) {
    for (const name of jobNames) {
      const job = specs[name] as BambooJob;
      const ws = join(dir, `${branch}-${name}`);
      mkdirSync(ws);
      // Bamboo exports plan variables as bamboo_<name>
      const env = jobEnv(dir, { ...Object.fromEntries(Object.entries(vars).map(([k, v]) => [`bamboo_${k}`, v])), bamboo_buildNumber: '7', bamboo_planRepository_branchName: branch, PORTCULLIS_CACHE_DIR: join(dir, 'cache') });
      delete env.PORTCULLIS_DB;
      let code = 0;
      for (const task of job.tasks) {
        if (task['artifact-download']) {
          copyFileSync(image, join(ws, 'image.tar')); // the Bamboo server's artifact download
          continue;
        }
        assert.equal(task.script?.interpreter, 'SHELL');
        for (const script of task.script!.scripts) {
          const r = run('/bin/sh', ['-c', script], { cwd: ws, env });
          code = r.code;
          if (code !== 0) assert.equal(code, expected, `${branch}: ${lastLine(r.stderr)}`);
        }
      }
      assert.equal(code, expected, `${branch}: exit code`);
      const parser = job['final-tasks'].find((f) => f['test-parser'])!['test-parser']!;
      assert.equal(parser.type, 'junit');
      assert.ok(existsSync(join(ws, parser['test-results'])), 'the JUnit report the final task parses exists');
      for (const a of job.artifacts) assert.ok(readdirSync(join(ws, a.location)).length >= 4, `artifact ${a.name}: the reports and the decision record`);
      const decision = JSON.parse(readFileSync(join(ws, 'portcullis-reports', 'portcullis-decision.json'), 'utf8')) as { pipeline: string };
      assert.equal(decision.pipeline, pipeline);
    }
  }
});
