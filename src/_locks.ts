/**
 * In-process locks for the pipeline and the identity merger.
 *
 * @internal
 * @module
 */

/** A keyed mutex: tasks that share a key run one at a time, in call order. */
export interface KeyedLock {
  /** Runs `task` once every earlier task on `key` has settled. */
  withLock<T>(key: string, task: () => Promise<T>): Promise<T>;
  /**
   * Runs `task` holding every key. Keys are taken one by one in sorted order, so two callers that
   * share keys can never each hold one the other waits for.
   */
  withLocks<T>(keys: readonly string[], task: () => Promise<T>): Promise<T>;
}

export function createKeyedLock(): KeyedLock {
  const tails = new Map<string, Promise<unknown>>();
  async function withLock<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  }
  function withLocks<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const hold = (start: number): Promise<T> => {
      // The keys from `start` that no task holds or waits for are taken together, at once (as
      // taking them one by one would, with no turn for anyone in between); the first key some task
      // holds is waited for as usual, and the rest are taken after it.
      let index = start;
      while (index < sorted.length && !tails.has(sorted[index] as string)) index++;
      const next = (): Promise<T> => (index === sorted.length ? task() : withLock(sorted[index] as string, () => hold(index + 1)));
      if (index === start) return next();
      const taken = sorted.slice(start, index);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      for (const key of taken) tails.set(key, held);
      return Promise.resolve()
        .then(next)
        .finally(() => {
          release();
          for (const key of taken) if (tails.get(key) === held) tails.delete(key);
        });
    };
    return hold(0);
  }
  return { withLock, withLocks };
}

/**
 * A readers–writer gate: any number of shared holders at once, or one exclusive holder.
 * Requests are granted in arrival order, so a waiting exclusive request holds back the shared
 * ones behind it and writers never starve. Not re-entrant: a holder must not ask again.
 */
export interface Gate {
  shared<T>(task: () => Promise<T>): Promise<T>;
  exclusive<T>(task: () => Promise<T>): Promise<T>;
}

export function createGate(): Gate {
  let readers = 0;
  let writer = false;
  const waiting: Array<{ exclusive: boolean; grant: () => void }> = [];
  function admit(): void {
    while (waiting.length > 0) {
      const next = waiting[0] as { exclusive: boolean; grant: () => void };
      if (writer || (next.exclusive && readers > 0)) return;
      waiting.shift();
      if (next.exclusive) writer = true;
      else readers++;
      next.grant();
      if (next.exclusive) return;
    }
  }
  async function run<T>(exclusive: boolean, task: () => Promise<T>): Promise<T> {
    await new Promise<void>((grant) => {
      waiting.push({ exclusive, grant });
      admit();
    });
    try {
      return await task();
    } finally {
      if (exclusive) writer = false;
      else readers--;
      admit();
    }
  }
  return { shared: (task) => run(false, task), exclusive: (task) => run(true, task) };
}
