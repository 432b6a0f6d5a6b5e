/**
 * A small C tokenizer for the kernel mutation engine (src/kernel/mutation.ts): enough of C to find
 * a function's body, match token sequences whitespace- and comment-insensitively, and find the
 * statement around a match. Comments and whitespace are skipped; a preprocessor line (with its
 * continuations) is one opaque `directive` token, so a `#define` never looks like code and a
 * pattern never matches across a directive.
 */

export type CTokenKind = 'ident' | 'number' | 'string' | 'char' | 'punct' | 'directive';

export interface CToken {
  text: string;
  kind: CTokenKind;
  /** Offsets into the source: text === source.slice(start, end). */
  start: number;
  end: number;
}

/** Longest first, so `->` wins over `-` and `<<=` over `<<`. */
const PUNCTUATORS = [
  '...', '<<=', '>>=',
  '->', '++', '--', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||',
  '+=', '-=', '*=', '/=', '%=', '&=', '^=', '|=', '##',
];

const IDENT_START = /[A-Za-z_$]/;
const IDENT_PART = /[A-Za-z0-9_$]/;
const DIGIT = /[0-9]/;

/** Tokenize C source. `$` counts as an identifier character so patterns can name captures ($X). */
export function tokenizeC(source: string): CToken[] {
  const tokens: CToken[] = [];
  const n = source.length;
  let i = 0;
  // A `#` is a directive only as the first non-blank character of its line.
  let lineStart = true;
  while (i < n) {
    const c = source[i];
    if (c === '\n') {
      lineStart = true;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '/' && source[i + 1] === '/') {
      while (i < n && source[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && source[i + 1] === '*') {
      const close = source.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
      continue;
    }
    const start = i;
    if (c === '#' && lineStart) {
      // To the end of the line, following backslash continuations.
      while (i < n && source[i] !== '\n') {
        if (source[i] === '\\' && source[i + 1] === '\n') i += 2;
        else if (source[i] === '\\' && source[i + 1] === '\r' && source[i + 2] === '\n') i += 3;
        else i++;
      }
      tokens.push({ text: source.slice(start, i), kind: 'directive', start, end: i });
      continue;
    }
    lineStart = false;
    if (c === '"' || c === '\'') {
      i++;
      while (i < n && source[i] !== c && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
      i = Math.min(n, i + 1);
      tokens.push({ text: source.slice(start, i), kind: c === '"' ? 'string' : 'char', start, end: i });
      continue;
    }
    if (IDENT_START.test(c)) {
      while (i < n && IDENT_PART.test(source[i])) i++;
      tokens.push({ text: source.slice(start, i), kind: 'ident', start, end: i });
      continue;
    }
    if (DIGIT.test(c) || (c === '.' && DIGIT.test(source[i + 1] ?? ''))) {
      i++;
      while (i < n) {
        const d = source[i];
        if ((d === '+' || d === '-') && /[eEpP]/.test(source[i - 1])) i++;
        else if (IDENT_PART.test(d) || d === '.') i++;
        else break;
      }
      tokens.push({ text: source.slice(start, i), kind: 'number', start, end: i });
      continue;
    }
    const punct = PUNCTUATORS.find((p) => source.startsWith(p, i)) ?? c;
    i += punct.length;
    tokens.push({ text: punct, kind: 'punct', start, end: i });
  }
  return tokens;
}

const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSERS = new Set([')', ']', '}']);

export function isOpener(token: CToken): boolean {
  return token.kind === 'punct' && token.text in OPENERS;
}

export function isCloser(token: CToken): boolean {
  return token.kind === 'punct' && CLOSERS.has(token.text);
}

/** The index of the token closing the bracket opened at `open`, or -1 when it is never closed. */
export function matchingClose(tokens: readonly CToken[], open: number, limit = tokens.length): number {
  let depth = 0;
  for (let i = open; i < limit; i++) {
    const t = tokens[i];
    if (isOpener(t)) depth++;
    else if (isCloser(t)) {
      depth--;
      if (depth === 0) return i;
      if (depth < 0) return -1;
    }
  }
  return -1;
}

/** Whitespace collapsed: how a pattern is shown in messages. */
export function collapseSpace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
