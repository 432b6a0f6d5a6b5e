/** Argument checks shared by the facade and the cursor: a RangeError naming the argument. */
import { MAX_INDEX, isInternalEntry } from './layout.js';

if (MAX_INDEX !== 0xffffffff) throw new Error('args: MAX_INDEX changed');

export function checkIndex(name: string, value: number): void {
  // 0xffffffff is MAX_INDEX, as a literal: every load and walk passes here, and an imported
  // binding costs a chain of loads and a hole check per call in optimized code.
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${name} must be an integer in [0, 0xFFFFFFFF], got ${String(value)}`);
  }
}

export function checkRange(first: number, last: number): void {
  checkIndex('first', first);
  checkIndex('last', last);
  if (first > last) throw new RangeError(`first (${first}) must not exceed last (${last})`);
}

export function checkEntry(entry: number, allowNull = true): void {
  if (!Number.isInteger(entry) || entry < 0 || entry > MAX_INDEX) {
    throw new RangeError(`entry must be a uint32 integer, got ${String(entry)}`);
  }
  if (!allowNull && entry === 0) throw new RangeError('entry must not be 0 (NULL) here');
  if (isInternalEntry(entry)) {
    throw new RangeError(
      `entry ${entry} is reserved: values whose low two bits are 10 are internal entries ` +
        `(node references); use e.g. odd values`,
    );
  }
}

export function checkSize(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size > MAX_INDEX + 1) {
    throw new RangeError(`size must be an integer in [1, 2^32], got ${String(size)}`);
  }
}
