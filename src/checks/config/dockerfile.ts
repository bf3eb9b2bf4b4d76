// Dockerfile lint (with --dockerfile): what the image config cannot show — pinned bases, install flags,
// `curl | sh`, ADD where COPY fits — with line numbers. Uses the Dockerfile reader of baseimage/.
import type { ConfigFinding } from '../../core/types.js';
import { instructions, unquote } from '../../core/dockerfile.js';
import { imageRefOf as parseImageRef } from '../../source/ref.js';
import { configFinding } from './finding.js';
import { stepHits } from './history.js';

export function dockerfileChecks(text: string, file: string): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  const stages = new Set<string>();
  const ev = (line: number, text: string) => ({ source: 'dockerfile' as const, text: text.slice(0, 300), line });
  for (const ins of instructions(text)) {
    const shown = `${ins.keyword} ${ins.args}`;
    if (ins.keyword === 'FROM') {
      const toks = ins.args.split(/\s+/).filter((t) => t !== '' && !t.startsWith('--'));
      const ref = unquote(toks[0] ?? '');
      if (toks.length >= 3 && toks[1]!.toUpperCase() === 'AS') stages.add(toks[2]!.toLowerCase());
      if (ref === '' || ref.toLowerCase() === 'scratch' || stages.has(ref.toLowerCase()) || ref.includes('$')) continue;
      const r = parseImageRef(ref);
      if (!r) continue;
      const where = `${file}:${ins.line}`;
      if (r.digest === undefined) {
        out.push(configFinding('PCL-DF-0001', { subject: `dockerfile:${ref}`, detail: `${where}: FROM ${ref} is not pinned by digest`, evidence: ev(ins.line, shown), path: file }));
        if (r.tag === undefined || r.tag === 'latest') {
          out.push(configFinding('DKL-DI-0006', { subject: `dockerfile:${ref}`, detail: `${where}: FROM ${ref} uses ${r.tag ? ':latest' : 'no tag'}`, evidence: ev(ins.line, shown), path: file }));
        }
      }
      continue;
    }
    if (ins.keyword !== 'RUN' && ins.keyword !== 'ADD') continue;
    const cmd = ins.keyword === 'ADD' ? ins.args : ins.args.replace(/^(?:--\S+\s+)*/, '');
    for (const hit of stepHits(cmd, ins.keyword, { dockerfile: true })) {
      out.push(
        configFinding(hit.check, {
          subject: `dockerfile:${hit.check}:${cmd.replace(/\s+/g, ' ').trim()}`,
          detail: `${file}:${ins.line}: ${hit.detail}`,
          evidence: ev(ins.line, shown),
          path: file,
        }),
      );
    }
  }
  return out;
}
