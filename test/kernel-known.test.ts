/**
 * The kernel build's known findings (src/harness/kernel-known.ts) are named apart, and
 * kernelFrames (src/kernel/loader.ts), which trap reports rely on: the module's own functions of a
 * wasm trap's stack, innermost first, without the runtime's helpers. Pure: stacks are built by hand.
 * The destroy walk's recognition itself runs in the runtime: test/kernel-runtime-checks.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DESTROY_WALK, EMPTY_AREA_MISS, PARENT_SLOT_BEFORE_ADOPT, PREV_ROOT_REREAD, isRewalkNullNode } from '../src/harness/kernel-known.js';
import { KernelTrap, kernelFrames, kernelTrap } from '../src/kernel/loader.js';


describe('known findings', () => {
  it('parent-slot-before-adopt names the window it is about', () => {
    expect(PARENT_SLOT_BEFORE_ADOPT.name).toBe('parent-slot-before-adopt');
    expect(PARENT_SLOT_BEFORE_ADOPT.summary).toContain('mas_adopt_children');
  });

  it('the findings have distinct names and a summary', () => {
    expect(new Set([DESTROY_WALK.name, EMPTY_AREA_MISS.name, PREV_ROOT_REREAD.name]).size).toBe(3);
    expect(PREV_ROOT_REREAD.summary).toContain('mas_root');
    expect(DESTROY_WALK.summary).toContain('mt_free_walk');
    expect(EMPTY_AREA_MISS.summary).toContain('mas_empty_area');
  });
});

/** A V8 stack of a trap inside the module, called from the loader (JS frames around it). */
const STACK = [
  'RuntimeError: memory access out of bounds',
  '    at maple.wasm.memset (wasm://wasm/maple.wasm-00a1b2c3:wasm-function[3]:0x1a2)',
  '    at maple.wasm.rt_node_poison (wasm://wasm/maple.wasm-00a1b2c3:wasm-function[12]:0x3b4)',
  '    at maple.wasm.mt_free_walk (wasm://wasm/maple.wasm-00a1b2c3:wasm-function[210]:0x9c10)',
  '    at maple.wasm.memcpy (wasm://wasm/maple.wasm-00a1b2c3:wasm-function[2]:0x120)',
  '    at maple.wasm.rcu_do_batch (wasm://wasm/maple.wasm-00a1b2c3:wasm-function[40]:0x2c00)',
  '    at maple.wasm.km_helper (wasm://wasm/maple.wasm-00a1b2c3:wasm-function[300]:0xaa00)',
  '    at maple.wasm.rt_rcu_run_callbacks (wasm://wasm/maple.wasm-00a1b2c3:wasm-function[15]:0x500)',
  '    at KernelInstance.call (file:///work/src/kernel/loader.ts:269:14)',
  '    at KernelInstance.runRcuCallbacks (file:///work/src/kernel/loader.ts:305:17)',
].join('\n');

function errorWith(stack: string): Error {
  const e = new Error('memory access out of bounds');
  e.stack = stack;
  return e;
}

describe('kernelFrames', () => {
  it('keeps the maple.wasm frames in order and drops rt_, km_ and mem* helpers and JS frames', () => {
    expect(kernelFrames(errorWith(STACK))).toEqual(['mt_free_walk', 'rcu_do_batch']);
  });

  it('keeps kernel functions whose names merely contain a helper prefix or mem', () => {
    const stack = [
      'RuntimeError: unreachable',
      '    at maple.wasm.mas_rt_walk (wasm://wasm/maple.wasm-1:wasm-function[1]:0x1)',
      '    at maple.wasm.memchr (wasm://wasm/maple.wasm-1:wasm-function[2]:0x2)',
      '    at maple.wasm.mem_cgroup_thing (wasm://wasm/maple.wasm-1:wasm-function[3]:0x3)',
      '    at maple.wasm.mas_km_state (wasm://wasm/maple.wasm-1:wasm-function[4]:0x4)',
    ].join('\n');
    expect(kernelFrames(errorWith(stack))).toEqual(['mas_rt_walk', 'memchr', 'mem_cgroup_thing', 'mas_km_state']);
  });

  it('no module frames: empty (a JS-only stack, or none)', () => {
    expect(kernelFrames(errorWith('Error: x\n    at f (file:///a.ts:1:1)'))).toEqual([]);
    const bare = new Error('x');
    bare.stack = undefined;
    expect(kernelFrames(bare)).toEqual([]);
  });

  it('kernelTrap names the innermost kernel function', () => {
    const t = kernelTrap('rcu grace period', errorWith(STACK), 'kernel BUG at lib/maple_tree.c:123!\nmore');
    expect(t.frames).toEqual(['mt_free_walk', 'rcu_do_batch']);
    expect(t.kernelFunction).toBe('mt_free_walk');
    expect(t.message).toBe('rcu grace period: kernel BUG at lib/maple_tree.c:123! in mt_free_walk < rcu_do_batch');
    const elsewhere = kernelTrap('mtree_store_range', errorWith(STACK.replace('mt_free_walk', 'mas_store_b_node')), '');
    expect(elsewhere.message).toBe('mtree_store_range: trap: memory access out of bounds in mas_store_b_node < rcu_do_batch');
  });
});

describe('isRewalkNullNode: the NULL-node dereference after a re-walk', () => {
  const NULL_LOG = 'rcu_dereference of 0x14: a slot of the NULL node (a NULL pointer dereference)\nkernel BUG at rt.c:99!\n';
  const trapIn = (frames: string[], log = NULL_LOG): KernelTrap => new KernelTrap('mas_prev: kernel BUG at rt.c:99!', log, frames);

  it('accepts that trap inside mas_prev_slot or mas_next_slot', () => {
    expect(isRewalkNullNode(trapIn(['mas_prev_slot', 'mas_prev', 'km_cursor_step']))).toBe(true);
    expect(isRewalkNullNode(trapIn(['mas_next_slot', 'mas_find']))).toBe(true);
    expect(isRewalkNullNode(trapIn(['mas_state_walk', 'mas_next_slot', 'mas_find'], 'a read-side section re-walked 4096 times to a tree without nodes\n'))).toBe(true);
  });

  it('rejects another trap in the same function, the same trap elsewhere, and errors that are not traps', () => {
    expect(isRewalkNullNode(trapIn(['mas_prev_slot'], 'kernel BUG at lib/maple_tree.c:4519!\n'))).toBe(false);
    expect(isRewalkNullNode(trapIn(['mas_walk', 'mtree_range_walk']))).toBe(false);
    expect(isRewalkNullNode(trapIn(['mas_state_walk', 'mas_walk']))).toBe(false);
    expect(isRewalkNullNode(trapIn([]))).toBe(false);
    expect(isRewalkNullNode(new Error('a slot of the NULL node'))).toBe(false);
  });
});
