/**
 * Tokens of a C litmus file. Comments are OCaml-style `(* ... *)` (the header, remarks after the
 * condition; `(*` must be followed by a blank, as `(*x` is C) and C-style `//` and `/* *\/` in thread bodies; their texts are kept, since the
 * header comment carries the expected `Result:`.
 */

export type TokenKind = 'ident' | 'number' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  line: number;
}

/** Malformed input: the message names the file's line. */
export class LitmusSyntaxError extends Error {
  override name = 'LitmusSyntaxError';
}

/** Well-formed, but uses something the interpreter does not model: the message says what. */
export class LitmusUnsupported extends Error {
  override name = 'LitmusUnsupported';
}

// Longest first.
const PUNCTUATORS = ['/\\', '\\/', '==', '!=', '<=', '>=', '&&', '||', '->', '++', '--', '+=', '-='];
const SINGLE = '{}()[];,:*=!<>+-/%&|^~.?';

export interface Lexed {
  tokens: Token[];
  comments: string[];
}

export function lex(source: string): Lexed {
  const tokens: Token[] = [];
  const comments: string[] = [];
  let i = 0;
  let line = 1;
  const n = source.length;
  const skipTo = (end: string, what: string): string => {
    const at = source.indexOf(end, i);
    if (at < 0) throw new LitmusSyntaxError(`line ${line}: unterminated ${what}`);
    const text = source.slice(i, at);
    for (const ch of text) if (ch === '\n') line++;
    i = at + end.length;
    return text;
  };
  while (i < n) {
    const ch = source[i];
    if (ch === '\n') {
      line++;
      i++;
    } else if (/\s/.test(ch)) {
      i++;
    } else if (source.startsWith('(*', i) && /\s/.test(source[i + 2] ?? ' ')) {
      // `(*` then a blank opens a comment; `(*x` is C (READ_ONCE(*x)).
      i += 2;
      comments.push(skipTo('*)', 'comment (*'));
    } else if (source.startsWith('/*', i)) {
      i += 2;
      comments.push(skipTo('*/', 'comment /*'));
    } else if (source.startsWith('//', i)) {
      const end = source.indexOf('\n', i);
      comments.push(source.slice(i + 2, end < 0 ? n : end));
      i = end < 0 ? n : end;
    } else if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_]/.test(source[j])) j++;
      tokens.push({ kind: 'ident', text: source.slice(i, j), line });
      i = j;
    } else if (/[0-9]/.test(ch)) {
      const m = /^(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*/.exec(source.slice(i, i + 40));
      tokens.push({ kind: 'number', text: m![1], line });
      i += m![0].length;
    } else {
      const p = PUNCTUATORS.find((q) => source.startsWith(q, i)) ?? (SINGLE.includes(ch) ? ch : null);
      if (p === null) throw new LitmusSyntaxError(`line ${line}: unexpected character '${ch}'`);
      tokens.push({ kind: 'punct', text: p, line });
      i += p.length;
    }
  }
  tokens.push({ kind: 'eof', text: '<end of file>', line });
  return { tokens, comments };
}
