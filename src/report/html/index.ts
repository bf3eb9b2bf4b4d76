// A self-contained HTML report: verdict, the actions list, violations with fixes, base-image advice,
// suppressed findings with their exceptions, and an inventory summary. Inline CSS, no scripts, no
// network fetches; every string from the image or the advisory data is escaped (and stripped of
// control characters). Readable in 30 seconds: the verdict and the first action are at the top.
import type { Reporter, ScanReport } from '../../core/report.js';
import type { Finding } from '../../core/types.js';
import { SEVERITY_ORDER } from '../../core/types.js';
import { actionLine, byDecisiveness } from '../describe.js';

// eslint-disable-next-line no-control-regex -- stripping control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function esc(s: unknown): string {
  return String(s ?? '')
    .replace(CONTROL, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const CSS = `
:root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--mut:#57606a;--line:#d0d7de;--bad:#cf222e;--ok:#1a7f37;--warn:#9a6700;--card:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--mut:#9198a1;--line:#30363d;--bad:#ff7b72;--ok:#3fb950;--warn:#d29922;--card:#161b22}}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.verdict{font-size:28px;font-weight:700;padding:14px 18px;border-radius:8px;margin:12px 0;border:2px solid}
.fail{color:var(--bad);border-color:var(--bad)}.pass{color:var(--ok);border-color:var(--ok)}.info{color:var(--mut);border-color:var(--line)}
.mut{color:var(--mut)}code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--card);padding:1px 4px;border-radius:4px;overflow-wrap:anywhere}
ol.actions li{margin:4px 0}.decides{color:var(--bad);font-weight:600}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
.sev{font-weight:600;text-transform:uppercase;font-size:12px}.critical,.high{color:var(--bad)}.medium{color:var(--warn)}
.fix{color:var(--mut)}details{margin:8px 0}summary{cursor:pointer}
`;

function verdictOf(r: ScanReport): { cls: string; text: string } {
  const d = r.decision;
  if (!d) return { cls: 'info', text: 'Scanned (no policy applied)' };
  if (d.verdict === 'pass') return { cls: 'pass', text: d.allowlisted ? 'PASSED (allowlisted)' : 'PASSED' };
  return { cls: 'fail', text: `FAILED: ${d.violations.length} violation${d.violations.length === 1 ? '' : 's'}` };
}

function findingLabel(f: Finding | undefined): string {
  if (!f) return '';
  switch (f.kind) {
    case 'vulnerability':
      return `${f.advisoryId} in ${f.package.name} ${f.installedVersion}`;
    case 'config':
      return `${f.check} ${f.path ?? ''}`;
    case 'secret':
      return `${f.rule} in ${f.path}`;
    case 'malware':
      return `${f.signature} ${f.path ?? ''}`;
    default:
      return f.title;
  }
}

export function toHtml(r: ScanReport): string {
  const img = r.inventory.image;
  const d = r.decision;
  const byId = new Map([...r.findings, ...(d?.derivedFindings ?? [])].map((f) => [f.id, f]));
  const v = verdictOf(r);
  const o: string[] = [];
  o.push('<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">');
  o.push(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
  o.push(`<title>Portcullis: ${esc(v.text)} — ${esc(img.name)}</title><style>${CSS}</style></head><body>`);
  o.push(`<h1>${esc(img.name)}</h1><div class="mut">digest <code>${esc(img.manifestDigest ?? img.configDigest ?? 'unknown')}</code>${d ? ` · pipeline <code>${esc(d.pipeline)}</code> · policies ${d.policies.map((p) => `<code>${esc(p)}</code>`).join(' ') || 'none'}` : ''}</div>`);
  o.push(`<div class="verdict ${v.cls}" id="verdict">${esc(v.text)}</div>`);
  const actions = (r.actions ?? []).filter((a) => a.kind !== 'no-fix');
  if (actions.length) {
    o.push(`<h2>What to change (${actions.length})</h2><ol class="actions">`);
    for (const a of actions) o.push(`<li class="${a.decides ? 'decides' : ''}">${esc(actionLine(a))}${a.decides ? ' — <span>blocks this pipeline</span>' : ''}</li>`);
    o.push('</ol>');
    const noFix = (r.actions ?? []).filter((a) => a.kind === 'no-fix');
    if (noFix.length) o.push(`<p class="mut">No fix yet: ${noFix.map((a) => esc(`${a.package.name} ${a.package.version}`)).join(', ')}</p>`);
  }
  if (d?.violations.length) {
    o.push(`<h2>Violations (${d.violations.length})</h2><table><tr><th>control</th><th>what</th><th>fix</th></tr>`);
    for (const x of [...d.violations].sort(byDecisiveness(r))) o.push(`<tr><td><code>${esc(x.policy)}/${esc(x.control)}</code></td><td>${esc(x.message)}</td><td class="fix">${esc(x.remediation ?? '')}</td></tr>`);
    o.push('</table>');
  }
  const advice = r.lineage?.advice ?? [];
  if (r.lineage) {
    const base = r.lineage.chain[0];
    o.push(`<h2>Base image</h2><p>${base ? `<code>${esc(base.name)}</code>` : 'unknown'} <span class="mut">(${esc(r.lineage.method)}, ${esc(r.lineage.confidence)} confidence)</span></p>`);
    if (advice.length) o.push(`<ul>${advice.map((a) => `<li>${esc(a.kind === 'rebuild' ? 'rebuild on the current tag' : 'move to')} <code>${esc(a.name)}</code>: fixes ${a.fixes}, ${a.remaining} remain${a.approvedBy && a.approvedBy.length === 0 ? ' <span class="mut">(approved by the base catalog only: no policy in force names approved bases)</span>' : ''}<br><code class="from">${esc(a.from ?? `FROM ${a.name}${a.digest ? `@${a.digest}` : ''}`)}</code></li>`).join('')}</ul>`);
  }
  if (d?.suppressed.length) {
    o.push(`<h2>Suppressed (${d.suppressed.length})</h2><table><tr><th>finding</th><th>by</th><th>rule / exception</th><th>owner</th><th>expires</th><th>reason</th></tr>`);
    for (const s of d.suppressed) {
      o.push(`<tr><td>${esc(findingLabel(byId.get(s.findingId)) || s.findingId)}</td><td>${esc(s.by)}</td><td><code class="exception-id">${esc(s.ruleId)}</code></td><td>${esc(s.owner ?? '')}</td><td>${esc(s.expires ?? '')}</td><td>${esc(s.reason ?? '')}</td></tr>`);
    }
    o.push('</table>');
  }
  if (d?.warnings.length) {
    o.push(`<details><summary>Warnings (${d.warnings.length})</summary><ul>${[...d.warnings].sort(byDecisiveness(r)).map((w) => `<li><code>${esc(w.policy)}/${esc(w.control)}</code> ${esc(w.message)}</li>`).join('')}</ul></details>`);
  }
  const counts = new Map<string, number>();
  for (const f of r.findings) if (f.kind === 'vulnerability') counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  const types = new Map<string, number>();
  for (const p of r.inventory.packages) types.set(p.type, (types.get(p.type) ?? 0) + 1);
  o.push('<h2>Inventory</h2>');
  o.push(`<p>${r.inventory.os ? `${esc(r.inventory.os.prettyName ?? r.inventory.os.name)} · ` : ''}${r.inventory.packages.length} packages (${[...types].sort().map(([t, n]) => `${n} ${esc(t)}`).join(', ')}) · ${img.layers.length} layers</p>`);
  o.push(`<p>Vulnerabilities: ${[...SEVERITY_ORDER].reverse().map((s) => `<span class="sev ${s}">${counts.get(s) ?? 0} ${s}</span>`).join(' · ')}</p>`);
  const checks = r.checks ?? [];
  if (checks.length) o.push(`<p class="mut">Checks: ${checks.map((c) => `${esc(c.check)} ${esc(c.state)}`).join(' · ')}</p>`);
  const rest = r.findings.filter((f) => f.kind !== 'vulnerability');
  if (rest.length) {
    o.push(`<details><summary>Other findings (${rest.length})</summary><table><tr><th>severity</th><th>kind</th><th>what</th></tr>`);
    for (const f of rest) o.push(`<tr><td class="sev ${f.severity}">${esc(f.severity)}</td><td>${esc(f.kind)}</td><td>${esc(findingLabel(f))} ${esc(f.kind === 'coverage-gap' ? f.detail : '')}</td></tr>`);
    o.push('</table></details>');
  }
  for (const n of d?.notices ?? []) o.push(`<p class="mut">note: ${esc(n)}</p>`);
  o.push(`<p class="mut"><small>${esc(r.scanner.name)} ${esc(r.scanner.version)} · ${esc(r.createdAt)}</small></p></body></html>\n`);
  return o.join('\n');
}

export const htmlReporter: Reporter = {
  format: 'html',
  modes: ['scan'],
  async render(report, out) {
    out.write(toHtml(report));
  },
};
