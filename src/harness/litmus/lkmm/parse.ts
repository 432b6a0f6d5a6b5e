/**
 * Parser of the C litmus format into the syntax tree of ast.ts. What it accepts: `C name`; comments
 * (the first `Result: Never|Sometimes|Always` in one is the expected verdict); an optional init
 * block (`{ x=1; int y = 2; int *p = y; 0:r1=3; }`); threads `Pn(type *a, ...) { body }` whose
 * bodies hold declarations, assignments, calls and `if`/`else`; then `locations [...]`,
 * `filter (...)` and `exists (...)`. Loops, `~exists` and `forall` are rejected as unsupported.
 */
import type { BinaryOp, Condition, ExpectedResult, Expr, LitmusProgram, LitmusThreadAst, Location, Operand, Stmt } from './ast.js';
import { LitmusSyntaxError, LitmusUnsupported, lex } from './lexer.js';
import type { Token } from './lexer.js';

const TYPE_WORDS = new Set(['void', 'int', 'long', 'unsigned', 'signed', 'short', 'char', 'u32', 'u64', 'spinlock_t', 'atomic_t', 'intptr_t', 'const', 'volatile']);
const UNSUPPORTED_KEYWORDS = new Set(['while', 'for', 'do', 'goto', 'switch', 'return', 'break', 'continue']);

// Binary operators by precedence, lowest first.
const LEVELS: BinaryOp[][] = [['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['+', '-'], ['*', '/', '%']];

export function parseLitmus(source: string): LitmusProgram {
  const header = /^\s*C[ \t]+(\S+)[ \t]*(\r?\n|$)/.exec(source);
  if (!header) throw new LitmusSyntaxError('line 1: a C litmus test starts with "C <name>"');
  // Blank out the name line (names hold '+', '.', '-'), keeping line numbers.
  const { tokens, comments } = lex(source.slice(header[0].length - header[2].length));
  const p = new Parser(tokens, 1);
  return p.program(header[1], expectedFrom(comments));
}

function expectedFrom(comments: string[]): ExpectedResult | null {
  for (const c of comments) {
    const m = /Result:\s*(Never|Sometimes|Always)\b/.exec(c);
    if (m) return m[1] as ExpectedResult;
  }
  return null;
}

class Parser {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly lineOffset: number,
  ) {}

  program(name: string, expected: ExpectedResult | null): LitmusProgram {
    const prog: LitmusProgram = { name, expected, init: [], initRegs: [], threads: [], exists: { k: 'true' }, filter: null, locations: [] };
    if (this.peek('{')) this.initBlock(prog);
    while (this.tok.kind === 'ident' && /^P\d+$/.test(this.tok.text)) prog.threads.push(this.thread(prog.threads.length));
    if (prog.threads.length === 0) this.fail(`expected a thread P0(...) { ... }, got '${this.tok.text}'`);
    let sawExists = false;
    while (this.tok.kind !== 'eof') {
      const word = this.tok.text;
      if (word === 'locations') {
        this.next();
        this.expect('[');
        while (!this.peek(']')) {
          prog.locations.push(this.location());
          if (!this.accept(';')) break;
        }
        this.expect(']');
      } else if (word === 'filter') {
        this.next();
        prog.filter = this.condition();
      } else if (word === 'exists') {
        this.next();
        prog.exists = this.condition();
        sawExists = true;
      } else if (word === '~' || word === 'forall') {
        throw new LitmusUnsupported(`'${word === '~' ? '~exists' : 'forall'}' conditions are not supported (only exists)`);
      } else {
        this.fail(`expected locations, filter or exists, got '${word}'`);
      }
    }
    if (!sawExists) this.fail('no exists clause');
    const threadsNumbered = prog.threads.every((t, i) => t.index === i);
    if (!threadsNumbered) this.fail('threads must be P0, P1, ... in order');
    return prog;
  }

  // ---- init block --------------------------------------------------------------------------------

  private initBlock(prog: LitmusProgram): void {
    this.expect('{');
    while (!this.accept('}')) {
      if (this.accept(';')) continue;
      if (this.tok.kind === 'number' && this.peekAt(1, ':')) {
        const thread = Number(this.next().text);
        this.expect(':');
        const reg = this.ident();
        this.expect('=');
        prog.initRegs.push({ thread, reg, value: this.operand() });
      } else {
        while (this.tok.kind === 'ident' && TYPE_WORDS.has(this.tok.text)) this.next();
        while (this.accept('*')) {
          // pointer declarator
        }
        const variable = this.ident();
        // `int flag;` starts at 0 like every variable; `atomic_t v = ATOMIC_INIT(1);`.
        if (this.accept('=')) {
          const wrapped = this.tok.text === 'ATOMIC_INIT' && this.peekAt(1, '(');
          if (wrapped) {
            this.next();
            this.next();
          }
          prog.init.push({ variable, value: this.operand() });
          if (wrapped) this.expect(')');
        } else prog.init.push({ variable, value: { num: 0 } });
      }
      if (!this.peek('}')) this.expect(';');
    }
  }

  // ---- threads -----------------------------------------------------------------------------------

  private thread(index: number): LitmusThreadAst {
    const name = this.next();
    if (Number(name.text.slice(1)) !== index) this.fail(`thread ${name.text} out of order (expected P${index})`, name);
    this.expect('(');
    const params: string[] = [];
    while (!this.accept(')')) {
      while (this.tok.kind === 'ident' && (TYPE_WORDS.has(this.tok.text) || this.peekAt(1, '*') || this.peekAt(1, 'ident'))) this.next();
      while (this.accept('*')) {
        // pointer parameter
      }
      params.push(this.ident());
      if (!this.peek(')')) this.expect(',');
    }
    this.expect('{');
    const body: Stmt[] = [];
    while (!this.accept('}')) body.push(...this.statement());
    return { index, params, body };
  }

  /** One statement; a declaration list gives one statement per declarator. */
  private statement(): Stmt[] {
    const t = this.tok;
    if (this.accept('{')) {
      const body: Stmt[] = [];
      while (!this.accept('}')) body.push(...this.statement());
      return [{ k: 'block', body }];
    }
    if (this.accept(';')) return [];
    if (t.kind === 'ident' && UNSUPPORTED_KEYWORDS.has(t.text)) throw new LitmusUnsupported(`line ${this.line(t)}: '${t.text}' is not supported`);
    if (t.kind === 'ident' && t.text === 'if') {
      this.next();
      this.expect('(');
      const cond = this.expr();
      this.expect(')');
      const then = this.statement();
      const otherwise = this.tok.text === 'else' ? (this.next(), this.statement()) : null;
      return [{ k: 'if', cond, then, else: otherwise, line: this.line(t) }];
    }
    if (t.kind === 'ident' && TYPE_WORDS.has(t.text)) {
      while (this.tok.kind === 'ident' && TYPE_WORDS.has(this.tok.text)) this.next();
      const out: Stmt[] = [];
      for (;;) {
        while (this.accept('*')) {
          // pointer register
        }
        const name = this.ident();
        const init = this.accept('=') ? this.expr() : null;
        out.push({ k: 'decl', name, init, line: this.line(t) });
        if (!this.accept(',')) break;
      }
      this.expect(';');
      return out;
    }
    const e = this.expr();
    if (this.accept('=')) {
      if (e.k !== 'name' && e.k !== 'deref') this.fail('the left side of = must be a register or *pointer', t);
      const value = this.expr();
      this.expect(';');
      return [{ k: 'assign', target: e, value, line: this.line(t) }];
    }
    if (this.peek('+=') || this.peek('-=') || this.peek('++') || this.peek('--')) {
      throw new LitmusUnsupported(`line ${this.line(t)}: '${this.tok.text}' is not supported (write x = x + 1)`);
    }
    this.expect(';');
    return [{ k: 'expr', e, line: this.line(t) }];
  }

  // ---- expressions -------------------------------------------------------------------------------

  private expr(level = 0): Expr {
    if (level === LEVELS.length) return this.unary();
    let l = this.expr(level + 1);
    for (;;) {
      const op = LEVELS[level].find((o) => this.peek(o));
      if (op === undefined) return l;
      this.next();
      l = { k: 'binary', op, l, r: this.expr(level + 1) };
    }
  }

  private unary(): Expr {
    const t = this.tok;
    if (this.accept('*')) return { k: 'deref', e: this.unary() };
    if (this.accept('!')) return { k: 'unary', op: '!', e: this.unary() };
    if (this.accept('-')) return { k: 'unary', op: '-', e: this.unary() };
    if (this.accept('~')) return { k: 'unary', op: '~', e: this.unary() };
    if (this.peek('&') || this.peek('->') || this.peek('++') || this.peek('--')) {
      throw new LitmusUnsupported(`line ${this.line(t)}: '${t.text}' is not supported`);
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.tok;
    if (this.accept('(')) {
      // A cast such as (int *) is skipped.
      if (this.tok.kind === 'ident' && TYPE_WORDS.has(this.tok.text)) {
        while (!this.accept(')')) this.next();
        return this.unary();
      }
      const e = this.expr();
      this.expect(')');
      return e;
    }
    if (t.kind === 'number') {
      this.next();
      return { k: 'num', v: Number(t.text) };
    }
    if (t.kind === 'ident') {
      this.next();
      if (this.accept('(')) {
        const args: Expr[] = [];
        while (!this.accept(')')) {
          args.push(this.expr());
          if (!this.peek(')')) this.expect(',');
        }
        return { k: 'call', fn: t.text, args, line: this.line(t) };
      }
      return { k: 'name', name: t.text };
    }
    return this.fail(`expected an expression, got '${t.text}'`);
  }

  // ---- conditions --------------------------------------------------------------------------------

  private condition(): Condition {
    let l = this.conjunction();
    while (this.accept('\\/')) l = { k: 'or', l, r: this.conjunction() };
    return l;
  }

  private conjunction(): Condition {
    let l = this.negation();
    while (this.accept('/\\')) l = { k: 'and', l, r: this.negation() };
    return l;
  }

  private negation(): Condition {
    if (this.accept('~')) return { k: 'not', c: this.negation() };
    if (this.accept('(')) {
      const c = this.condition();
      this.expect(')');
      return c;
    }
    if (this.tok.text === 'true') {
      this.next();
      return { k: 'true' };
    }
    const loc = this.location();
    const op = this.accept('!=') ? '!=' : (this.expect('='), '=');
    return { k: 'atom', loc, op, value: this.operand() };
  }

  private location(): Location {
    if (this.tok.kind === 'number') {
      const thread = Number(this.next().text);
      this.expect(':');
      return { thread, reg: this.ident() };
    }
    if (this.peek('*')) throw new LitmusUnsupported(`line ${this.line(this.tok)}: '*p' in a condition is not supported`);
    return { variable: this.ident() };
  }

  private operand(): Operand {
    const neg = this.accept('-');
    if (this.tok.kind === 'number') return { num: (neg ? -1 : 1) * Number(this.next().text) };
    if (neg) this.fail('expected a number after -');
    this.accept('&');
    return { addressOf: this.ident() };
  }

  // ---- tokens ------------------------------------------------------------------------------------

  private get tok(): Token {
    return this.tokens[this.at];
  }

  private next(): Token {
    const t = this.tokens[this.at];
    if (t.kind !== 'eof') this.at++;
    return t;
  }

  private peek(text: string): boolean {
    return this.tok.kind === 'punct' && this.tok.text === text;
  }

  private peekAt(offset: number, text: string): boolean {
    const t = this.tokens[Math.min(this.at + offset, this.tokens.length - 1)];
    return text === 'ident' ? t.kind === 'ident' : t.kind === 'punct' && t.text === text;
  }

  private accept(text: string): boolean {
    if (!this.peek(text)) return false;
    this.at++;
    return true;
  }

  private expect(text: string): void {
    if (!this.accept(text)) this.fail(`expected '${text}', got '${this.tok.text}'`);
  }

  private ident(): string {
    if (this.tok.kind !== 'ident') this.fail(`expected a name, got '${this.tok.text}'`);
    return this.next().text;
  }

  private line(t: Token): number {
    return t.line + this.lineOffset - 1;
  }

  private fail(message: string, t: Token = this.tok): never {
    throw new LitmusSyntaxError(`line ${this.line(t)}: ${message}`);
  }
}
