/**
 * How the merger's work is kept apart: the ledger's cross-process locks when it has them
 * ({@link LockingStore}), else this process's gate; and the context agent commands run with.
 *
 * @internal
 * @module
 */
import { hasLocking, type LockingStore } from '../ledger.js';
import type { IdentityResolverContext } from '../identity-resolver.js';
import { InvalidOptionsError } from '../errors.js';
import type { IdentityCommandContext } from './identity-merger.js';
import type { MergerContext } from './merger-context.js';

/** The command's context, completed from the merger's options. @throws InvalidOptionsError without a ledger */
export function commandContext(merger: MergerContext, context: IdentityCommandContext | undefined): IdentityResolverContext {
  const ledger = context?.ledger ?? merger.commandDefaults.ledger;
  if (!ledger) {
    throw new InvalidOptionsError('[identity] No ledger: pass `ledger` to createIdentityMerger() or in the command context.', [{ path: 'ledger', message: 'required' }]);
  }
  return {
    ledger,
    now: context?.now ?? merger.commandDefaults.now ?? (() => new Date()),
    generateId: context?.generateId ?? merger.commandDefaults.generateId ?? (() => `cus_${crypto.randomUUID().replaceAll('-', '')}`),
  };
}

/**
 * Runs `task` holding the ledger's cross-process locks on `keys` when it offers them
 * ({@link LockingStore}), with a context whose ledger is bound to the locked scope; otherwise
 * runs it as it is.
 */
export function coordinated<T>(context: IdentityResolverContext, keys: string[], task: (context: IdentityResolverContext) => Promise<T>): Promise<T> {
  const { ledger } = context;
  if (!hasLocking(ledger) || keys.length === 0) return task(context);
  return ledger.withLocks(keys, (locked) => task({ ...context, ledger: locked }));
}

/** Adds `keys` to the locked scope the context's ledger is bound to (nothing without locks). */
export async function holdLocks(context: IdentityResolverContext, keys: string[]): Promise<void> {
  if (hasLocking(context.ledger) && keys.length > 0) await context.ledger.withLocks(keys, async () => undefined);
}

/**
 * Runs `task` through this process's gate — unless the ledger has cross-process locks: its
 * locks and transactions then keep the work apart (and waiting on the gate while holding them
 * could deadlock with a command of this process waiting on them).
 */
export function inProcess<T>(merger: MergerContext, context: IdentityResolverContext, mode: 'shared' | 'exclusive', task: () => Promise<T>): Promise<T> {
  if (hasLocking(context.ledger)) return task();
  return mode === 'shared' ? merger.gate.shared(task) : merger.gate.exclusive(task);
}

/**
 * Runs an agent or host command: holding this process's locks on the resolution keys it may
 * write identities under (`identity:<key>`, as resolutions hold them), the ledger's cross-process
 * locks on `locksOf` (when the ledger has them), then alone in this process.
 */
export function runCommand<T>(
  merger: MergerContext,
  context: IdentityCommandContext | undefined,
  resolutionKeys: string[],
  locksOf: (resolved: IdentityResolverContext) => string[] | Promise<string[]>,
  task: (resolved: IdentityResolverContext) => Promise<T>,
): Promise<T> {
  return merger.keyLocks.withLocks(resolutionKeys, async () => {
    const resolved = commandContext(merger, context);
    const keys = await locksOf(resolved);
    return coordinated(resolved, keys, (scoped) => inProcess(merger, scoped, 'exclusive', () => task(scoped)));
  });
}

/** Cross-process lock keys of customers (the PostgreSQL ledger's `withCustomerLock` uses the same). */
export const customerLocks = (ids: Iterable<string>): string[] => [...new Set(ids)].map((id) => `customer:${id}`);

/** Cross-process lock keys of a resolution: its identity key and blocking keys, as `resolve` takes them. */
export const identityLocks = (keys: Iterable<string>): string[] => [...keys].map((key) => `identity-key:${key}`);
