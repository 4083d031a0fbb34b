/**
 * Rules of the optional ledger groups (outbox, sends) that every ledger the SDK ships applies the
 * same way: input checks, defaults, cursors over append order, and what erasing a send keeps.
 *
 * @internal
 * @module
 */
import { InvalidOptionsError } from './errors.js';
import type { OutboxRecord, SendRecord } from './ledger.js';
import { decodeCursor, encodeCursor } from './_utils.js';

/** Milliseconds since the epoch of an ISO-8601 date-time; a typed error naming the field otherwise. */
export function timestampOf(value: unknown, name: string): number {
  const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) throw new InvalidOptionsError(`\`${name}\` must be an ISO-8601 date-time; got \`${String(value)}\`.`);
  return at;
}

function requireText(value: unknown, name: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidOptionsError(`\`${name}\` must be a non-empty string; got \`${String(value)}\`.`);
}

/** An outbox record as stored: checked, with `availableAt`, `attempts` and `completedHandlers` filled in. */
export type StoredOutboxRecord = OutboxRecord & Required<Pick<OutboxRecord, 'availableAt' | 'attempts' | 'completedHandlers'>>;

export function storedOutboxRecord(record: OutboxRecord): StoredOutboxRecord {
  requireText(record.id, 'id');
  requireText(record.name, 'name');
  requireText(record.orderingKey, 'orderingKey');
  timestampOf(record.createdAt, 'createdAt');
  if (record.availableAt !== undefined) timestampOf(record.availableAt, 'availableAt');
  return { ...record, availableAt: record.availableAt ?? record.createdAt, attempts: record.attempts ?? 0, completedHandlers: record.completedHandlers ?? [] };
}

/** A checked `claimOutbox` query; `now` in milliseconds. */
export function claimQueryOf(query: { owner: string; limit: number; leaseMs: number; now: string }): { owner: string; limit: number; leaseMs: number; now: number } {
  requireText(query.owner, 'owner');
  if (!Number.isSafeInteger(query.limit) || query.limit < 1) throw new InvalidOptionsError(`\`limit\` must be a positive integer; got \`${String(query.limit)}\`.`);
  if (typeof query.leaseMs !== 'number' || !Number.isFinite(query.leaseMs) || query.leaseMs <= 0) {
    throw new InvalidOptionsError(`\`leaseMs\` must be a positive number of milliseconds; got \`${String(query.leaseMs)}\`.`);
  }
  return { owner: query.owner, limit: query.limit, leaseMs: Math.ceil(query.leaseMs), now: timestampOf(query.now, 'now') };
}

/** Cursor of an outbox page: the append position of its last record. */
export function encodeSequenceCursor(sequence: number, id: string): string {
  return encodeCursor({ at: String(sequence), id });
}

export function decodeSequenceCursor(cursor: string): number {
  const sequence = Number(decodeCursor(cursor)?.at);
  if (!Number.isSafeInteger(sequence)) throw new InvalidOptionsError(`Cursor \`${cursor}\` is not a cursor this ledger issued.`);
  return sequence;
}

const SEND_STATES: ReadonlySet<string> = new Set<SendRecord['state']>(['pending', 'sent', 'unknown', 'failed']);

export function checkSendState(state: unknown): void {
  if (typeof state !== 'string' || !SEND_STATES.has(state)) throw new InvalidOptionsError(`\`state\` must be one of ${[...SEND_STATES].join(', ')}; got \`${String(state)}\`.`);
}

export function checkSendRecord(record: SendRecord): void {
  requireText(record.key, 'key');
  requireText(record.channel, 'channel');
  checkSendState(record.state);
  timestampOf(record.createdAt, 'createdAt');
  timestampOf(record.updatedAt, 'updatedAt');
}

/**
 * A send without its personal data: the reply text goes and the error keeps its name and code.
 * The record itself stays, so that a retried `crm.reply()` with the same key still never posts twice.
 */
export function erasedSend(record: SendRecord): SendRecord {
  const { error, ...rest } = record;
  return { ...rest, reply: null, ...(error ? { error: { name: error.name, ...(error.code === undefined ? {} : { code: error.code }), message: '' } } : {}) };
}
