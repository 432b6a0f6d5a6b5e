/**
 * The kernel mutation engine (src/kernel/mutation.ts) on small C snippets written for this test
 * (not kernel code): each edit kind, comments, nested braces, labels, captures, and the errors for
 * a missing function, tokens not found, and tokens found more often than expected.
 */
import { describe, expect, it } from 'vitest';
import { MutationError, applyMutation, applyMutations, describeMutation, findFunctionBodies } from '../src/kernel/mutation.js';
import type { Mutation, MutationEdit } from '../src/kernel/mutation.js';
import { tokenizeC } from '../src/kernel/c-tokens.js';

const SOURCE = `/* A toy list, written for this test. */
#define CHECK(x) do { if (!(x)) return -1; } while (0)

static int helper(int a);

static inline
int toy_walk(struct toy *t, int key)
	__must_hold(t->lock)
{
	struct toy_node *n;
	int i;

retry:
	n = toy_root(t); /* may be replaced */
	if (toy_dead(n))
		goto retry;

	for (i = 0; i < n->count; i++) {
		if (n->keys[i] >= key) {
			/* found: publish and stop */
			rcu_assign_pointer(t->hint, n);
			break;
		}
		if (toy_dead(n))
			return 1;
	}
	smp_wmb();
	toy_mark(n);
	if (toy_dead(n))
		return 1;
	return i > 0 ? i : -1;
}

static int helper(int a)
{
	// helper has its own dead check: if (toy_dead(n)) return 1;
	return a + 1;
}
`;

function mutation(edit: MutationEdit, fn = 'toy_walk'): Mutation {
  return { name: 'test-edit', file: 'lib/maple_tree.c', fn, edit };
}

/** The source with whitespace collapsed, for comparing edits without caring about layout. */
function flat(text: string): string {
  return tokenizeC(text).map((t) => t.text).join(' ');
}

describe('finding a function', () => {
  it('finds the definition past a prototype, attributes and a return type on its own line', () => {
    const tokens = tokenizeC(SOURCE);
    const [walk] = findFunctionBodies(tokens, 'toy_walk');
    expect(tokens[walk.open].text).toBe('{');
    expect(tokens[walk.close].text).toBe('}');
    expect(findFunctionBodies(tokens, 'helper')).toHaveLength(1); // the prototype is not a definition
    expect(findFunctionBodies(tokens, 'toy_dead')).toHaveLength(0); // only called
  });

  it('fails naming the mutation and the function when the function is not there', () => {
    const apply = (): string => applyMutation(SOURCE, { ...mutation({ kind: 'remove', statement: 'smp_wmb();' }, 'toy_gone'), name: 'gone' });
    expect(apply).toThrow(MutationError);
    expect(apply).toThrow(/mutation "gone" \(lib\/maple_tree\.c, toy_gone\): no definition of toy_gone\(\) found/);
  });
});

describe('remove', () => {
  it('removes the whole statement the tokens name (an if with its body), and its line', () => {
    const out = applyMutation(SOURCE, mutation({ kind: 'remove', statement: 'smp_wmb ( ) ;' }));
    expect(out).not.toContain('smp_wmb');
    expect(out).toContain('\t}\n\ttoy_mark(n);'); // the line is gone, not left blank
    const noRetry = applyMutation(SOURCE, mutation({ kind: 'remove', statement: 'goto retry;' }));
    expect(flat(noRetry)).toContain(flat('n = toy_root(t); for (i = 0;'));
    expect(noRetry).toContain('retry:'); // the label stays
  });

  it('is whitespace- and comment-insensitive', () => {
    const a = applyMutation(SOURCE, mutation({ kind: 'remove', statement: 'n=toy_root( t );' }));
    expect(a).not.toContain('toy_root');
    expect(a).toContain('retry:\n\tif (toy_dead(n))'); // the line goes, with the comment trailing the statement
    const b = applyMutation(SOURCE, mutation({ kind: 'remove', statement: 'goto retry;' }));
    expect(b).toContain('\tn = toy_root(t); /* may be replaced */\n'); // a comment on another statement's line stays
  });

  it('confines the edit to the function: the comment in helper() is not a match', () => {
    const edit: MutationEdit = { kind: 'remove', statement: 'if (toy_dead(n)) return 1;', expectedMatches: 2, occurrence: 2 };
    const out = applyMutation(SOURCE, mutation(edit));
    expect(flat(out)).toContain(flat('toy_mark(n); return i > 0'));
    expect(flat(out)).toContain(flat('break; } if (toy_dead(n)) return 1; }')); // the 1st, in the loop, stays
    expect(out).toContain('helper has its own dead check');
  });

  it("removes every match with occurrence 'all'", () => {
    const edit: MutationEdit = { kind: 'remove', statement: 'if (toy_dead(n)) return 1;', expectedMatches: 2, occurrence: 'all' };
    const out = applyMutation(SOURCE, mutation(edit));
    expect(flat(out)).not.toContain(flat('return 1;')); // flat() skips helper's comment
    expect(out).toContain('goto retry'); // a different statement
  });

  it('takes a statement inside nested braces, not the block around it', () => {
    const out = applyMutation(SOURCE, mutation({ kind: 'remove', statement: 'rcu_assign_pointer(t->hint, n);' }));
    expect(flat(out)).toContain(flat('if (n->keys[i] >= key) { break; }'));
  });

  it('refuses tokens found zero times or more often than expected', () => {
    const missing = (): string => applyMutation(SOURCE, mutation({ kind: 'remove', statement: 'smp_rmb();' }));
    expect(missing).toThrow(/"smp_rmb\(\);" not found, expected exactly once/);
    const twice = (): string => applyMutation(SOURCE, mutation({ kind: 'remove', statement: 'if (toy_dead(n)) return 1;' }));
    expect(twice).toThrow(/found 2 times, expected exactly once/);
    const three = (): string => applyMutation(SOURCE, mutation({ kind: 'remove', statement: 'toy_dead(n)', expectedMatches: 2, occurrence: 1 }));
    expect(three).toThrow(/found 3 times, expected 2 times/);
    const noIndex = (): string => applyMutation(SOURCE, mutation({ kind: 'remove', statement: 'toy_dead(n)', expectedMatches: 3 }));
    expect(noIndex).toThrow(/occurrence must be 1\.\.3 or 'all'/);
  });

  it('refuses edits of one statement inside another', () => {
    const text = 'static int f(int a)\n{\n\tif (a) { g(); return 1; }\n\treturn 0;\n}\n';
    const nested: MutationEdit = { kind: 'remove', statement: 'if (a)', expectedMatches: 1 };
    expect(applyMutation(text, mutation(nested, 'f'))).toBe('static int f(int a)\n{\n\treturn 0;\n}\n');
    const both: MutationEdit = { kind: 'insert-after', anchor: 'return', statement: 'h();', expectedMatches: 2, occurrence: 'all' };
    expect(applyMutation(text, mutation(both, 'f'))).toContain('return 1;\n\th(); }'); // inserts do not overlap
    // `a` in the condition names the whole if; `a` in its block names `a = 1;` inside it.
    const inner = 'static void f(int a)\n{\n\tif (a) { a = 1; }\n}\n';
    const overlapping: MutationEdit = { kind: 'remove', statement: 'a', expectedMatches: 2, occurrence: 'all' };
    expect(() => applyMutation(inner, mutation(overlapping, 'f'))).toThrow(/the places it edits overlap/);
  });

  it('takes a statement after an #endif line as starting there', () => {
    const text = 'static bool on(struct t *t)\n{\n#ifdef OFF\n\treturn false;\n#endif\n\treturn t->flags & ON;\n}\n';
    const out = applyMutation(text, mutation({ kind: 'remove', statement: 'return t->flags & ON;' }, 'on'));
    expect(out).toBe('static bool on(struct t *t)\n{\n#ifdef OFF\n\treturn false;\n#endif\n}\n');
  });

  it('does not match inside a #define', () => {
    expect(() => applyMutation(SOURCE, mutation({ kind: 'remove', statement: 'return -1;' }))).toThrow(/not found/);
  });
});

describe('swap', () => {
  it('swaps two adjacent statements, keeping what lies between them', () => {
    const out = applyMutation(SOURCE, mutation({ kind: 'swap', first: 'smp_wmb();', second: 'toy_mark(n);' }));
    expect(out).toContain('\ttoy_mark(n);\n\tsmp_wmb();\n');
    const withComment = applyMutation(SOURCE, mutation({ kind: 'swap', first: 'n = toy_root(t);', second: 'goto retry;' }));
    expect(withComment).toContain('if (toy_dead(n))\n\t\tgoto retry; /* may be replaced */\n\tn = toy_root(t);');
  });

  it('refuses statements that are not adjacent', () => {
    const apart = (): string => applyMutation(SOURCE, mutation({ kind: 'swap', first: 'smp_wmb();', second: 'return i > 0' }));
    expect(apart).toThrow(/the statement after "smp_wmb\(\);" is not "return i > 0"/);
  });
});

describe('replace', () => {
  it('replaces concrete tokens', () => {
    const out = applyMutation(SOURCE, mutation({ kind: 'replace', from: 'n->keys[i] >= key', to: 'n->keys[i] > key' }));
    expect(out).toContain('if (n->keys[i] > key) {');
  });

  it('captures balanced arguments: rcu_assign_pointer(A, B) becomes a plain store', () => {
    const edit: MutationEdit = { kind: 'replace', from: 'rcu_assign_pointer($P, $V)', to: '$P = $V' };
    const out = applyMutation(SOURCE, mutation(edit));
    expect(out).toContain('\t\t\tt->hint = n;\n');
    const nested = 'static void f(void)\n{\n\trcu_assign_pointer(a[g(1, 2)], h(x, (y)));\n}\n';
    expect(applyMutation(nested, mutation(edit, 'f'))).toContain('\ta[g(1, 2)] = h(x, (y));\n');
  });

  it('a repeated capture must match the same tokens', () => {
    const edit: MutationEdit = { kind: 'replace', from: 'if (toy_dead($N)) return 1;', to: 'if (toy_dead($N)) return 2;', expectedMatches: 2, occurrence: 'all' };
    expect(applyMutation(SOURCE, mutation(edit)).match(/return 2;/g)).toHaveLength(2);
    const same: MutationEdit = { kind: 'replace', from: '$A = $A', to: 'x' };
    expect(() => applyMutation(SOURCE, mutation(same))).toThrow(/not found/); // no `X = X` in the body
  });
});

describe('insert-after', () => {
  it('inserts a statement on its own line, indented like its anchor', () => {
    const out = applyMutation(SOURCE, mutation({ kind: 'insert-after', anchor: 'toy_mark(n);', statement: 'smp_wmb();' }));
    expect(out).toContain('\ttoy_mark(n);\n\tsmp_wmb();\n');
  });

  it('after a statement with a body, inserts after the whole statement', () => {
    const out = applyMutation(SOURCE, mutation({ kind: 'insert-after', anchor: 'for (i = 0;', statement: 'barrier();' }));
    expect(flat(out)).toContain(flat('return 1; } barrier(); smp_wmb();'));
  });
});

describe('applyMutations and describeMutation', () => {
  it('applies in order to the named files and leaves the input unchanged', () => {
    const files = { 'lib/maple_tree.c': SOURCE, 'include/linux/maple_tree.h': 'static inline bool toy_on(void)\n{\n\treturn true;\n}\n' };
    const out = applyMutations(files, [
      mutation({ kind: 'insert-after', anchor: 'toy_mark(n);', statement: 'toy_mark(n);' }),
      mutation({ kind: 'remove', statement: 'toy_mark(n);', expectedMatches: 2, occurrence: 1 }),
      { name: 'header', file: 'include/linux/maple_tree.h', fn: 'toy_on', edit: { kind: 'replace', from: 'return true;', to: 'return false;' } },
    ]);
    expect(out['lib/maple_tree.c'].match(/toy_mark\(n\);/g)).toHaveLength(1);
    expect(out['include/linux/maple_tree.h']).toContain('return false;');
    expect(files['lib/maple_tree.c']).toBe(SOURCE);
    expect(() => applyMutations({ 'lib/maple_tree.c': SOURCE }, [{ name: 'h', file: 'include/linux/maple_tree.h', fn: 'toy_on', edit: { kind: 'remove', statement: 'x;' } }])).toThrow(
      /no file include\/linux\/maple_tree\.h/,
    );
  });

  it('describes an edit on one line with its occurrence', () => {
    expect(describeMutation(mutation({ kind: 'remove', statement: 'if (unlikely(ma_dead_node(node)))\n\t\treturn 1;', expectedMatches: 2, occurrence: 2 }, 'mas_next_node'))).toBe(
      'mas_next_node: remove "if (unlikely(ma_dead_node(node))) return 1;" (2nd of 2)',
    );
    expect(describeMutation(mutation({ kind: 'remove', statement: 'x;', expectedMatches: 5, occurrence: 'all' }))).toBe('toy_walk: remove "x;" (all 5)');
    expect(describeMutation(mutation({ kind: 'swap', first: 'a();', second: 'b();' }))).toBe('toy_walk: swap "a();" with the next statement "b();"');
    expect(describeMutation(mutation({ kind: 'replace', from: 'a', to: 'b', expectedMatches: 3, occurrence: 1 }))).toBe('toy_walk: replace "a" by "b" (1st of 3)');
    expect(describeMutation(mutation({ kind: 'insert-after', anchor: 'a();', statement: 'smp_wmb();' }))).toBe('toy_walk: insert "smp_wmb();" after "a();"');
  });
});
