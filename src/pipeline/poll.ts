/**
 * The poll stage: each polling adapter from its saved cursor, a page at a time; a page is one
 * batch, and the cursor moves only once the page is stored.
 *
 * @internal
 * @module
 */
import type { ChannelAdapter } from '../adapter.js';
import { SocialCrmError, UnsupportedCapabilityError, isSocialCrmError } from '../errors.js';
import type { PipelineContext } from './context.js';
import { emptyResult, processEvents, type IngestResult } from './process-events.js';

/** Per-adapter result of {@link SocialCrm.poll}. */
export interface PollSummary extends IngestResult {
  adapterId: string;
  pages: number;
  /** Set when the adapter's API failed; the cursor then stays where it was. */
  error?: SocialCrmError;
}

async function pollAdapter(context: PipelineContext, adapter: ChannelAdapter, maxPages: number): Promise<PollSummary> {
  const { ledger } = context;
  const summary: PollSummary = { adapterId: adapter.id, pages: 0, ...emptyResult() };
  let cursor = (await ledger.getCursor(adapter.id, 'default')) ?? undefined;
  try {
    for (let page = 0; page < maxPages; page++) {
      const outcome = await adapter.doPoll!({ cursor }, context.adapter(adapter.id).context);
      summary.pages++;
      for (const warning of outcome.warnings ?? []) context.warn(adapter.id, warning);
      const batch = { source: 'poll' as const, adapterId: adapter.id, rejected: outcome.rejected ?? [] };
      const result = context.routeEvents ? await context.routeEvents(outcome.events, batch) : await processEvents(context, outcome.events, batch);
      summary.stored += result.stored;
      summary.updated += result.updated;
      summary.duplicates += result.duplicates;
      summary.deadLettered += result.deadLettered;
      summary.interactions.push(...result.interactions);
      // Every event is stored or dead-lettered by now, so moving the cursor loses nothing.
      if (outcome.cursor !== undefined && outcome.cursor !== cursor) {
        cursor = outcome.cursor;
        await ledger.setCursor(adapter.id, 'default', cursor);
      }
      if (!outcome.hasMore) break;
    }
  } catch (error) {
    const typed = isSocialCrmError(error) ? error : new SocialCrmError('CHANNEL_API_ERROR', `[${adapter.id}] Polling failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    summary.error = typed;
    context.events.emit('poll-failed', { adapterId: adapter.id, error: typed });
  }
  return summary;
}

/** Polls every polling adapter (or the ones named), one after the other. */
export async function pollAdapters(context: PipelineContext, options: { adapterIds?: string[]; maxPages?: number }): Promise<PollSummary[]> {
  const selected = options.adapterIds?.map((id) => context.adapter(id).adapter) ?? [...context.adapters.values()].filter((adapter) => adapter.capabilities.poll);
  const summaries: PollSummary[] = [];
  for (const adapter of selected) {
    if (!adapter.doPoll) throw new UnsupportedCapabilityError(adapter.id, 'poll');
    summaries.push(await pollAdapter(context, adapter, options.maxPages ?? 10));
  }
  return summaries;
}
