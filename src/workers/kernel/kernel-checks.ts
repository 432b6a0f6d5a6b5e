/**
 * The writer side's oracles on the kernel build, from what its runtime sees: the free policy of
 * RCU mode and lockdep's suspicious-RCU-usage splats as they happen, traps inside the kernel's
 * code, back-to-back write barriers (the barrier cost), and after the final rcu_barrier the end state (the
 * kernel's own mt_validate, exact slab and call_rcu accounting against the nodes still in the tree).
 */
import { KernelTrap } from '../../kernel/loader.js';
import type { KernelInstance, RuntimeCounters } from '../../kernel/loader.js';
import type { KernelTree } from '../../kernel/kernel-tree.js';
import type { Report, TreeShapeSummary } from '../writer-checks.js';
import { KernelApiError } from './kernel-mutator.js';

export class KernelWriterChecks {
  private splatsReported = 0;
  private policyReported = false;
  private costReported = false;

  constructor(
    private readonly kernel: KernelInstance,
    private readonly tree: KernelTree,
    private readonly report: Report,
  ) {}

  /** After each writer step: the runtime's findings so far. */
  afterStep(step: string): void {
    this.judge(this.kernel.counters(), step);
  }

  /** After a grace period: the frees it ran (the free policy judges them). */
  afterGracePeriod(): void {
    this.judge(this.kernel.counters(), 'a grace period');
  }

  /** A writer step threw: a trap in the kernel's code, an API result it cannot give, or a crash. */
  failed(op: string, error: unknown): void {
    if (error instanceof KernelTrap) {
      this.report('trap', op, error.message, ['no trap (BUG_ON, out-of-bounds access or unreachable) in the kernel code'], {
        detail: [error.kernelFunction && `in ${error.frames.join(' < ')}`, lastLines(error.log)].filter(Boolean).join('\n') || undefined,
      });
    } else if (error instanceof KernelApiError) {
      this.report('result', op, error.message, ['what the kernel API documents']);
    } else {
      this.report('crash', op, error instanceof Error ? error.message : String(error));
    }
  }

  private judge(c: RuntimeCounters, op: string): void {
    if (c.lockdepSplats > this.splatsReported) {
      if (this.splatsReported === 0) {
        this.report('lockdep', op, `suspicious rcu_dereference_protected() usage at ${c.lockdepAt} (${c.lockdepSplats} so far)`, [
          'every protected dereference holds its protection (the tree lock, or RCU callback context)',
        ]);
      }
      this.splatsReported = c.lockdepSplats;
    }
    if (!this.policyReported && (c.deadDirectFrees > 0 || c.liveRcuFrees > 0)) {
      this.policyReported = true;
      const node = `0x${c.policyNode.toString(16)}`;
      this.report(
        'write-policy',
        op,
        c.deadDirectFrees > 0
          ? `dead node ${node} went back to the slab without a grace period (${c.deadDirectFrees} such frees)`
          : `an RCU callback freed node ${node}, which was never marked dead (${c.liveRcuFrees} such frees)`,
        ['in RCU mode, a node is marked dead before it leaves the tree and is freed only after a grace period'],
        { nodes: node },
      );
    }
    // The barrier cost: an smp_wmb right after one from another call site orders nothing
    // (rt.c, rt_smp_wmb, says why 6.12 never does it). Exact at any point: judged as it happens.
    if (!this.costReported && c.wmbBackToBack > 0) {
      this.costReported = true;
      this.report(
        'cost',
        op,
        `smp_wmb at ${c.wmbBackToBackAt.split(' then ')[1]} issued right after the smp_wmb at ${c.wmbBackToBackAt.split(' then ')[0]}, nothing between them to order (${c.wmbBackToBack} such of ${c.wmb} smp_wmb so far)`,
        ['0 (one smp_wmb after each dead marking, from the marking\'s own call site)'],
      );
    }
  }

  /** With every reader gone: rcu_barrier, then judge the end state. Returns the tree's shape. */
  endOfRun(): TreeShapeSummary {
    const { kernel, tree } = this;
    let shape: TreeShapeSummary = { height: 0, nodes: 0, entries: 0, fill: 0 };
    try {
      kernel.rcuBarrier();
      this.judge(kernel.counters(), 'rcu_barrier at the end of the run');
      const nodes = tree.shape().nodes;
      const entries = tree.findAll().length;
      shape = { height: tree.height(), nodes: nodes.length, entries, fill: 0 };
      kernel.clearLog();
      const failed = tree.validate();
      if (failed > 0) {
        this.report('structure', 'mt_validate at the end of the run', `${failed} of the kernel's own checks failed`, ['0'], {
          detail: lastLines(kernel.log(), 40),
        });
      }
      const slab = kernel.slabStats();
      // Destroy walks the runtime did not run (the known finding) leak their subtrees: then the
      // live count cannot match the tree's and is not judged; the rest of the accounting is.
      const leaked = kernel.exports.km_clobbered_walks() > 0;
      if ((!leaked && slab.live !== nodes.length) || slab.rcuQueued !== slab.rcuInvoked || slab.live + slab.free !== slab.capacity) {
        this.report(
          'accounting',
          'slab accounting after rcu_barrier',
          `live ${slab.live}, free ${slab.free} of ${slab.capacity}; call_rcu ${slab.rcuQueued} queued, ${slab.rcuInvoked} run`,
          [`live = nodes in the tree (${nodes.length}), every call_rcu callback run, live + free = capacity`],
        );
      }
      if (slab.doubleFrees > 0) this.report('accounting', 'slab frees', `${slab.doubleFrees} double frees or frees of non-objects`, ['0']);
    } catch (error) {
      this.failed('rcu_barrier and the final checks', error);
    }
    return shape;
  }
}

/** The last lines of the runtime's log (what printk wrote before a trap). */
function lastLines(log: string, n = 12): string {
  return log.split('\n').filter(Boolean).slice(-n).join('\n');
}
