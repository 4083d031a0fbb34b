/**
 * Replays dead letters through the stage that failed: an event through the batch stage, a raw
 * webhook through the front door, a durable handler's delivery through that handler.
 *
 * @internal
 * @module
 */
import type { DeadLetter } from '../ledger.js';
import type { PipelineContext } from './context.js';
import { describeError, type DeadLetterPayload } from './dead-letters.js';
import type { Dispatcher } from './dispatcher.js';
import { verifyWebhook } from './front-door.js';
import { processEvents } from './process-events.js';
import { throwIfAborted, type ProgressOptions } from '../_abort.js';
import { checkOptionKeys } from '../_options.js';

/** Options of {@link SocialCrm.retryDeadLetters}; `onProgress` counts dead letters replayed or skipped. */
export interface RetryDeadLettersOptions extends ProgressOptions {
  /** Most dead letters to replay. @default all */
  limit?: number;
}

const OPERATION = 'crm.retryDeadLetters()';

/** Result of {@link SocialCrm.retryDeadLetters}. */
export interface RetryResult {
  retried: number;
  succeeded: number;
  failed: number;
  /** Entries that cannot be replayed as they are (an adapter could not parse them). */
  skipped: number;
}

async function replay(context: PipelineContext, dispatcher: Dispatcher, settings: { webhookPath: string; maxBodyBytes: number | undefined }, payload: DeadLetterPayload): Promise<void> {
  switch (payload.type) {
    case 'event':
      await processEvents(context, [payload.event], { source: 'replay', ...(payload.adapterId ? { adapterId: payload.adapterId } : {}), throwOnFailure: true });
      return;
    case 'handler':
      await dispatcher.replay(payload.handler, payload.record);
      return;
    case 'webhook': {
      const request = new Request(payload.url, { method: payload.method, headers: payload.headers, ...(payload.method === 'GET' || payload.method === 'HEAD' ? {} : { body: payload.body }) });
      // Stored only after the front door let it through; the copy keeps no signature to check again.
      const verified = await verifyWebhook(context, { ...settings, verifiedBefore: true }, request, payload.adapterId);
      if (verified.status === 'failed') throw verified.error;
      if (verified.status === 'answered') throw new Error(`The stored request is refused now (HTTP ${verified.response.status}).`);
      const result = await processEvents(context, verified.events, { source: 'replay', adapterId: verified.adapterId, rejected: verified.rejected });
      if (result.deadLettered > 0) context.logger.warn(`[${verified.adapterId}] Replayed webhook produced ${result.deadLettered} new dead letters.`);
      return;
    }
    default:
      throw new Error('This dead letter cannot be replayed as it is.');
  }
}

export async function retryDeadLetters(
  context: PipelineContext,
  dispatcher: Dispatcher,
  settings: { webhookPath: string; maxBodyBytes: number | undefined },
  options: RetryDeadLettersOptions,
): Promise<RetryResult> {
  checkOptionKeys(OPERATION, options, ['limit', 'signal', 'onProgress']);
  const { ledger } = context;
  const { signal } = options;
  const result: RetryResult = { retried: 0, succeeded: 0, failed: 0, skipped: 0 };
  const limit = options.limit ?? Infinity;
  const entries: DeadLetter[] = [];
  let cursor: string | undefined;
  do {
    throwIfAborted(signal, OPERATION);
    const page = await ledger.listDeadLetters({ limit: 500, ...(cursor ? { cursor } : {}) });
    entries.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && entries.length < limit);
  const selected = entries.slice(0, Math.min(limit, entries.length));
  const progress = () => ({ done: result.retried + result.skipped, total: selected.length });
  for (const entry of selected) {
    throwIfAborted(signal, OPERATION, progress());
    const payload = entry.payload as DeadLetterPayload;
    if (payload?.type === 'rejected' || !payload?.type) {
      result.skipped++;
      options.onProgress?.(progress());
      continue;
    }
    result.retried++;
    try {
      await replay(context, dispatcher, settings, payload);
      await ledger.removeDeadLetter(entry.id);
      result.succeeded++;
    } catch (error) {
      await ledger.updateDeadLetter({ ...entry, attempts: entry.attempts + 1, lastAttemptAt: context.now().toISOString(), error: describeError(error) });
      result.failed++;
    }
    options.onProgress?.(progress());
  }
  return result;
}
