// Comparisons per second for every version scheme: "repeat" compares a fixed set of realistic
// versions (parses come from the scheme's bounded cache), "unique" makes a fresh pair each time
// (every compare parses both strings).
import { performance } from 'node:perf_hooks';
import { schemes } from '../src/versioning/registry.js';

const SAMPLES: Record<string, (i: number) => string> = {
  deb: (i) => `1:${i % 7}.${i % 13}.${i}-${i % 5}+deb12u${i % 3}~bpo1`,
  apk: (i) => `${i % 7}.${i % 13}.${i}_rc${i % 4}-r${i % 9}`,
  rpm: (i) => `1:${i % 7}.${i % 13}.${i}-${i % 50}.el9_${i % 4}.1`,
  semver: (i) => `${i % 7}.${i % 13}.${i}-beta.${i % 11}`,
  pep440: (i) => `${i % 7}.${i % 13}.${i}rc${i % 4}.post${i % 3}.dev${i % 5}`,
  maven: (i) => `${i % 7}.${i % 13}.${i}-RC${i % 4}`,
  go: (i) => (i % 2 ? `v${i % 7}.${i % 13}.${i}-0.20191109021931-daa7c04131f5` : `go1.${i % 23}.${i}`),
  gem: (i) => `${i % 7}.${i % 13}.${i}.beta${i % 4}`,
  nuget: (i) => `${i % 7}.${i % 13}.${i}.${i % 3}-preview.${i % 5}`,
  composer: (i) => `v${i % 7}.${i % 13}.${i}-beta${i % 4}`,
  cargo: (i) => `${i % 7}.${i % 13}.${i}-alpha.${i % 11}`,
};

function measure(fn: (i: number) => void): number {
  const budgetMs = 300;
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < budgetMs) {
    for (let k = 0; k < 1000; k++) fn(n++);
    now = performance.now();
  }
  return (n / (now - start)) * 1000;
}

export async function run(): Promise<void> {
  const rows: string[] = [];
  for (const [id, scheme] of Object.entries(schemes)) {
    const gen = SAMPLES[id];
    if (!gen) throw new Error(`bench/versioning: no sample versions for scheme ${id}`);
    const fixed = Array.from({ length: 64 }, (_, i) => gen(i + 1));
    for (const v of fixed) if (!scheme.isValid(v)) throw new Error(`bench/versioning: ${id} sample ${v} is not valid`);
    let sink = 0;
    const repeat = measure((i) => {
      sink += scheme.compare(fixed[i & 63]!, fixed[(i * 7 + 3) & 63]!) ?? 0;
    });
    const unique = measure((i) => {
      sink += scheme.compare(gen(i + 100_000), gen(i + 200_000)) ?? 0;
    });
    rows.push(`${id.padEnd(9)} ${Math.round(repeat).toLocaleString('en').padStart(12)} /s repeat  ${Math.round(unique).toLocaleString('en').padStart(12)} /s unique${sink === 0.5 ? '' : ''}`);
  }
  console.log('scheme       comparisons per second');
  for (const r of rows) console.log(r);
}
