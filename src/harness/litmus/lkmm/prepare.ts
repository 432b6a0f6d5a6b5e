/**
 * Checks a parsed litmus program before it runs, once: every name resolves (a thread's registers,
 * its pointer parameters, the shared variables), every call is a primitive the interpreter knows,
 * and each shared variable gets a word of the simulated address space (word 0 stays NULL).
 */
import type { Expr, LitmusProgram, Location, Operand, Stmt } from './ast.js';
import { LitmusSyntaxError, LitmusUnsupported } from './lexer.js';
import { primitive, unsupportedReason } from './primitives.js';

export interface PreparedProgram {
  program: LitmusProgram;
  /** Shared variable name to its word address (1, 2, ...). */
  address: Map<string, number>;
  /** Size of the address space in words. */
  words: number;
  /** Per thread: the names that are registers (declared in the body or initialised as N:reg). */
  registers: Array<Set<string>>;
  /** Per thread: its store statements whose address (and maybe value) is known before it runs. */
  storeSites: StoreSite[][];
  /** The locations an outcome shows: those of exists, filter and locations, in that order. */
  shown: Location[];
  /** Numbers the program and its condition mention, and 0 and 1: values a promise may guess. */
  constants: number[];
}

/** A store a thread may promise ahead of time (load buffering): where, and the value if constant. */
export interface StoreSite {
  stmt: Stmt;
  /** The shared variable it stores to; null when the address is computed (a promise guesses it). */
  variable: string | null;
  /** The value, when it is a constant or a variable's address; null when computed. */
  value: Operand | null;
}

export function prepare(program: LitmusProgram): PreparedProgram {
  const address = new Map<string, number>();
  const addVariable = (name: string): void => {
    if (!address.has(name)) address.set(name, address.size + 1);
  };
  const registers = program.threads.map(() => new Set<string>());
  for (const r of program.initRegs) {
    if (r.thread >= program.threads.length) throw new LitmusSyntaxError(`init: no thread P${r.thread}`);
    registers[r.thread].add(r.reg);
  }
  const constants = new Set<number>([0, 1]);
  const storeSites: StoreSite[][] = program.threads.map(() => []);
  for (const t of program.threads) {
    for (const p of t.params) addVariable(p);
    const regs = registers[t.index];
    collectDecls(t.body, regs);
    for (const p of t.params) if (regs.has(p)) throw new LitmusSyntaxError(`P${t.index}: '${p}' is both a parameter and a register`);
    const check = (e: Expr): void => {
      switch (e.k) {
        case 'num':
          constants.add(e.v);
          return;
        case 'name':
          if (!regs.has(e.name) && !t.params.includes(e.name)) throw new LitmusSyntaxError(`P${t.index}: unknown name '${e.name}'`);
          return;
        case 'deref':
        case 'unary':
          check(e.e);
          return;
        case 'binary':
          check(e.l);
          check(e.r);
          return;
        case 'call': {
          const reason = unsupportedReason(e.fn);
          if (reason !== null) throw new LitmusUnsupported(`line ${e.line}: ${reason}`);
          e.args.forEach(check);
          return;
        }
      }
    };
    const walk = (stmts: Stmt[]): void => {
      for (const s of stmts) {
        switch (s.k) {
          case 'decl':
            if (s.init) check(s.init);
            break;
          case 'assign':
            check(s.target);
            check(s.value);
            if (s.target.k === 'deref') addSite(s, s.target.e, s.value);
            break;
          case 'expr': {
            check(s.e);
            const prim = s.e.k === 'call' ? primitive(s.e.fn) : undefined;
            if (s.e.k === 'call' && prim?.k === 'store' && s.e.args.length === 2) {
              const target = prim.lvalue ? (s.e.args[0].k === 'deref' ? s.e.args[0].e : null) : s.e.args[0];
              if (target !== null) addSite(s, target, s.e.args[1]);
            }
            break;
          }
          case 'if':
            check(s.cond);
            walk(s.then);
            if (s.else) walk(s.else);
            break;
          case 'block':
            walk(s.body);
            break;
        }
      }
    };
    const addSite = (stmt: Stmt, target: Expr, value: Expr): void => {
      const variable = target.k === 'name' && t.params.includes(target.name) ? target.name : null;
      const known: Operand | null =
        value.k === 'num' ? { num: value.v } : value.k === 'name' && t.params.includes(value.name) ? { addressOf: value.name } : null;
      storeSites[t.index].push({ stmt, variable, value: known });
    };
    walk(t.body);
  }
  for (const v of program.init) {
    addVariable(v.variable);
    // `p=y`: y is a shared variable even when no thread names it.
    if ('addressOf' in v.value) addVariable(v.value.addressOf);
  }
  const shown: Location[] = [];
  const seen = new Set<string>();
  const show = (loc: Location): void => {
    const key = 'variable' in loc ? loc.variable : `${loc.thread}:${loc.reg}`;
    if (seen.has(key)) return;
    seen.add(key);
    if ('variable' in loc) {
      if (!address.has(loc.variable)) throw new LitmusSyntaxError(`condition: unknown variable '${loc.variable}'`);
    } else if (loc.thread >= program.threads.length || !registers[loc.thread].has(loc.reg)) {
      throw new LitmusSyntaxError(`condition: P${loc.thread} has no register '${loc.reg}'`);
    }
    shown.push(loc);
  };
  const visit = (c: LitmusProgram['exists']): void => {
    if (c.k === 'atom') {
      show(c.loc);
      if ('num' in c.value) constants.add(c.value.num);
      else if (!address.has(c.value.addressOf)) throw new LitmusSyntaxError(`condition: unknown variable '${c.value.addressOf}'`);
    } else if (c.k === 'not') visit(c.c);
    else if (c.k === 'and' || c.k === 'or') {
      visit(c.l);
      visit(c.r);
    }
  };
  visit(program.exists);
  if (program.filter) visit(program.filter);
  program.locations.forEach(show);
  const operands: Operand[] = [...program.init.map((i) => i.value), ...program.initRegs.map((r) => r.value)];
  for (const op of operands) {
    if ('addressOf' in op && !address.has(op.addressOf)) throw new LitmusSyntaxError(`init: unknown variable '${op.addressOf}'`);
    if ('num' in op) constants.add(op.num);
  }
  return { program, address, words: address.size + 1, registers, storeSites, shown, constants: [...constants] };
}

function collectDecls(stmts: Stmt[], regs: Set<string>): void {
  for (const s of stmts) {
    if (s.k === 'decl') regs.add(s.name);
    else if (s.k === 'if') {
      collectDecls(s.then, regs);
      if (s.else) collectDecls(s.else, regs);
    } else if (s.k === 'block') collectDecls(s.body, regs);
  }
}

/** An operand's value: the number, or the variable's address. */
export function operandValue(op: Operand, address: Map<string, number>): number {
  return 'num' in op ? op.num | 0 : address.get(op.addressOf)!;
}
