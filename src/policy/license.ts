// License deny checks over SPDX license expressions (https://spdx.github.io/spdx-spec/v2.3/SPDX-license-expressions/).
// `A OR B` is denied only when every alternative is denied (you may choose the other one);
// `A AND B` is denied when any part is. An expression that does not parse is denied when any of its
// identifiers is (never fail open).
import { globMatch } from '../core/glob.js';

type Expr = { op: 'or' | 'and'; parts: Expr[] } | { op: 'id'; id: string };

function tokenize(s: string): string[] {
  return s.replace(/\(/g, ' ( ').replace(/\)/g, ' ) ').split(/\s+/).filter(Boolean);
}

function parse(tokens: string[]): Expr | undefined {
  let i = 0;
  const peek = () => tokens[i];
  function orExpr(): Expr | undefined {
    const parts = [andExpr()];
    while (peek()?.toUpperCase() === 'OR') {
      i++;
      parts.push(andExpr());
    }
    if (parts.some((p) => p === undefined)) return undefined;
    return parts.length === 1 ? parts[0] : { op: 'or', parts: parts as Expr[] };
  }
  function andExpr(): Expr | undefined {
    const parts = [atom()];
    while (peek()?.toUpperCase() === 'AND') {
      i++;
      parts.push(atom());
    }
    if (parts.some((p) => p === undefined)) return undefined;
    return parts.length === 1 ? parts[0] : { op: 'and', parts: parts as Expr[] };
  }
  function atom(): Expr | undefined {
    const t = tokens[i++];
    if (t === undefined) return undefined;
    if (t === '(') {
      const e = orExpr();
      if (tokens[i++] !== ')') return undefined;
      return e;
    }
    if (t === ')' || /^(AND|OR|WITH)$/i.test(t)) return undefined;
    let id = t;
    if (peek()?.toUpperCase() === 'WITH') {
      i++;
      const exc = tokens[i++];
      if (exc === undefined || exc === '(' || exc === ')') return undefined;
      id = `${t} WITH ${exc}`;
    }
    return { op: 'id', id };
  }
  const e = orExpr();
  return i === tokens.length ? e : undefined;
}

function idDenied(id: string, deny: readonly string[]): string | undefined {
  const bare = id.split(' WITH ')[0]!;
  return deny.find((p) => globMatch(p, id) || globMatch(p, bare)) ? id : undefined;
}

function denied(e: Expr, deny: readonly string[]): string | undefined {
  if (e.op === 'id') return idDenied(e.id, deny);
  const hits = e.parts.map((p) => denied(p, deny));
  if (e.op === 'and') return hits.find((h) => h !== undefined);
  return hits.every((h) => h !== undefined) ? hits.join(' and ') : undefined;
}

/** The denied identifier(s) when `expression` is denied by any of the anchored globs, else undefined. */
export function licenseDenied(expression: string, deny: readonly string[]): string | undefined {
  const s = expression.trim();
  if (s === '' || deny.length === 0) return undefined;
  const tokens = tokenize(s);
  const e = parse(tokens);
  if (e) return denied(e, deny);
  const ids = tokens.filter((t) => !/^(AND|OR|WITH|\(|\))$/i.test(t));
  return ids.find((t) => idDenied(t, deny)) ?? (deny.some((p) => globMatch(p, s)) ? s : undefined);
}
