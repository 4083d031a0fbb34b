/**
 * Dead letters: what a stage could not process, kept with its error for replay.
 *
 * @internal
 * @module
 */
import type { ChannelEvent } from '../adapter.js';
import { isSocialCrmError } from '../errors.js';
import type { InteractionSource } from '../events.js';
import type { DeadLetter, DeadLetterStage, InteractionLedger, OutboxRecord } from '../ledger.js';
import type { ChangeLog } from './change-log.js';

/** What a dead letter holds, by kind. */
export type DeadLetterPayload =
  | { type: 'event'; adapterId?: string; source: InteractionSource; event: ChannelEvent }
  | { type: 'webhook'; adapterId: string; url: string; method: string; headers: Record<string, string>; body: string }
  | { type: 'rejected'; adapterId?: string; item: unknown }
  /** A durable handler that kept failing on an outbox record. */
  | { type: 'handler'; handler: string; record: OutboxRecord };

export function describeError(error: unknown): DeadLetter['error'] {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, ...(isSocialCrmError(error) ? { code: error.code } : {}) };
  }
  return { name: 'Error', message: String(error) };
}

/** The stage an error belongs to, from its code. */
export function stageOf(error: unknown): DeadLetterStage {
  if (isSocialCrmError(error, 'INVALID_INTERACTION')) return 'validate';
  if (isSocialCrmError(error, 'LEDGER_ERROR')) return 'ledger';
  if (isSocialCrmError(error, 'CLASSIFIER_ERROR')) return 'classify';
  if (isSocialCrmError(error, 'IDENTITY_CONFLICT')) return 'identity';
  return 'ingest';
}

/**
 * Stores a dead letter through `ledger` (the unit's) and records `dead-lettered`. A failure to
 * store it is thrown: the caller must see it, or the input is lost.
 */
export async function addDeadLetter(
  ledger: InteractionLedger,
  changes: ChangeLog,
  stage: DeadLetterStage,
  payload: DeadLetterPayload,
  error: unknown,
  at: string,
): Promise<DeadLetter> {
  const adapterId = 'adapterId' in payload ? payload.adapterId : undefined;
  const stored = await ledger.addDeadLetter({
    stage,
    ...(adapterId ? { adapterId } : {}),
    payload,
    error: describeError(error),
    attempts: 1,
    createdAt: at,
    lastAttemptAt: at,
  });
  changes.record('dead-lettered', { deadLetter: stored });
  return stored;
}
