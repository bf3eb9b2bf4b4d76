// Reads a Dockerfile into logical instructions (comments dropped, continuations joined, the escape
// directive honoured). Shared by base-image detection and the config check's Dockerfile lint.
// Reference: https://docs.docker.com/reference/dockerfile/

const MAX_LINES = 20_000;

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Logical instructions: comments dropped, line continuations joined (escape char from the directive). */
export function instructions(text: string): Instruction[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).slice(0, MAX_LINES);
  let escape = '\\';
  // parser directives: only at the very top, `# escape=`` `
  for (const l of lines) {
    const m = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(l);
    if (!m) break;
    if (m[1]!.toLowerCase() === 'escape' && (m[2] === '`' || m[2] === '\\')) escape = m[2];
  }
  const out: Instruction[] = [];
  let cur: { text: string; line: number } | undefined;
  lines.forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#')) return; // comments (also inside continuations)
    if (cur === undefined && trimmed === '') return;
    const cont = trimmed.endsWith(escape);
    const body = cont ? trimmed.slice(0, -1) : trimmed;
    if (cur === undefined) cur = { text: body, line: i + 1 };
    else cur.text += ' ' + body;
    if (!cont) {
      const m = /^(\S+)\s*(.*)$/s.exec(cur.text.trim());
      if (m) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: cur.line });
      cur = undefined;
    }
  });
  if (cur !== undefined) {
    const m = /^(\S+)\s*(.*)$/s.exec((cur as { text: string }).text.trim());
    if (m) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: (cur as { line: number }).line });
  }
  return out;
}

export function unquote(s: string): string {
  if (s.length >= 2 && ((s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'")))) return s.slice(1, -1);
  return s;
}

