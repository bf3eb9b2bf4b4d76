// evaluate() on synthetic reports: 20,000 findings / 2,000 exceptions, and a typical 500 findings / 50 exceptions; 3 policies.
import { evaluate } from '../src/policy/evaluate.js';
import { CTX, exc, pkg, policy, report, set, vuln } from '../src/policy/testdata/synthetic.js';

export async function run(): Promise<void> {
  await once(20_000, 2_000, 2_000, 5);
  await once(500, 50, 150, 50);
}

async function once(nFindings: number, nExceptions: number, nPackages: number, n: number): Promise<void> {
  const sev = ['low', 'medium', 'high', 'critical'] as const;
  const findings = Array.from({ length: nFindings }, (_, i) =>
    vuln({ id: `vulnerability:${i}`, advisoryId: `CVE-2024-${10000 + i}`, aliases: [`GHSA-${i}`], severity: sev[i % 4], fixState: i % 3 ? 'fixed' : 'not-fixed', origin: i % 2 ? 'base' : 'app' }),
  );
  const packages = Array.from({ length: nPackages }, (_, i) => pkg({ name: `lib${i}`, licenses: ['MIT OR Apache-2.0'] }));
  const exceptions = Array.from({ length: nExceptions }, (_, i) => exc({ id: `EXC-${i}`, finding: `CVE-2024-${10000 + i * 7}` }));
  const r = report({ findings, packages });
  const ps = [
    policy('production', { vulnerabilities: { failOn: 'high', maxCvss: 7, ignoreUnfixed: true, gracePeriodDays: 30, knownExploited: 'fail' }, licenses: { deny: ['AGPL-3.0-*'] }, packages: { deny: ['telnet', 'netcat-*'] } }),
    policy('app-only', { vulnerabilities: { failOn: 'medium', appOnly: true } }),
    policy('audit', { vulnerabilities: { failOn: 'any' } }, { enforcement: 'audit' }),
  ];
  const ex = set(exceptions);
  evaluate(r, ps, ex, CTX); // warm-up
  const t0 = performance.now();
  let d;
  for (let i = 0; i < n; i++) d = evaluate(r, ps, ex, CTX);
  const ms = (performance.now() - t0) / n;
  console.log(`evaluate: ${findings.length} findings × ${ps.length} policies, ${exceptions.length} exceptions, ${packages.length} packages: ${ms.toFixed(1)} ms/run`);
  console.log(`  violations ${d!.violations.length}, warnings ${d!.warnings.length}, suppressed ${d!.suppressed.length}, notices ${d!.notices.length}`);
}
