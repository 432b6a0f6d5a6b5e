/**
 * The simulator's writer memory with its stores policed (the simulator's twin of PolicedMemory):
 * the policy sees each store in program order, before the scheduler's hook and before it enters
 * the store buffer, so its verdict does not depend on when the store drains. Old values come from
 * the writer's own program order (newestOwn), which makes no choice and consumes no decision.
 */
import { SimulatedMemory } from './simulated-memory.js';
import { STORE_ATOMIC, STORE_PLAIN, STORE_RELEASE } from './policed-memory.js';
import type { StorePolicy, WordSource } from './policed-memory.js';

export class SimPolicedMemory extends SimulatedMemory implements WordSource {
  /** Set once the tree (and so its slab) exists; stores before that (the tree's flags) are the header's. */
  policy: StorePolicy | null = null;
  /** Words at or past this address are not the tree's (the RCU words after the nodes): not policed. */
  policedBelow = Number.MAX_SAFE_INTEGER;

  peek(addr: number): number {
    return this.newestOwn(addr);
  }

  override write(addr: number, value: number): void {
    if (addr < this.policedBelow) this.policy?.store(addr, value, STORE_PLAIN);
    super.write(addr, value);
  }

  override publish(addr: number, value: number): void {
    if (addr < this.policedBelow) this.policy?.store(addr, value, STORE_RELEASE);
    super.publish(addr, value);
  }

  override storeAtomic(addr: number, value: number): void {
    if (addr < this.policedBelow) this.policy?.store(addr, value, STORE_ATOMIC);
    super.storeAtomic(addr, value);
    this.policy?.fence();
  }

  override wmb(): void {
    super.wmb();
    this.policy?.fence();
  }

  override mb(): void {
    super.mb();
    this.policy?.fence();
  }
}
