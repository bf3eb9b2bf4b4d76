// The admission webhook under load (issue 23): `portcullis admission` in its own process (tsx, as in
// the tests) over loopback TLS, a Deployment AdmissionReview whose two images are cached (tag → digest
// and decision caches warm), sent open-loop at BENCH_ADMISSION_RPS (default 500) requests/s for
// BENCH_ADMISSION_SECONDS (default 20) by a keep-alive client in this process (no autocannon/wrk here:
// a small Node generator; it shares the 2 cores with the webhook). The 10-minute memory soak is
// bench/soak-admission.bench.ts (same webhook, same load).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLoop } from './openloop.js';
import { haveTools, startRegistry, freePort } from '../src/source/registry/testregistry.js';
import { openStore } from '../src/server/store/db.js';
import { insertScan } from '../src/server/store/scans.js';
import { fixture, pushImage, record, selfSigned } from '../src/admission/testkit.js';
import { latestDecision } from '../src/server/store/scans.js';
import { systemClock } from '../src/core/clock.js';
import { Judge } from '../src/admission/judge.js';
import { DigestResolver } from '../src/admission/resolve.js';
import { admit } from '../src/admission/webhook.js';
import { parseReview } from '../src/admission/review.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const RPS = Number(process.env.BENCH_ADMISSION_RPS ?? 500);
const SECONDS = Number(process.env.BENCH_ADMISSION_SECONDS ?? 20);

export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Open-loop load: RPS requests per second for `seconds`, latency of each (ms), errors counted. */
export async function load(agent: https.Agent, port: number, body: Buffer, seconds: number, rps: number): Promise<{ lat: number[]; errors: number; sent: number; kinds: string[] }> {
  const lat: number[] = [];
  let errors = 0;
  const kinds = new Set<string>();
  const start = Date.now();
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = process.hrtime.bigint();
      const r = https.request({ host: '127.0.0.1', port, path: '/validate', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          lat.push(ms);
          if (process.env.BENCH_ADMISSION_DEBUG && ms > 50) console.log(`slow: ${ms.toFixed(0)} ms at +${Date.now() - start} ms`);
          const answer = res.statusCode === 200 ? (JSON.parse(Buffer.concat(chunks).toString()) as { response: { allowed: boolean; status?: { message?: string } } }).response : undefined;
          if (!answer?.allowed) {
            errors++;
            kinds.add(answer ? `denied: ${answer.status?.message ?? ''}`.slice(0, 200) : `HTTP ${res.statusCode}`);
          }
          resolve();
        });
      });
      r.on('error', (e: Error) => {
        errors++;
        kinds.add(e.message);
        resolve();
      });
      r.end(body);
    });
  const sent = await openLoop(rps, seconds, one);
  return { lat, errors, sent, kinds: [...kinds] };
}

/** The bucket bound at the 99th percentile of the webhook's handling-time histogram. */
function metricsP99(agent: https.Agent, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: '/metrics', agent }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        const buckets = [...text.matchAll(/_bucket\{le="([^"]+)"\} (\d+)/g)].map((m) => [m[1]!, Number(m[2])] as const);
        const total = buckets[buckets.length - 1]![1];
        const hit = buckets.find(([, n]) => n >= 0.99 * total)!;
        resolve(hit[0] === '+Inf' ? '>10000' : String(Number(hit[0]) * 1000));
      });
    }).on('error', reject);
  });
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

export interface Webhook {
  port: number;
  body: Buffer;
  agent: https.Agent;
  pid: number;
  /** the webhook's own cost measured in process before it was started (one line) */
  inProcess: string;
  stop(): Promise<void>;
}

/** The webhook in its own process on a SQLite store with two cached images; undefined when tools are missing. */
export async function startWebhook(): Promise<Webhook | undefined> {
  const missing = haveTools('docker-registry', 'skopeo', 'openssl');
  if (missing.length) {
    console.log(`SKIPPED: needs ${missing.join(', ')}`);
    return undefined;
  }
  const work = mkdtempSync(join(tmpdir(), 'portcullis-bench-admission-'));
  const reg = await startRegistry();
  let child: ReturnType<typeof spawn> | undefined;
  const stop = async () => {
    child?.kill('SIGTERM');
    await reg.stop();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const tls = selfSigned(work);
    const store = await openStore(join(work, 'portcullis.db'));
    const images: string[] = [];
    for (const n of ['api', 'migrate']) {
      const digest = await pushImage(reg, `shop/${n}:1`, `bench ${n}`);
      const name = `${reg.host}/shop/${n}`;
      const now = new Date();
      await insertScan(store, { pipeline: 'prod-cluster', repository: name, tag: '1', digest, verdict: 'pass', report: {}, decision: record({ name, digest, pipeline: 'prod-cluster', verdict: 'pass', evaluatedAt: now.toISOString() }), by: 'bench', at: now });
      images.push(`${name}:1`);
    }
    // the webhook's own cost, in process (no TLS, no scheduling of a second process): parse + judge, caches warm
    const judge = new Judge({ pipeline: 'prod-cluster', clock: systemClock, store: { latest: (p, d) => latestDecision(store, p, d) } });
    const resolver = new DigestResolver({ registry: {}, clock: systemClock });
    const warmBody = fixture('deployment', { main: images[0]!, init: images[1]! });
    const inproc: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const t0 = process.hrtime.bigint();
      const res = await admit(parseReview(warmBody), undefined, { judge, resolver, clock: systemClock, mode: 'enforce' });
      if (i > 100) inproc.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (!res.allowed) throw new Error('bench request denied');
    }
    inproc.sort((a, b) => a - b);
    const inProcess = `in process (parse + judge, caches warm), ${inproc.length} requests: p50 ${pct(inproc, 50).toFixed(3)} ms, p99 ${pct(inproc, 99).toFixed(3)} ms`;
    await store.close();
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'admission', '--pipeline', 'prod-cluster', '--database', join(work, 'portcullis.db'),
      '--tls-cert', join(work, 'tls.crt'), '--tls-key', join(work, 'tls.key'), '--listen', `127.0.0.1:${port}`], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child!.stderr!.on('data', (c: Buffer) => {
        err += c.toString();
        if (err.includes('listening')) resolve();
      });
      child!.once('exit', (code) => reject(new Error(`webhook exited ${code}: ${err}`)));
    });
    const body = fixture('deployment', { main: images[0]!, init: images[1]! });
    // one keep-alive agent throughout, as the API server keeps its connections: warm-up opens them and fills the caches
    const agent = new https.Agent({ keepAlive: true, maxSockets: 64, ca: tls.cert });
    await load(agent, port, body, 3, RPS);
    return { port, body, agent, pid: child.pid!, inProcess, stop: async () => { agent.destroy(); await stop(); } };
  } catch (e) {
    await stop();
    throw e;
  }
}

export async function run(): Promise<string | void> {
  const w = await startWebhook();
  if (!w) return;
  try {
    console.log(w.inProcess);
    const r = await load(w.agent, w.port, w.body, SECONDS, RPS);
    const lat = r.lat.sort((a, b) => a - b);
    const serverSide = await metricsP99(w.agent, w.port);
    const line = `${r.sent} requests at ${RPS}/s for ${SECONDS} s: p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms, max ${lat[lat.length - 1]!.toFixed(1)} ms, ${r.errors} errors${r.kinds.length ? ` (${r.kinds.join('; ')})` : ''} (target p99 < 20 ms); the webhook's own handling time (its /metrics histogram, warm-up included): p99 ≤ ${serverSide} ms`;
    console.log(line);
    return [
      'Webhook process: `portcullis admission` under tsx with a SQLite store, TLS on 127.0.0.1; client: a keep-alive',
      'Node generator in the bench process (no autocannon/wrk installed), open loop, on the same 2 cores.',
      'Request: the Deployment fixture with two images whose tag → digest and decisions are cached.',
      'Memory over 10 minutes: the soak-admission section.',
      '',
      `- ${w.inProcess}`,
      `- over TLS: ${line}`,
    ].join('\n');
  } finally {
    await w.stop();
  }
}
