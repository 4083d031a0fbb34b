/**
 * `crm.eraseCustomer()`: the ledger's erase, announced so that whatever the process keeps of the
 * person (the identity merger's caches and memory queue, the insights) forgets them too.
 *
 * @internal
 * @module
 */
import { erasureSubjectOfExport, type ErasureSubject } from '../erasure.js';
import type { EraseResult } from '../ledger.js';
import { commitUnit, type PipelineContext } from './context.js';
import { describeError } from './dead-letters.js';

/**
 * Reads what identifies the person, erases them in the ledger and records `customer-erased` in the
 * same unit (so a durable handler hears of every erase, and only of committed ones), then lets the
 * identity resolver forget them. In-process listeners get the subject after the commit.
 */
export async function eraseCustomer(context: PipelineContext, customerId: string): Promise<EraseResult> {
  const { result, subject } = await commitUnit(context, async (ledger, changes) => {
    const exported = await ledger.exportCustomer(customerId);
    const erased = await ledger.eraseCustomer(customerId);
    if (!exported) return { result: erased, subject: null };
    const found: ErasureSubject = erasureSubjectOfExport(exported);
    changes.record('customer-erased', { customerId, result: erased, subject: found });
    return { result: erased, subject: found };
  });
  if (subject) {
    try {
      await (await context.loadIdentity()).forget?.({ customerIds: subject.customerIds, identityKeys: subject.identityKeys });
    } catch (error) {
      context.logger.error('[social-crm] The identity resolver could not forget an erased customer; restart the process to clear its caches.', { customerId, error: describeError(error) });
    }
  }
  return result;
}
