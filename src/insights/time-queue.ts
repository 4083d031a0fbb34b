/** A min-heap of keys by due time, for primitives that must act when time passes. Internal. */

/**
 * Keys ordered by the time they are next due. Rescheduling a key pushes a new entry; the old one
 * is skipped when it surfaces (lazy deletion), so every operation is O(log n).
 */
export class TimeQueue {
  readonly #heap: Array<{ at: number; key: string }> = [];
  readonly #due = new Map<string, number>();

  /** Schedule `key` at `at` (replacing its previous time); `Infinity` or NaN unschedules it. */
  schedule(key: string, at: number): void {
    if (!Number.isFinite(at)) {
      this.#due.delete(key);
      return;
    }
    if (this.#due.get(key) === at) return;
    this.#due.set(key, at);
    this.#push({ at, key });
    // Stale entries pile up when keys are rescheduled often: rebuild once they dominate.
    if (this.#heap.length > 64 && this.#heap.length > 4 * this.#due.size) this.#rebuild();
  }

  unschedule(key: string): void {
    this.#due.delete(key);
  }

  /** Removes and returns every key due at or before `at`, earliest first. */
  takeDue(at: number): string[] {
    const keys: string[] = [];
    while (this.#heap.length > 0 && this.#heap[0]!.at <= at) {
      const entry = this.#pop();
      if (this.#due.get(entry.key) !== entry.at) continue;
      this.#due.delete(entry.key);
      keys.push(entry.key);
    }
    return keys;
  }

  clear(): void {
    this.#heap.length = 0;
    this.#due.clear();
  }

  #rebuild() {
    this.#heap.length = 0;
    for (const [key, at] of this.#due) this.#push({ at, key });
  }

  #push(entry: { at: number; key: string }) {
    const heap = this.#heap;
    heap.push(entry);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (heap[parent]!.at <= entry.at) break;
      heap[index] = heap[parent]!;
      index = parent;
    }
    heap[index] = entry;
  }

  #pop(): { at: number; key: string } {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && heap[right]!.at < heap[left]!.at ? right : left;
        if (heap[child]!.at >= last.at) break;
        heap[index] = heap[child]!;
        index = child;
      }
      heap[index] = last;
    }
    return top;
  }
}
