// `portcullis server` under load on loopback: the policy bundle a pipeline fetches before each scan
// (GET /api/v1/pipelines/NAME/bundle, ci token) and report uploads (POST /api/v1/reports with a
// decision record), on SQLite (one process) and on PostgreSQL with two replicas (requests alternate
// between them). Servers are real processes started by the CLI; the load comes from this process
// (fetch with keep-alive, CONCURRENCY requests in flight) on the same 2 cores, so the numbers include
// the client's cost. Rate limits are off (--rate-limit 0). PostgreSQL: $PORTCULLIS_TEST_PG (a
// superuser URL, as the tests use) or a private cluster from Debian's binaries; absent, said so.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase, freePort, testPostgres } from '../src/server/testkit.js';
import { evaluate } from '../src/policy/evaluate.js';
import { decisionRecord } from '../src/policy/record.js';
import { policy, report, set, vuln, pkg } from '../src/policy/testdata/synthetic.js';
import { openLoop } from './openloop.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const SECONDS = Number(process.env.BENCH_SERVER_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_SERVER_CONCURRENCY ?? 16);
/** the paced bundle load: requests per second, sent on schedule whatever the answers (open loop) */
const RATE = Number(process.env.BENCH_SERVER_RATE ?? 200);
const TARGETS = { bundleP99Ms: 50, uploadsPerSecond: 50 };
const met: string[] = [];

function cli(env: NodeJS.ProcessEnv, args: string[]): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', env, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`portcullis ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

async function start(env: NodeJS.ProcessEnv, database: string): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, 'server', '--database', database, '--listen', `127.0.0.1:${port}`, '--rate-limit', '0'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (/server listening on/.test(err)) resolve();
    });
    proc.on('exit', () => reject(new Error(`server exited: ${err}`)));
  });
  return { url: `http://127.0.0.1:${port}`, proc };
}

interface Load {
  requests: number;
  errors: number;
  perSecond: number;
  p50: number;
  p99: number;
}

/** CONCURRENCY loops for SECONDS, each sending `one(i)` again as soon as the last answered. */
async function load(one: (i: number) => Promise<Response>): Promise<Load> {
  const lat: number[] = [];
  let errors = 0;
  let n = 0;
  const end = performance.now() + SECONDS * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const r = await one(n++);
      await r.arrayBuffer();
      if (!r.ok) errors++;
      lat.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  const s = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return { requests: lat.length, errors, perSecond: lat.length / s, p50: q(0.5), p99: q(0.99) };
}

/** RATE requests per second for SECONDS, each sent on schedule (latency includes any wait for the server). */
async function paced(one: (i: number) => Promise<Response>): Promise<Load> {
  const lat: number[] = [];
  let errors = 0;
  await openLoop(RATE, SECONDS, (i) => {
    const s = performance.now();
    return one(i)
      .then(async (r) => {
        await r.arrayBuffer();
        if (!r.ok) errors++;
      }, () => void errors++)
      .then(() => void lat.push(performance.now() - s));
  }, 5);
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return { requests: lat.length, errors, perSecond: lat.length / SECONDS, p50: q(0.5), p99: q(0.99) };
}

async function measure(backend: string, env: NodeJS.ProcessEnv, database: string, replicas: number): Promise<string[]> {
  const admin = cli(env, ['server', 'token', 'create', '--database', database, '--name', 'bench-admin', '--role', 'admin']);
  const ci = cli(env, ['server', 'token', 'create', '--database', database, '--name', 'bench-ci', '--role', 'ci', '--pipeline', 'prod-*']);
  const servers: { url: string; proc: ChildProcess }[] = [];
  for (let i = 0; i < replicas; i++) servers.push(await start(env, database));
  try {
    const at = (i: number) => servers[i % servers.length]!.url;
    const call = (i: number, token: string, method: string, path: string, body?: unknown) =>
      fetch(at(i) + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const doc = { apiVersion: 'portcullis/v1', kind: 'AssurancePolicy', metadata: { name: 'prod' }, spec: { appliesTo: { pipelines: ['prod-*'] }, controls: { vulnerabilities: { failOn: 'high' } } } };
    for (const [m, p, b] of [['PUT', '/api/v1/policies/prod', doc], ['PUT', '/api/v1/pipelines/prod-shop', { owner: 'bench' }]] as const) {
      const r = await call(0, admin, m, p, b);
      if (!r.ok) throw new Error(`${m} ${p}: ${r.status} ${await r.text()}`);
    }
    const findings = Array.from({ length: 50 }, (_, i) => vuln({ id: `vulnerability:${i}`, advisoryId: `CVE-2024-${10000 + i}`, severity: i % 5 === 0 ? 'high' : 'low' }));
    const r = report({ findings, packages: Array.from({ length: 200 }, (_, i) => pkg({ name: `lib${i}` })) });
    const ps = [policy('prod', { vulnerabilities: { failOn: 'high' } })];
    const decision = evaluate(r, ps, set([]), { pipeline: 'prod-shop', image: { name: 'registry.example.com/shop/api', tag: '1.0' }, now: new Date('2026-03-01T10:00:00Z') });
    const record = decisionRecord({ ...r, decision }, { policyDigest: 'sha256:' + '0'.repeat(64) });
    const body = { pipeline: 'prod-shop', report: r, decision: record };
    const bytes = JSON.stringify(body).length;
    const fetchBundle = (i: number) => call(i, ci, 'GET', '/api/v1/pipelines/prod-shop/bundle');
    // warm-up: connections to the database, the first compilations, the objects cache
    for (let i = 0; i < 200; i++) await (await fetchBundle(i)).arrayBuffer();
    const bundle = await paced(fetchBundle);
    const saturated = await load(fetchBundle);
    const upload = await load((i) => call(i, ci, 'POST', '/api/v1/reports', body));
    const row = (what: string, l: Load) =>
      `| ${backend}, ${replicas} process${replicas > 1 ? 'es' : ''} | ${what} | ${l.requests} (${l.errors} errors) | ${l.perSecond.toFixed(0)}/s | ${l.p50.toFixed(1)} ms | ${l.p99.toFixed(1)} ms |`;
    met.push(`${backend}: bundle p99 ${bundle.p99.toFixed(0)} ms ${bundle.p99 <= TARGETS.bundleP99Ms ? 'meets' : 'misses'} the target; uploads ${upload.perSecond.toFixed(0)}/s ${upload.perSecond >= TARGETS.uploadsPerSecond ? 'meet' : 'miss'} it.`);
    return [row(`policy bundle fetch, paced at ${RATE}/s`, bundle), row(`policy bundle fetch, ${CONCURRENCY} in flight (saturation)`, saturated), row(`report upload, ${CONCURRENCY} in flight (${(bytes / 1024).toFixed(0)} KiB)`, upload)];
  } finally {
    for (const s of servers) s.proc.kill('SIGTERM');
  }
}

export async function run(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-server-'));
  const env = { ...process.env, PORTCULLIS_DATA_DIR: dir };
  try {
    const rows = await measure('SQLite', env, join(dir, 'portcullis.db'), 1);
    const pg = await testPostgres();
    const pgRows = pg ? await measure('PostgreSQL', env, await createDatabase(pg, `bench_server_${Date.now()}`), 2) : ['| PostgreSQL | not measured: no PostgreSQL here | | | | |'];
    const all = [...rows, ...pgRows];
    return [
      `Method: \`bench/server.bench.ts\`. \`portcullis server\` processes (tsx) on 127.0.0.1 with \`--rate-limit 0\`; one Node client process (fetch, keep-alive), ${SECONDS} s per case: the bundle paced at ${RATE} requests/s (open loop: each sent on schedule, its latency counts any wait), then as fast as ${CONCURRENCY} requests in flight allow (saturation: throughput), and uploads with ${CONCURRENCY} in flight; on the same 2 cores as the servers (the client's cost is in the numbers). Policy bundle: \`GET /api/v1/pipelines/prod-shop/bundle\` with a ci token (what \`scan --server\` fetches). Upload: \`POST /api/v1/reports\` with a synthetic report (200 packages, 50 findings) and its decision record (verified by the server). PostgreSQL: two server processes on one database, requests alternating.`,
      '',
      '| backend | request | requests | throughput | p50 | p99 |',
      '|---|---|---:|---:|---:|---:|',
      ...all,
      '',
      `Targets: policy bundle p99 ≤ ${TARGETS.bundleP99Ms} ms at ${RATE} requests/s and report uploads ≥ ${TARGETS.uploadsPerSecond}/s on each backend (a CI fleet of a few hundred pipelines fetches once and uploads once per scan).`,
      ...met.map((m) => `- ${m}`),
      `- At saturation, latency is queueing by construction (${CONCURRENCY} in flight ÷ throughput = the mean wait, on 2 cores shared with the client): those rows measure throughput; the paced row is the latency a CI fleet sees.`,
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
