/**
 * The writer's memory with its stores policed: every store is shown to a StorePolicy (the RCU
 * write policy, src/tree/write-policy.ts) just before it happens, and every barrier just after.
 * Reads are ThreadedMemory's own, so the writer's walks cost what they cost unchecked; the
 * overrides keep one receiver class per call site (the writer thread builds only this one).
 */
import { ThreadedMemory } from './memory.js';

/** How a store was made, for the policy's reports. */
export const STORE_PLAIN = 0;
export const STORE_RELEASE = 1;
export const STORE_ATOMIC = 2;
export const STORE_NAMES = ['plain store', 'rcu_assign_pointer', 'atomic store'];

export interface StorePolicy {
  /** Before the store: `how` is STORE_PLAIN, STORE_RELEASE or STORE_ATOMIC. */
  store(addr: number, value: number, how: number): void;
  /** After a write barrier (smp_wmb, smp_mb, or an atomic store, which is a full fence). */
  fence(): void;
}

/** The writer's own view of a word, without an access of the memory model (no hook, no choice). */
export interface WordSource {
  peek(addr: number): number;
}

export class PolicedMemory extends ThreadedMemory implements WordSource {
  private readonly policy: StorePolicy;

  /** `policyFor` builds the policy over this memory's words (it reads old values through peek). */
  constructor(buffer: SharedArrayBuffer, policyFor: (words: WordSource) => StorePolicy) {
    super(buffer);
    this.policy = policyFor(this);
  }

  peek(addr: number): number {
    return this.words[addr];
  }

  override write(addr: number, value: number): void {
    this.policy.store(addr, value, STORE_PLAIN);
    super.write(addr, value);
  }

  override publish(addr: number, value: number): void {
    this.policy.store(addr, value, STORE_RELEASE);
    super.publish(addr, value);
  }

  override storeAtomic(addr: number, value: number): void {
    this.policy.store(addr, value, STORE_ATOMIC);
    super.storeAtomic(addr, value);
    this.policy.fence();
  }

  override wmb(): void {
    super.wmb();
    this.policy.fence();
  }

  override mb(): void {
    super.mb();
    this.policy.fence();
  }
}
