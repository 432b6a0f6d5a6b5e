/**
 * The C litmus format (herd7's `C` tests, as in the kernel's tools/memory-model/litmus-tests) as a
 * syntax tree: a name, the expected result from the header comment, initial values, threads whose
 * bodies are a small subset of C, and the final condition.
 */

export type Expr =
  | { k: 'num'; v: number }
  /** A register (a local of the thread) or a parameter (a pointer to the shared variable). */
  | { k: 'name'; name: string }
  /** `*e`: outside a primitive's argument, a plain load. */
  | { k: 'deref'; e: Expr }
  | { k: 'call'; fn: string; args: Expr[]; line: number }
  | { k: 'unary'; op: '!' | '-' | '~'; e: Expr }
  | { k: 'binary'; op: BinaryOp; l: Expr; r: Expr };

export type BinaryOp = '||' | '&&' | '|' | '^' | '&' | '==' | '!=' | '<' | '>' | '<=' | '>=' | '+' | '-' | '*' | '/' | '%';

export type Stmt =
  | { k: 'decl'; name: string; init: Expr | null; line: number }
  | { k: 'assign'; target: Expr; value: Expr; line: number }
  | { k: 'expr'; e: Expr; line: number }
  | { k: 'if'; cond: Expr; then: Stmt[]; else: Stmt[] | null; line: number }
  | { k: 'block'; body: Stmt[] };

export interface LitmusThreadAst {
  index: number;
  /** Parameter names: each a pointer to the shared variable of that name. */
  params: string[];
  body: Stmt[];
}

/** `N:reg` (a thread's register at the end) or a shared variable's final value. */
export type Location = { thread: number; reg: string } | { variable: string };

/** A value in a condition or an initialiser: a number, or a variable's address (`p=y`). */
export type Operand = { num: number } | { addressOf: string };

export type Condition =
  | { k: 'atom'; loc: Location; op: '=' | '!='; value: Operand }
  | { k: 'not'; c: Condition }
  | { k: 'and' | 'or'; l: Condition; r: Condition }
  | { k: 'true' };

/** herd7's answer for the `exists` clause: Never (forbidden), Sometimes (allowed), Always. */
export type ExpectedResult = 'Never' | 'Sometimes' | 'Always';

export interface LitmusProgram {
  name: string;
  /** From the header comment's `Result:` line; null when there is none. */
  expected: ExpectedResult | null;
  /** Initial values of shared variables (all others start at 0). */
  init: Array<{ variable: string; value: Operand }>;
  /** Initial register values, `N:reg=value`. */
  initRegs: Array<{ thread: number; reg: string; value: Operand }>;
  threads: LitmusThreadAst[];
  exists: Condition;
  filter: Condition | null;
  /** `locations [...]`: extra locations to show in outcomes. */
  locations: Location[];
}

export function locationText(loc: Location): string {
  return 'variable' in loc ? loc.variable : `${loc.thread}:${loc.reg}`;
}
