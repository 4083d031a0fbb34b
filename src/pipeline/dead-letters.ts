/**
 * Dead letters: what a stage could not process, kept with its error for replay.
 *
 * @internal
 * @module
 */
import type { AdapterContext, ChannelEvent } from '../adapter.js';
import { isSocialCrmError, redactSecrets } from '../errors.js';
import { MAX_JSON_DEPTH } from '../webhook.js';
import type { InteractionSource } from '../events.js';
import type { DeadLetter, DeadLetterStage, InteractionLedger, OutboxRecord } from '../ledger.js';
import type { ChangeLog } from './change-log.js';

/** What a dead letter holds, by kind. */
export type DeadLetterPayload =
  | { type: 'event'; adapterId?: string; source: InteractionSource; event: ChannelEvent }
  /**
   * A request that passed the front door but could not be processed. `headers` keeps only those
   * that describe the body; `signatures` names the signature headers it carried, never their values.
   */
  | { type: 'webhook'; adapterId: string; url: string; method: string; headers: Record<string, string>; signatures?: Record<string, 'present'>; body: string }
  | { type: 'rejected'; adapterId?: string; item: unknown }
  /** A durable handler that kept failing on an outbox record. */
  | { type: 'handler'; handler: string; record: OutboxRecord };

/** An error as stored and announced: name, code and a message without credentials. */
export function describeError(error: unknown): DeadLetter['error'] {
  if (error instanceof Error) {
    return { name: error.name, message: redactSecrets(error.message), ...(isSocialCrmError(error) ? { code: error.code } : {}) };
  }
  return { name: 'Error', message: redactSecrets(String(error)) };
}

/** Request headers a dead letter keeps: what describes the body, nothing that authenticates or identifies the sender. */
const KEPT_HEADERS = new Set(['content-type', 'content-encoding', 'content-language', 'user-agent']);
/** Headers that authenticate a delivery (`x-hub-signature-256`, `x-twitter-webhooks-signature`, Telegram's secret token ...): kept as "present" only. */
const SIGNATURE_HEADER = /signature|secret|token|hmac|authorization/i;

/**
 * A request as a webhook dead letter keeps it: the exact body, the URL without credentials in its
 * query, the body-describing headers, and which signature headers were present. Replay does not
 * need the signature: the front door verified the request before it failed
 * (see {@link AdapterContext.verifiedBefore}).
 */
export function storableRequest(adapterId: string, request: Request, body: Uint8Array): Extract<DeadLetterPayload, { type: 'webhook' }> {
  const headers: Record<string, string> = {};
  const signatures: Record<string, 'present'> = {};
  for (const [name, value] of request.headers) {
    if (KEPT_HEADERS.has(name)) headers[name] = value;
    else if (SIGNATURE_HEADER.test(name)) signatures[name] = 'present';
  }
  return {
    type: 'webhook',
    adapterId,
    url: redactSecrets(request.url),
    method: request.method,
    headers,
    ...(Object.keys(signatures).length ? { signatures } : {}),
    body: new TextDecoder().decode(body),
  };
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
  const bounded = withinDepth(payload, STORED_DEPTH);
  const described = describeError(error);
  // A payload cut down to be storable is kept for a person to read, never replayed as if whole.
  const truncated = bounded !== payload;
  const stored = await ledger.addDeadLetter({
    stage,
    ...(adapterId ? { adapterId } : {}),
    payload: truncated ? { type: 'rejected', ...(adapterId ? { adapterId } : {}), item: bounded } : bounded,
    error: truncated ? { ...described, message: `${described.message} (The input nests deeper than ${STORED_DEPTH} levels; the deeper parts were dropped to store it, so it is not replayed.)` } : described,
    attempts: 1,
    createdAt: at,
    lastAttemptAt: at,
  });
  changes.record('dead-lettered', { deadLetter: stored });
  return stored;
}

/** Deepest nesting a dead letter's payload keeps: a webhook body's limit plus the envelope around it. */
const STORED_DEPTH = MAX_JSON_DEPTH + 8;

/** What stands in for a part of a payload nested too deep to store. */
export const TOO_DEEP = '[dropped: nested deeper than the dead-letter store keeps]';

/**
 * `value` as stored: unchanged when it nests at most `limit` levels, else a copy whose deeper parts
 * are replaced by {@link TOO_DEEP}, so that every ledger (and its recursive copies and encoders) can
 * store and list it. Iterative: safe for any depth. Webhook bodies never get here that deep (the
 * front door refuses them); host-supplied events might.
 */
export function withinDepth<T>(value: T, limit: number): T {
  if (!nestsDeeperThan(value, limit)) return value;
  const root: { value: unknown } = { value: undefined };
  const stack: Array<{ source: unknown; target: Record<string, unknown> | unknown[]; key: string | number; depth: number }> = [{ source: value, target: root as unknown as Record<string, unknown>, key: 'value', depth: 0 }];
  while (stack.length) {
    const { source, target, key, depth } = stack.pop()!;
    const assign = (result: unknown) => ((target as Record<string | number, unknown>)[key] = result);
    if (source === null || typeof source !== 'object') assign(source);
    else if (depth >= limit) assign(TOO_DEEP);
    else if (Array.isArray(source)) {
      const copy: unknown[] = new Array(source.length);
      assign(copy);
      source.forEach((item, index) => stack.push({ source: item, target: copy, key: index, depth: depth + 1 }));
    } else {
      const copy: Record<string, unknown> = {};
      assign(copy);
      for (const [name, item] of Object.entries(source)) stack.push({ source: item, target: copy, key: name, depth: depth + 1 });
    }
  }
  return root.value as T;
}

function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= limit) return true;
    for (const item of Array.isArray(current) ? current : Object.values(current)) stack.push([item, depth + 1]);
  }
  return false;
}
