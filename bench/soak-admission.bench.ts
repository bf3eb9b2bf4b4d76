// The admission webhook's memory under a long load (issue 23: "memory flat over a 10-minute soak"): the
// webhook of admission.bench.ts, RPS requests/s (BENCH_ADMISSION_RPS, default 500) for
// BENCH_ADMISSION_SOAK_SECONDS (default 600), its RSS read from /proc every 10 s.
import { load, rssMiB, startWebhook } from './admission.bench.js';

const RPS = Number(process.env.BENCH_ADMISSION_RPS ?? 500);
const SOAK = Number(process.env.BENCH_ADMISSION_SOAK_SECONDS ?? 600);

export async function run(): Promise<string | void> {
  const w = await startWebhook();
  if (!w) return;
  try {
    const samples: number[] = [rssMiB(w.pid)];
    let errors = 0;
    let sent = 0;
    const kinds = new Set<string>();
    for (let t = 0; t < SOAK; t += 10) {
      const s = await load(w.agent, w.port, w.body, Math.min(10, SOAK - t), RPS);
      errors += s.errors;
      sent += s.sent;
      for (const k of s.kinds) kinds.add(k);
      samples.push(rssMiB(w.pid));
      if (samples.length % 6 === 1) console.log(`+${t + 10} s: RSS ${samples[samples.length - 1]!.toFixed(0)} MiB, ${errors} errors`);
    }
    const late = samples.slice(Math.floor(samples.length / 2));
    const line = `${sent} requests at ${RPS}/s for ${SOAK} s, ${errors} errors${kinds.size ? ` (${[...kinds].join('; ')})` : ''}; webhook RSS every 10 s (MiB): ${samples.map((x) => x.toFixed(0)).join(' ')}`;
    const verdict = `second half: min ${Math.min(...late).toFixed(0)}, max ${Math.max(...late).toFixed(0)} MiB; first sample ${samples[0]!.toFixed(0)}, last ${samples[samples.length - 1]!.toFixed(0)} MiB`;
    console.log(line);
    console.log(verdict);
    return [
      'The webhook of the admission section (own process, TLS, SQLite store, two cached images) under the same',
      `open-loop load for ${SOAK} s; its resident memory read from /proc/PID/status every 10 s. Target (issue 23): flat.`,
      '',
      `- ${line}`,
      `- ${verdict}`,
    ].join('\n');
  } finally {
    await w.stop();
  }
}
