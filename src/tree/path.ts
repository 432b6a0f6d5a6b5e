/** The writer's record of a walk: per level, the node, its bounds and the slot taken. */
export const MAX_HEIGHT = 32;

/** A path from the root to one level: node, its bounds, the slot taken toward the key. */
export class Path {
  readonly node = new Uint32Array(MAX_HEIGHT);
  readonly min = new Float64Array(MAX_HEIGHT);
  readonly max = new Float64Array(MAX_HEIGHT);
  readonly offset = new Uint8Array(MAX_HEIGHT);

  copyFrom(other: Path, depth: number): void {
    for (let d = 0; d <= depth; d++) {
      this.node[d] = other.node[d];
      this.min[d] = other.min[d];
      this.max[d] = other.max[d];
      this.offset[d] = other.offset[d];
    }
  }
}
