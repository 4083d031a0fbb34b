/**
 * The poll stage: each polling adapter from its saved cursor, a page at a time; a page is one
 * batch, and the cursor moves only once the page is stored.
 *
 * @internal
 * @module
 */
import type { ChannelAdapter } from '../adapter.js';
import { abortedOr, throwIfAborted, withSignal, type ProgressOptions } from '../_abort.js';
import { checkOptionKeys } from '../_options.js';
import { SocialCrmError, UnsupportedCapabilityError, isAbortedError, isSocialCrmError } from '../errors.js';
import type { PipelineContext } from './context.js';
import { emptyResult, processEvents, type IngestResult } from './process-events.js';

/** Per-adapter result of {@link SocialCrm.poll}. */
export interface PollSummary extends IngestResult {
  adapterId: string;
  pages: number;
  /** Set when the adapter's API failed; the cursor then stays where it was. */
  error?: SocialCrmError;
}

/** Options of {@link SocialCrm.poll}; `onProgress` counts pages stored, over every adapter polled. */
export interface PollOptions extends ProgressOptions {
  /** Adapters to poll. @default every adapter with the `poll` capability */
  adapterIds?: string[];
  /** Most pages per adapter. @default 10 */
  maxPages?: number;
}

const OPERATION = 'crm.poll()';

async function pollAdapter(context: PipelineContext, adapter: ChannelAdapter, maxPages: number, options: PollOptions, pagesBefore: number): Promise<PollSummary> {
  const { ledger } = context;
  const { signal } = options;
  const summary: PollSummary = { adapterId: adapter.id, pages: 0, ...emptyResult() };
  const progress = () => ({ done: pagesBefore + summary.pages });
  let cursor = (await ledger.getCursor(adapter.id, 'default')) ?? undefined;
  const adapterContext = withSignal(context.adapter(adapter.id).context, signal);
  try {
    for (let page = 0; page < maxPages; page++) {
      throwIfAborted(signal, OPERATION, progress());
      let outcome;
      try {
        outcome = await adapter.doPoll!({ cursor }, adapterContext);
      } catch (error) {
        throw abortedOr(error, signal, OPERATION, progress());
      }
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
      options.onProgress?.(progress());
      if (!outcome.hasMore) break;
    }
  } catch (error) {
    // An abort is the caller's decision, not the network's failure: it ends the whole call.
    if (isAbortedError(error)) throw error;
    const typed = isSocialCrmError(error) ? error : new SocialCrmError('CHANNEL_API_ERROR', `[${adapter.id}] Polling failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    summary.error = typed;
    context.events.emit('poll-failed', { adapterId: adapter.id, error: typed });
  }
  return summary;
}

/** Polls every polling adapter (or the ones named), one after the other. */
export async function pollAdapters(context: PipelineContext, options: PollOptions): Promise<PollSummary[]> {
  checkOptionKeys(OPERATION, options, ['adapterIds', 'maxPages', 'signal', 'onProgress']);
  const selected = options.adapterIds?.map((id) => context.adapter(id).adapter) ?? [...context.adapters.values()].filter((adapter) => adapter.capabilities.poll);
  const summaries: PollSummary[] = [];
  let pages = 0;
  for (const adapter of selected) {
    if (!adapter.doPoll) throw new UnsupportedCapabilityError(adapter.id, 'poll');
    const summary = await pollAdapter(context, adapter, options.maxPages ?? 10, options, pages);
    pages += summary.pages;
    summaries.push(summary);
  }
  return summaries;
}
