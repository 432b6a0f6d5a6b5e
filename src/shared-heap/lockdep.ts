/**
 * A tiny lockdep: which protection the current context holds (the tree lock, an RCU read-side
 * section, or RCU callback context), and a report, the way lockdep splats, when a node's slots are
 * dereferenced with an accessor whose protection the context does not hold.
 */
export class Lockdep {
  treeLock = false;
  rcuRead = 0;
  rcuCallback = 0;
  readonly splats: string[] = [];

  /** rcu_dereference_protected(slot, lockdep_is_held(tree lock)) or rcu_dereference(). */
  checkTreeOrRcu(where: string): void {
    if (this.treeLock || this.rcuRead > 0) return;
    this.splat(where, 'the tree lock or rcu_read_lock');
  }

  /** The callback-safe accessor: RCU callback context is protection too. */
  checkTreeRcuOrCallback(where: string): void {
    if (this.treeLock || this.rcuRead > 0 || this.rcuCallback > 0) return;
    this.splat(where, 'the tree lock, rcu_read_lock or RCU callback context');
  }

  private splat(where: string, needs: string): void {
    if (this.splats.length < 16) {
      const context = this.rcuCallback > 0 ? 'RCU callback context' : 'a context';
      this.splats.push(`suspicious RCU usage: ${where} dereferenced a slot from ${context} holding neither ${needs}`);
    }
  }
}
