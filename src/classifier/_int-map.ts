/**
 * @internal An open-addressing map from 32-bit word hashes to small non-negative integers.
 * `Map<number, …>` boxes hashes above 2^30 on every look-up; this keeps keys and values
 * in typed arrays, so a look-up in the hot path allocates nothing.
 */
export class IntMap {
  private keys: Int32Array;
  private values: Int32Array;
  private shift: number;
  /** Number of keys stored. */
  size = 0;

  constructor(expected = 8) {
    let bits = 4;
    while (1 << bits < expected * 2) bits++;
    this.keys = new Int32Array(1 << bits);
    this.values = new Int32Array(1 << bits).fill(-1);
    this.shift = 32 - bits;
  }

  /** The value stored for `key`, or -1. */
  get(key: number): number {
    const keys = this.keys;
    const values = this.values;
    const mask = keys.length - 1;
    key |= 0;
    let slot = Math.imul(key, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const value = values[slot]!;
      if (value === -1 || keys[slot] === key) return value;
      slot = (slot + 1) & mask;
    }
  }

  /** Stores `value` (≥ 0) for `key`, replacing any earlier value. */
  set(key: number, value: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    key |= 0;
    const mask = this.keys.length - 1;
    let slot = Math.imul(key, 0x9e3779b1) >>> this.shift;
    while (this.values[slot] !== -1 && this.keys[slot] !== key) slot = (slot + 1) & mask;
    if (this.values[slot] === -1) this.size++;
    this.keys[slot] = key;
    this.values[slot] = value;
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    this.keys = new Int32Array(keys.length * 2);
    this.values = new Int32Array(keys.length * 2).fill(-1);
    this.shift--;
    this.size = 0;
    for (let slot = 0; slot < keys.length; slot++) if (values[slot] !== -1) this.set(keys[slot]!, values[slot]!);
  }
}
