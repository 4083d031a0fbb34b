import type { Logger } from './adapter.js';
import { LedgerError, MissingLedgerMethodsError, isSocialCrmError } from './errors.js';
import { LEDGER_METHOD_GROUPS, OPTIONAL_LEDGER_METHOD_GROUPS, type InteractionLedger } from './ledger.js';

/**
 * Names of required methods the object lacks, across every group, plus the rest of any
 * optional group it implements only in part. @internal
 */
export function missingLedgerMethods(ledger: object): string[] {
  const lacks = (method: string) => typeof (ledger as Record<string, unknown>)[method] !== 'function';
  const partial = Object.values(OPTIONAL_LEDGER_METHOD_GROUPS).flatMap((group) => {
    const missing = group.filter(lacks);
    return missing.length < group.length ? missing : [];
  });
  return [...Object.values(LEDGER_METHOD_GROUPS).flat().filter(lacks), ...partial];
}

/**
 * Checks a host's ledger once and wraps every method: debug-logs `ledger_<method>` and rethrows
 * failures as `LedgerError { method, cause }` (our own typed errors pass through unchanged).
 * @internal
 */
export function wrapLedger(ledger: InteractionLedger, logger: Logger): InteractionLedger {
  const missing = missingLedgerMethods(ledger);
  if (missing.length) throw new MissingLedgerMethodsError(missing);
  const wrapped: Record<string, unknown> = {};
  const present = Object.values(OPTIONAL_LEDGER_METHOD_GROUPS)
    .flat()
    .filter((method) => typeof ledger[method] === 'function');
  for (const method of [...Object.values(LEDGER_METHOD_GROUPS).flat(), ...present]) {
    const original = (ledger as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[method]!;
    wrapped[method] = async (...args: unknown[]) => {
      logger.debug(`ledger_${method}`, { args: args.length === 1 && typeof args[0] === 'string' ? args : args.length });
      // The ledger a locked task receives is checked and wrapped the same way.
      if (method === 'withLocks' && typeof args[1] === 'function') {
        const task = args[1] as (scoped: InteractionLedger) => Promise<unknown>;
        args = [args[0], (scoped: InteractionLedger) => task(wrapLedger(scoped, logger))];
      } else if (method === 'transaction' && typeof args[0] === 'function') {
        const task = args[0] as (scoped: InteractionLedger) => Promise<unknown>;
        args = [(scoped: InteractionLedger) => task(wrapLedger(scoped, logger))];
      }
      try {
        return await original.apply(ledger, args);
      } catch (error) {
        if (isSocialCrmError(error)) throw error;
        throw new LedgerError(method, error);
      }
    };
  }
  if (ledger.close) wrapped.close = () => ledger.close!();
  return wrapped as unknown as InteractionLedger;
}
