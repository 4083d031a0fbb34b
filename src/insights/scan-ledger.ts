/** Reading the storage port page by page, for the insights queries. Internal; not exported. */
import type { Interaction } from '../interaction.js';
import type { InteractionLedger, InteractionQuery } from '../ledger.js';

/**
 * Every interaction matching `query`, following `nextCursor` until the last page or until
 * `max` rows were yielded. Stop early by breaking out of the loop.
 */
export async function* scanInteractions(ledger: Pick<InteractionLedger, 'queryInteractions'>, query: Omit<InteractionQuery, 'cursor' | 'limit'>, max = Number.POSITIVE_INFINITY, pageSize = 500): AsyncGenerator<Interaction> {
  let cursor: string | undefined;
  let yielded = 0;
  do {
    const page = await ledger.queryInteractions({ ...query, limit: Math.max(1, Math.min(pageSize, max - yielded)), ...(cursor ? { cursor } : {}) });
    for (const interaction of page.items) {
      if (yielded >= max) return;
      yielded++;
      yield interaction;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor && yielded < max);
}
