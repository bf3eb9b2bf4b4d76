// The base image a Dockerfile declares: the FROM of its last stage, with `ARG` defaults substituted
// (global ARGs, declared before the first FROM) and stage aliases followed (`FROM build AS final` →
// the base of stage `build`). Reference: https://docs.docker.com/reference/dockerfile/#from
// Never throws: a Dockerfile we cannot read gives `{kind: 'none', problem}`.

export type DeclaredFrom =
  | { kind: 'image'; ref: string; line: number }
  | { kind: 'scratch'; line: number }
  | { kind: 'none'; problem: string };

const MAX_DOCKERFILE_BYTES = 1024 * 1024;

import { instructions, unquote } from '../core/dockerfile.js';

/** `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:+alt}`; an unknown variable expands to empty (as docker does). */
function substitute(s: string, vars: Map<string, string>): { value: string; unresolved: string[] } {
  const unresolved: string[] = [];
  const value = s.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_m, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    const v = vars.get(name);
    if (op === '-') return v !== undefined && v !== '' ? v : (word ?? '');
    if (op === '+') return v !== undefined && v !== '' ? (word ?? '') : '';
    if (v === undefined) unresolved.push(name);
    return v ?? '';
  });
  return { value, unresolved };
}

/** ARG NAME[=default] [NAME2[=default2] ...] */
function parseArgs(args: string): [string, string | undefined][] {
  const out: [string, string | undefined][] = [];
  for (const tok of args.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? []) {
    const eq = tok.indexOf('=');
    const name = eq >= 0 ? tok.slice(0, eq) : tok;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
    out.push([name, eq >= 0 ? unquote(tok.slice(eq + 1)) : undefined]);
  }
  return out;
}

/** The base the last stage of a Dockerfile is built FROM. */
export function declaredFrom(text: string): DeclaredFrom {
  if (typeof text !== 'string') return { kind: 'none', problem: 'not text' };
  if (text.length > MAX_DOCKERFILE_BYTES) return { kind: 'none', problem: `Dockerfile larger than ${MAX_DOCKERFILE_BYTES} bytes` };
  if (text.includes('\u0000')) return { kind: 'none', problem: 'Dockerfile contains NUL bytes (not a text file)' };
  const globals = new Map<string, string>();
  const stages: { alias?: string; from: DeclaredFrom }[] = [];
  let seenFrom = false;
  for (const ins of instructions(text)) {
    if (ins.keyword === 'ARG' && !seenFrom) {
      for (const [k, v] of parseArgs(ins.args)) if (v !== undefined) globals.set(k, substitute(v, globals).value);
      continue;
    }
    if (ins.keyword !== 'FROM') continue;
    seenFrom = true;
    const toks = ins.args.split(/\s+/).filter((t) => t !== '' && !t.startsWith('--'));
    if (toks.length === 0) {
      stages.push({ from: { kind: 'none', problem: `line ${ins.line}: FROM without an image` } });
      continue;
    }
    let alias: string | undefined;
    if (toks.length >= 3 && toks[1]!.toUpperCase() === 'AS') alias = toks[2]!.toLowerCase();
    else if (toks.length !== 1) {
      stages.push({ from: { kind: 'none', problem: `line ${ins.line}: cannot read FROM ${JSON.stringify(ins.args.slice(0, 200))}` } });
      continue;
    }
    const sub = substitute(unquote(toks[0]!), globals);
    const ref = sub.value.trim();
    if (ref === '') {
      const why = sub.unresolved.length ? `ARG ${sub.unresolved.join(', ')} has no default` : 'empty image';
      stages.push({ alias, from: { kind: 'none', problem: `line ${ins.line}: FROM ${toks[0]}: ${why}` } });
      continue;
    }
    if (/\s/.test(ref) || ref.includes('$')) {
      stages.push({ alias, from: { kind: 'none', problem: `line ${ins.line}: FROM ${JSON.stringify(ref)} is not an image reference` } });
      continue;
    }
    if (ref.toLowerCase() === 'scratch') {
      stages.push({ alias, from: { kind: 'scratch', line: ins.line } });
      continue;
    }
    // a previous stage by alias (or by index) → that stage's base
    const lower = ref.toLowerCase();
    const byAlias = stages.find((s) => s.alias === lower);
    const byIndex = /^\d+$/.test(ref) ? stages[Number(ref)] : undefined;
    const prev = byAlias ?? byIndex;
    if (prev) stages.push({ alias, from: prev.from });
    else stages.push({ alias, from: { kind: 'image', ref, line: ins.line } });
  }
  const last = stages.at(-1);
  if (!last) return { kind: 'none', problem: 'no FROM instruction' };
  return last.from;
}
