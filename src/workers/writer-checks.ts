/**
 * The writer side's own oracles: lockdep reports and the barrier cost as they happen, bad frees
 * as findings, the write policy's last operation, and after the final rcu_barrier the end state
 * (validate(), no dead node reachable, exact slab accounting). Used by the writer thread, the
 * single-thread interleaving driver and the simulator.
 */
import type { MapleTree } from '../tree/maple-tree.js';
import { BadFreeError } from '../shared-heap/slab.js';
import type { Violation, ViolationKind } from '../harness/types.js';
import type { PolicyFinding, WritePolicy } from '../tree/write-policy.js';

export type Report = (kind: ViolationKind, op: string, seen: string, expected?: string[], extra?: Pick<Violation, 'nodes' | 'detail'>) => void;

/** The write policy's findings as 'write-policy' violations. */
export function reportFindings(report: Report): (finding: PolicyFinding) => void {
  return (f) => report('write-policy', f.op, f.seen, f.expected, { nodes: f.nodes, detail: f.detail });
}

export interface TreeShapeSummary {
  height: number;
  nodes: number;
  entries: number;
  fill: number;
}

export class WriterChecks {
  private reportedSplats = 0;
  private costReported = false;

  /**
   * `minDeaths`: deaths before the barrier count is judged (a few barriers elsewhere do not skew
   * a long run; the simulator's short runs lower it).
   */
  constructor(
    private readonly tree: MapleTree,
    private readonly report: Report,
    private readonly minDeaths = 256,
    /** The write policy policing the writer's stores, if one does. */
    private readonly policy: WritePolicy | null = null,
  ) {}

  /** After each writer step: lockdep reports as they happen. Cheap. */
  afterStep(step: number): void {
    if (this.tree.lockdep.splats.length > this.reportedSplats) this.reportSplats();
    if ((step & 4095) === 0) this.checkBarrierCost();
  }

  /** A writer step threw: a bad free is an accounting finding, anything else a crash. */
  failed(op: string, error: unknown): void {
    if (error instanceof BadFreeError) this.report('accounting', op, error.message, ['every node freed once, after it died']);
    else this.report('crash', op, error instanceof Error ? error.message : String(error));
  }

  /** Lockdep splats (the first three; each names the access and the context). */
  reportSplats(): void {
    const splats = this.tree.lockdep.splats;
    for (; this.reportedSplats < splats.length; this.reportedSplats++) {
      if (this.reportedSplats < 3) this.report('lockdep', 'RCU callback (deferred free walk)', splats[this.reportedSplats]);
    }
  }

  /** Patch 4's measure: the protocol needs exactly one smp_wmb per dead node. */
  checkBarrierCost(): void {
    const dead = this.tree.slab.deaths;
    const wmb = this.tree.deathBarriers;
    if (this.costReported || dead < this.minDeaths || wmb / dead <= 1.5) return;
    this.costReported = true;
    this.report('cost', 'marking dead nodes', `${(wmb / dead).toFixed(2)} smp_wmb per dead node (${wmb} barriers, ${dead} deaths)`, [
      '1 (one barrier after marking each node dead)',
    ]);
  }

  /** With every reader gone: rcu_barrier, then judge the end state. Returns the tree's shape. */
  endOfRun(): TreeShapeSummary {
    const tree = this.tree;
    this.policy?.endOfRun();
    let shape: TreeShapeSummary = { height: 0, nodes: 0, entries: 0, fill: 0 };
    try {
      tree.rcuBarrier();
      const stats = tree.stats();
      shape = { height: stats.height, nodes: stats.nodes, entries: stats.entries, fill: stats.fill };
      try {
        tree.validate();
      } catch (error) {
        this.report('structure', 'validate() at the end of the run', error instanceof Error ? error.message : String(error));
      }
      const slab = stats.slab;
      if (slab.live !== stats.nodes || slab.waiting !== 0 || slab.live + slab.free !== slab.capacity) {
        this.report('accounting', 'slab accounting after rcu_barrier', `live ${slab.live}, waiting ${slab.waiting}, free ${slab.free} of ${slab.capacity}`, [
          `live = reachable nodes (${stats.nodes}), waiting = 0, live + free = ${slab.capacity}`,
        ]);
      }
    } catch (error) {
      if (error instanceof BadFreeError) this.failed('rcu_barrier', error);
      else this.report('structure', 'rcu_barrier and final checks', error instanceof Error ? error.message : String(error));
    }
    if (tree.slab.badFrees > 0) this.report('accounting', 'slab frees', `${tree.slab.badFrees} bad or double frees`, ['0']);
    this.reportSplats();
    this.checkBarrierCost();
    return shape;
  }
}
