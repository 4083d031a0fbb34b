import { describe, expect, it } from 'vitest';
import { createGate, createKeyedLock } from '../../src/_locks.js';

/** A promise with its resolve function, to hold a task open until the test lets it go. */
function latch() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('keyed lock', () => {
  it('runs tasks of one key in call order and tasks of other keys at once', async () => {
    const { withLock } = createKeyedLock();
    const events: string[] = [];
    const first = latch();
    const a1 = withLock('a', async () => {
      events.push('a1 start');
      await first.opened;
      events.push('a1 end');
    });
    const a2 = withLock('a', async () => void events.push('a2'));
    const b = withLock('b', async () => void events.push('b'));
    await settle();
    expect(events).toEqual(['a1 start', 'b']);
    first.open();
    await Promise.all([a1, a2, b]);
    expect(events).toEqual(['a1 start', 'b', 'a1 end', 'a2']);
  });

  it('keeps going after a task fails', async () => {
    const { withLock } = createKeyedLock();
    await expect(withLock('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(withLock('a', async () => 'next')).resolves.toBe('next');
  });

  it('takes many keys without deadlock, whatever order callers list them in', async () => {
    const { withLocks } = createKeyedLock();
    let inside = 0;
    let most = 0;
    const task = async () => {
      inside++;
      most = Math.max(most, inside);
      await settle();
      inside--;
    };
    await Promise.all(Array.from({ length: 40 }, (_, index) => withLocks(index % 2 ? ['x', 'y', 'z'] : ['z', 'x', 'y', 'x'], task)));
    expect(most).toBe(1);
    const disjoint = Array.from({ length: 10 }, (_, index) => withLocks([`k${index}`, `j${index}`], task));
    await Promise.all(disjoint);
    expect(most).toBe(10);
  });

  it('holds the free keys before a busy one, takes the keys after it only once it has it, and frees them all after a failure', async () => {
    const { withLock, withLocks } = createKeyedLock();
    const events: string[] = [];
    const b = latch();
    const holdB = withLock('b', async () => {
      await b.opened;
      events.push('b done');
    });
    const many = withLocks(['c', 'b', 'a'], async () => {
      events.push('a+b+c');
      throw new Error('boom');
    });
    const a = withLock('a', async () => void events.push('a'));
    const c = withLock('c', async () => void events.push('c'));
    await settle();
    // `a` was free and is held while `b` is waited for; `c` comes after `b`, so it was not taken yet.
    expect(events).toEqual(['c']);
    b.open();
    await expect(many).rejects.toThrow('boom');
    await Promise.all([holdB, a, c]);
    expect(events).toEqual(['c', 'b done', 'a+b+c', 'a']);
    await expect(withLocks(['a', 'b', 'c'], async () => 'free again')).resolves.toBe('free again');
  });
});

describe('gate', () => {
  it('admits shared holders together and an exclusive one alone, in arrival order', async () => {
    const gate = createGate();
    const events: string[] = [];
    const hold = latch();
    const r1 = gate.shared(async () => {
      events.push('r1');
      await hold.opened;
    });
    const r2 = gate.shared(async () => void events.push('r2'));
    const w = gate.exclusive(async () => void events.push('w'));
    // A shared request behind a waiting exclusive one waits too: writers never starve.
    const r3 = gate.shared(async () => void events.push('r3'));
    await settle();
    expect(events).toEqual(['r1', 'r2']);
    hold.open();
    await Promise.all([r1, r2, w, r3]);
    expect(events).toEqual(['r1', 'r2', 'w', 'r3']);
  });

  it('releases on failure', async () => {
    const gate = createGate();
    await expect(gate.exclusive(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(gate.shared(async () => 'ok')).resolves.toBe('ok');
    await expect(gate.exclusive(async () => 'ok')).resolves.toBe('ok');
  });
});
