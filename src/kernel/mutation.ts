/**
 * Kernel mutations: token-level edits of the kernel's own maple tree source, applied to the source
 * strings just before the wasm build (src/kernel/build.ts), so a historical bug can be put back
 * into the real code and the tester shown to catch it.
 *
 * The project never stores kernel code: a mutation is only a *description* (the file, the function
 * and a few tokens naming a statement), and it refuses to apply unless those tokens match exactly
 * the expected number of places inside that one function. A kernel tree where the code moved then
 * fails with a message naming the mutation, the function and what was not found, instead of
 * quietly building something else.
 */
import { collapseSpace, isCloser, isOpener, matchingClose, tokenizeC } from './c-tokens.js';
import type { CToken } from './c-tokens.js';

/** The two files the build compiles from the kernel tree. */
export type KernelFile = 'lib/maple_tree.c' | 'include/linux/maple_tree.h';

/** Which of the matches an edit applies to: a 1-based index, or every one. */
export type Occurrence = number | 'all';

interface Located {
  /** How many places the tokens must match in the function (default 1); any other count is an error. */
  expectedMatches?: number;
  /** Required when expectedMatches > 1: the 1-based match to edit, or 'all'. */
  occurrence?: Occurrence;
}

/**
 * The edit. Patterns are C text, compared token by token (whitespace and comments ignored).
 * A statement pattern may name only part of a statement: the whole statement around it is taken
 * (`return 1;` names `if (dead) return 1;`, up to the enclosing `;`, `{` or `}`).
 */
export type MutationEdit =
  | ({ kind: 'remove'; statement: string } & Located)
  /** Swap two adjacent statements: `first` and the statement right after it, which `second` names. */
  | { kind: 'swap'; first: string; second: string; expectedMatches?: number; occurrence?: number }
  /**
   * Replace a token sequence. `$NAME` in `from` captures a balanced run of tokens (brackets matched,
   * never past a closing bracket it did not open); `$NAME` in `to` is the captured source text.
   */
  | ({ kind: 'replace'; from: string; to: string } & Located)
  /** Insert `statement` (C text) on a new line after the statement `anchor` names. */
  | ({ kind: 'insert-after'; anchor: string; statement: string } & Located);

export interface Mutation {
  name: string;
  file: KernelFile;
  /** The function whose body the edit is confined to. */
  fn: string;
  edit: MutationEdit;
}

/** A mutation could not be applied; the message names the mutation, the function and what failed. */
export class MutationError extends Error {
  override name = 'MutationError';
  constructor(readonly mutation: Mutation, detail: string) {
    super(`mutation "${mutation.name}" (${mutation.file}, ${mutation.fn}): ${detail}`);
  }
}

interface Body {
  /** Token indices of the body's `{` and `}`. */
  open: number;
  close: number;
}

/**
 * The bodies of every definition of `fn` at file scope: `fn (params)`, optionally followed by
 * attribute macros such as `__must_hold(lock)`, then `{`. Prototypes and calls are not definitions.
 */
export function findFunctionBodies(tokens: readonly CToken[], fn: string): Body[] {
  const bodies: Body[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'punct' && t.text === '{') depth++;
    else if (t.kind === 'punct' && t.text === '}') depth--;
    if (depth !== 0 || t.kind !== 'ident' || t.text !== fn) continue;
    if (tokens[i + 1]?.text !== '(') continue;
    let j = matchingClose(tokens, i + 1);
    if (j < 0) continue;
    j++;
    // Attribute macros between the parameters and the body.
    while (tokens[j]?.kind === 'ident') {
      j++;
      if (tokens[j]?.text === '(') {
        const close = matchingClose(tokens, j);
        if (close < 0) break;
        j = close + 1;
      }
    }
    if (tokens[j]?.kind !== 'punct' || tokens[j].text !== '{') continue;
    const close = matchingClose(tokens, j);
    if (close < 0) continue;
    bodies.push({ open: j, close });
    i = close; // skip the body; depth is back to 0 after it
  }
  return bodies;
}

interface Match {
  /** Token indices, inclusive. */
  first: number;
  last: number;
  captures: Map<string, { first: number; last: number }>;
}

const isCapture = (token: CToken): boolean => token.kind === 'ident' && token.text.startsWith('$') && token.text.length > 1;

/** Every non-overlapping place in tokens[from, to) where the pattern matches, left to right. */
export function findMatches(tokens: readonly CToken[], from: number, to: number, pattern: readonly CToken[]): Match[] {
  const matches: Match[] = [];
  if (pattern.length === 0) return matches;
  const tryAt = (pi: number, si: number, captures: Map<string, { first: number; last: number }>): number => {
    if (pi === pattern.length) return si - 1;
    const p = pattern[pi];
    if (isCapture(p)) {
      const bound = captures.get(p.text);
      if (bound) {
        const length = bound.last - bound.first + 1;
        for (let k = 0; k < length; k++) {
          if (si + k >= to || tokens[si + k].text !== tokens[bound.first + k].text) return -1;
        }
        return tryAt(pi + 1, si + length, captures);
      }
      // The shortest balanced run for which the rest of the pattern matches.
      let depth = 0;
      for (let end = si; end < to; end++) {
        const t = tokens[end];
        if (t.kind === 'directive') return -1;
        if (isOpener(t)) depth++;
        else if (isCloser(t)) {
          if (depth === 0) return -1;
          depth--;
        }
        if (depth !== 0) continue;
        captures.set(p.text, { first: si, last: end });
        const last = tryAt(pi + 1, end + 1, captures);
        if (last >= 0) return last;
        captures.delete(p.text);
      }
      return -1;
    }
    if (si >= to || tokens[si].kind === 'directive' || tokens[si].text !== p.text) return -1;
    return tryAt(pi + 1, si + 1, captures);
  };
  for (let i = from; i < to; i++) {
    const captures = new Map<string, { first: number; last: number }>();
    const last = tryAt(0, i, captures);
    if (last < 0) continue;
    matches.push({ first: i, last, captures });
    i = last;
  }
  return matches;
}

const STATEMENT_BOUNDARY = new Set([';', '{', '}']);
const isPunct = (token: CToken | undefined, text: string): boolean => token?.kind === 'punct' && token.text === text;

/**
 * The statement around tokens [first, last] of a body: back to just after the previous `;`, `{`,
 * `}` or label outside brackets, forward to its `;` or the end of its block (with any `else`
 * branches, and a `do` block's `while (...);`). Null when the tokens are not inside one statement.
 */
export function statementAround(tokens: readonly CToken[], body: Body, first: number, last: number): { first: number; last: number } | null {
  let start = first;
  let depth = 0;
  for (let j = first - 1; j > body.open; j--) {
    const t = tokens[j];
    if (t.kind === 'directive') break; // a statement does not start before an #if/#endif line
    if (isPunct(t, ')') || isPunct(t, ']')) depth++;
    else if (isPunct(t, '(') || isPunct(t, '[')) depth--;
    else if (depth <= 0 && t.kind === 'punct' && STATEMENT_BOUNDARY.has(t.text)) break;
    else if (depth <= 0 && isPunct(t, ':') && isLabelColon(tokens, body, j)) break;
    start = j;
  }
  const end = statementEnd(tokens, body, start, last);
  return end < 0 ? null : { first: start, last: end };
}

/** A `:` ending a label (`name:`, `case X:`, `default:`), not a `?:`. */
function isLabelColon(tokens: readonly CToken[], body: Body, colon: number): boolean {
  let j = colon - 1;
  while (j > body.open && !(tokens[j].kind === 'punct' && (STATEMENT_BOUNDARY.has(tokens[j].text) || tokens[j].text === ':'))) j--;
  const head = tokens[j + 1];
  if (head.text === 'case' || head.text === 'default') return true;
  return j + 1 === colon - 1 && head.kind === 'ident';
}

/** The last token of the statement starting at `start` that contains token `atLeast`, or -1. */
function statementEnd(tokens: readonly CToken[], body: Body, start: number, atLeast: number): number {
  let depth = 0;
  for (let j = start; j < body.close; j++) {
    const t = tokens[j];
    if (t.kind === 'directive') {
      if (j >= atLeast) return -1;
      continue;
    }
    if (isPunct(t, '(') || isPunct(t, '[')) depth++;
    else if (isPunct(t, ')') || isPunct(t, ']')) depth--;
    else if (depth === 0 && isPunct(t, '{')) {
      const close = matchingClose(tokens, j, body.close);
      if (close < 0) return -1;
      if (tokens[start].text === 'do') {
        j = close; // continue to the `while (...);`
        continue;
      }
      if (close < atLeast) {
        j = close; // a block inside the statement that ends before the match: keep going
        continue;
      }
      return withElse(tokens, body, close);
    } else if (depth === 0 && isPunct(t, '}')) return -1;
    else if (depth === 0 && isPunct(t, ';') && j >= atLeast) {
      return withElse(tokens, body, j);
    }
  }
  return -1;
}

/** Extend a statement ending at `end` over the `else` branches that follow it. */
function withElse(tokens: readonly CToken[], body: Body, end: number): number {
  if (tokens[end + 1]?.text !== 'else') return end;
  const branch = statementEnd(tokens, body, end + 2, end + 2);
  return branch < 0 ? end : branch;
}

function ordinal(n: number): string {
  if (n % 100 >= 11 && n % 100 <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

/** The pattern that locates the edit (what must be found the expected number of times). */
function locatingPattern(edit: MutationEdit): string {
  switch (edit.kind) {
    case 'remove':
      return edit.statement;
    case 'swap':
      return edit.first;
    case 'replace':
      return edit.from;
    case 'insert-after':
      return edit.anchor;
  }
}

function occurrenceNote(edit: MutationEdit): string {
  const expected = edit.expectedMatches ?? 1;
  if (expected === 1) return '';
  if (edit.occurrence === 'all') return ` (all ${expected})`;
  return ` (${ordinal(edit.occurrence ?? 0)} of ${expected})`;
}

/** One line: `mas_next_node: remove "if (unlikely(ma_dead_node(node))) return 1;" (2nd of 2)`. */
export function describeMutation(mutation: Mutation): string {
  const { edit } = mutation;
  const where = occurrenceNote(edit);
  switch (edit.kind) {
    case 'remove':
      return `${mutation.fn}: remove "${collapseSpace(edit.statement)}"${where}`;
    case 'swap':
      return `${mutation.fn}: swap "${collapseSpace(edit.first)}" with the next statement "${collapseSpace(edit.second)}"${where}`;
    case 'replace':
      return `${mutation.fn}: replace "${collapseSpace(edit.from)}" by "${collapseSpace(edit.to)}"${where}`;
    case 'insert-after':
      return `${mutation.fn}: insert "${collapseSpace(edit.statement)}" after "${collapseSpace(edit.anchor)}"${where}`;
  }
}

/** The matches an edit selects, after checking the count; throws MutationError otherwise. */
function selectMatches(mutation: Mutation, matches: Match[]): Match[] {
  const { edit } = mutation;
  const expected = edit.expectedMatches ?? 1;
  const shown = `"${collapseSpace(locatingPattern(edit))}"`;
  if (matches.length !== expected) {
    const what = matches.length === 0 ? 'not found' : `found ${matches.length} times`;
    throw new MutationError(mutation, `${shown} ${what}, expected ${expected === 1 ? 'exactly once' : `${expected} times`}`);
  }
  if (expected === 1) return matches;
  const occurrence = edit.occurrence;
  if (occurrence === 'all') {
    if (edit.kind === 'swap') throw new MutationError(mutation, 'a swap edits one place: give occurrence as a number');
    return matches;
  }
  if (occurrence === undefined || !Number.isInteger(occurrence) || occurrence < 1 || occurrence > expected) {
    throw new MutationError(mutation, `${shown} matches ${expected} places: occurrence must be 1..${expected} or 'all' (got ${String(occurrence)})`);
  }
  return [matches[occurrence - 1]];
}

interface Splice {
  start: number;
  end: number;
  text: string;
}

/**
 * Whole-line removal when the span (with a comment trailing it on its last line) is alone on its
 * line(s), so the mutated source stays readable.
 */
function widenToLines(source: string, start: number, end: number): { start: number; end: number } {
  let s = start;
  while (s > 0 && (source[s - 1] === ' ' || source[s - 1] === '\t')) s--;
  const skipBlanks = (at: number): number => {
    while (at < source.length && (source[at] === ' ' || source[at] === '\t')) at++;
    return at;
  };
  let e = skipBlanks(end);
  const lineEnd = source.indexOf('\n', e) < 0 ? source.length : source.indexOf('\n', e);
  if (source.startsWith('//', e)) e = lineEnd;
  else if (source.startsWith('/*', e)) {
    const close = source.indexOf('*/', e + 2);
    if (close >= 0 && close < lineEnd) e = skipBlanks(close + 2);
  }
  if ((s === 0 || source[s - 1] === '\n') && (e === source.length || source[e] === '\n')) {
    return { start: s, end: Math.min(source.length, e + 1) };
  }
  return { start, end };
}

function indentOf(source: string, offset: number): string {
  const lineStart = source.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(source.slice(lineStart))![0];
}

/** Apply one mutation to the text of its file. */
export function applyMutation(source: string, mutation: Mutation): string {
  const { edit } = mutation;
  const tokens = tokenizeC(source);
  const bodies = findFunctionBodies(tokens, mutation.fn);
  if (bodies.length === 0) throw new MutationError(mutation, `no definition of ${mutation.fn}() found`);
  if (bodies.length > 1) throw new MutationError(mutation, `${mutation.fn}() is defined ${bodies.length} times`);
  const body = bodies[0];
  const pattern = tokenizeC(locatingPattern(edit));
  if (pattern.length === 0) throw new MutationError(mutation, 'the pattern is empty');
  const selected = selectMatches(mutation, findMatches(tokens, body.open + 1, body.close, pattern));

  const statementOf = (match: Match, what: string): { first: number; last: number } => {
    const statement = statementAround(tokens, body, match.first, match.last);
    if (!statement) throw new MutationError(mutation, `"${collapseSpace(what)}" is not inside one statement`);
    return statement;
  };
  const textOf = (first: number, last: number): string => source.slice(tokens[first].start, tokens[last].end);

  const splices: Splice[] = [];
  for (const match of selected) {
    switch (edit.kind) {
      case 'remove': {
        const s = statementOf(match, edit.statement);
        splices.push({ ...widenToLines(source, tokens[s.first].start, tokens[s.last].end), text: '' });
        break;
      }
      case 'replace': {
        const text = edit.to.replace(/\$[A-Za-z_][A-Za-z0-9_]*/g, (name) => {
          const capture = match.captures.get(name);
          if (!capture) throw new MutationError(mutation, `${name} in the replacement is not captured by "${collapseSpace(edit.from)}"`);
          return textOf(capture.first, capture.last);
        });
        splices.push({ start: tokens[match.first].start, end: tokens[match.last].end, text });
        break;
      }
      case 'insert-after': {
        if (tokenizeC(edit.statement).length === 0) throw new MutationError(mutation, 'the inserted statement is empty');
        const s = statementOf(match, edit.anchor);
        const at = tokens[s.last].end;
        splices.push({ start: at, end: at, text: `\n${indentOf(source, tokens[s.first].start)}${edit.statement.trim()}` });
        break;
      }
      case 'swap': {
        const a = statementOf(match, edit.first);
        const secondPattern = tokenizeC(edit.second);
        const after = findMatches(tokens, a.last + 1, body.close, secondPattern)[0];
        const b = after ? statementAround(tokens, body, after.first, after.last) : null;
        if (!b || b.first !== a.last + 1) {
          throw new MutationError(mutation, `the statement after "${collapseSpace(edit.first)}" is not "${collapseSpace(edit.second)}"`);
        }
        const between = source.slice(tokens[a.last].end, tokens[b.first].start);
        splices.push({
          start: tokens[a.first].start,
          end: tokens[b.last].end,
          text: `${textOf(b.first, b.last)}${between}${textOf(a.first, a.last)}`,
        });
        break;
      }
    }
  }
  // Back to front, so earlier offsets stay valid.
  splices.sort((x, y) => y.start - x.start);
  for (let i = 1; i < splices.length; i++) {
    if (splices[i].end > splices[i - 1].start) throw new MutationError(mutation, 'the places it edits overlap (one statement inside another)');
  }
  let out = source;
  for (const splice of splices) out = out.slice(0, splice.start) + splice.text + out.slice(splice.end);
  return out;
}

/**
 * The files with every mutation applied, in order (a later mutation sees the earlier ones' result).
 * Pure: `files` is not changed. A mutation of a file missing from `files` is an error.
 */
export function applyMutations<T extends Readonly<Record<string, string>>>(files: T, mutations: readonly Mutation[]): T {
  const out: Record<string, string> = { ...files };
  for (const mutation of mutations) {
    const text = out[mutation.file];
    if (text === undefined) throw new MutationError(mutation, `no file ${mutation.file} to mutate`);
    out[mutation.file] = applyMutation(text, mutation);
  }
  return out as T;
}
