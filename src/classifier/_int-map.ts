/**
 * @internal An open-addressing map from 32-bit word hashes to small non-negative integers.
 * `Map<number, …>` boxes hashes above 2^30 on every look-up; this keeps each key beside its
 * value in one typed array, so a look-up in the hot path allocates nothing and touches one
 * cache line; a small bit filter (4 KB, one bit per key) answers most misses without it.
 */
const FILTER_BITS = 15;

export class IntMap {
  /** `[key, value]` pairs; value -1 marks an empty slot. */
  private slots: Int32Array;
  private shift: number;
  private filter = new Uint32Array(1 << (FILTER_BITS - 5));
  /** Number of keys stored. */
  size = 0;

  constructor(expected = 8) {
    let bits = 4;
    while (1 << bits < expected * 2) bits++;
    this.slots = IntMap.empty(1 << bits);
    this.shift = 32 - bits;
  }

  private static empty(capacity: number): Int32Array {
    const slots = new Int32Array(capacity * 2);
    for (let slot = 1; slot < slots.length; slot += 2) slots[slot] = -1;
    return slots;
  }

  /** Every `[key, value]` pair, flattened, in slot order (for packing at build time). */
  pairs(): Int32Array {
    const out = new Int32Array(this.size * 2);
    let next = 0;
    for (let slot = 0; slot < this.slots.length; slot += 2) {
      if (this.slots[slot + 1] === -1) continue;
      out[next++] = this.slots[slot]!;
      out[next++] = this.slots[slot + 1]!;
    }
    return out;
  }

  /** A map holding the flattened `[key, value]` pairs that {@link IntMap.pairs} returned. */
  static fromPairs(pairs: Int32Array): IntMap {
    const map = new IntMap(pairs.length / 2);
    for (let index = 0; index < pairs.length; index += 2) map.set(pairs[index]!, pairs[index + 1]!);
    return map;
  }

  /** The value stored for `key`, or -1. */
  get(key: number): number {
    const bit = Math.imul(key, 0x2c1b3c6d) >>> (32 - FILTER_BITS);
    if ((this.filter[bit >>> 5]! & (1 << (bit & 31))) === 0) return -1;
    const slots = this.slots;
    const mask = slots.length - 2;
    key |= 0;
    let slot = (Math.imul(key, 0x9e3779b1) >>> this.shift) << 1;
    for (;;) {
      const value = slots[slot + 1]!;
      if (value === -1 || slots[slot] === key) return value;
      slot = (slot + 2) & mask;
    }
  }

  /** Stores `value` (>= 0) for `key`, replacing any earlier value. */
  set(key: number, value: number): void {
    if ((this.size + 1) * 4 > this.slots.length) this.grow();
    key |= 0;
    const bit = Math.imul(key, 0x2c1b3c6d) >>> (32 - FILTER_BITS);
    this.filter[bit >>> 5]! |= 1 << (bit & 31);
    const slots = this.slots;
    const mask = slots.length - 2;
    let slot = (Math.imul(key, 0x9e3779b1) >>> this.shift) << 1;
    while (slots[slot + 1] !== -1 && slots[slot] !== key) slot = (slot + 2) & mask;
    if (slots[slot + 1] === -1) this.size++;
    slots[slot] = key;
    slots[slot + 1] = value;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = IntMap.empty(old.length);
    this.shift--;
    this.size = 0;
    for (let slot = 0; slot < old.length; slot += 2) if (old[slot + 1] !== -1) this.set(old[slot]!, old[slot + 1]!);
  }
}
