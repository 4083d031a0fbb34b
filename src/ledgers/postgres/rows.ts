/**
 * Mapping between the canonical records and table rows. Queried fields get their own columns;
 * everything else of an interaction or customer stays in a `details` JSONB column, so fields
 * added to the canonical model later round-trip without a migration.
 *
 * Timestamps are `timestamptz` columns, read back through {@link isoColumn} as the
 * millisecond ISO-8601 strings (`2026-01-01T10:00:00.000Z`) the canonical model produces.
 *
 * @internal
 */
import { identityKey, type Customer, type Interaction } from '../../interaction.js';
import type { ConsentRecord, DeadLetter, IdentityRecord, MergeRecord, MergeSuggestionRecord, OutboxRecord, SendRecord } from '../../ledger.js';
import type { SqlRow } from './driver.js';

/** `to_char` pattern that matches `Date.prototype.toISOString()`. */
export function isoColumn(column: string, alias = column): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${alias}`;
}

/** An escaped NUL (`\u0000`) in JSON text, not preceded by another escaping backslash. */
const ESCAPED_NUL = /(?<!\\)((?:\\\\)*)\\u0000/g;

/**
 * JSON for a `$n::jsonb` parameter; `undefined` becomes SQL NULL. JSONB cannot hold NUL, so an
 * escaped NUL becomes U+FFFD (the driver does the same for plain text parameters).
 */
export function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value).replace(ESCAPED_NUL, '$1\\ufffd');
}

// ---- interactions ---------------------------------------------------------------------------

/** Interaction fields that have a column of their own, by column. */
const INTERACTION_FIELDS = {
  id: 'id',
  channel: 'channel',
  native_id: 'nativeId',
  kind: 'kind',
  direction: 'direction',
  visibility: 'visibility',
  state: 'state',
  conversation_id: 'conversationId',
  parent_id: 'parentId',
  customer_id: 'customerId',
  text: 'text',
  created_at: 'createdAt',
  received_at: 'receivedAt',
  edited_at: 'editedAt',
  deleted_at: 'deletedAt',
} as const satisfies Record<string, keyof Interaction>;

type FieldColumn = keyof typeof INTERACTION_FIELDS;

/** Every column of `interactions` the ledger writes, in parameter order. */
export const INTERACTION_COLUMNS = [...(Object.keys(INTERACTION_FIELDS) as FieldColumn[]), 'author_key', 'details'] as const;

const INTERACTION_TIMESTAMPS = new Set<string>(['created_at', 'received_at', 'edited_at', 'deleted_at']);

/** The SQL cast a parameter for `column` needs. */
export function castOf(column: string): string {
  if (column === 'details') return '::jsonb';
  return INTERACTION_TIMESTAMPS.has(column) ? '::timestamptz' : '';
}

/** The SELECT list for interactions (timestamps as ISO text). */
export const INTERACTION_SELECT = INTERACTION_COLUMNS.map((column) => (INTERACTION_TIMESTAMPS.has(column) ? isoColumn(column) : column)).join(', ');

/** Placeholders with casts, in {@link INTERACTION_COLUMNS} order, numbered from `offset + 1`. */
export function interactionPlaceholders(offset = 0): string {
  return INTERACTION_COLUMNS.map((column, index) => `$${offset + index + 1}${castOf(column)}`).join(', ');
}

export const INTERACTION_PLACEHOLDERS = interactionPlaceholders();

/** Parameters in {@link INTERACTION_COLUMNS} order; fields without a column go to `details`. */
export function interactionParams(interaction: Interaction): unknown[] {
  const details: Record<string, unknown> = { ...interaction };
  for (const field of Object.values(INTERACTION_FIELDS)) delete details[field];
  return INTERACTION_COLUMNS.map((column) => {
    if (column === 'author_key') return identityKey(interaction.author);
    if (column === 'details') return json(details);
    return interaction[INTERACTION_FIELDS[column]] ?? null;
  });
}

export function rowToInteraction(row: SqlRow): Interaction {
  const interaction: Record<string, unknown> = { ...((row.details ?? {}) as object) };
  for (const [column, field] of Object.entries(INTERACTION_FIELDS)) {
    const value = row[column];
    if (value !== null && value !== undefined) interaction[field] = value;
  }
  return interaction as unknown as Interaction;
}

// ---- customers ------------------------------------------------------------------------------

export const CUSTOMER_SELECT = [
  'id',
  'display_name',
  'crm_contact_id',
  'identity_keys',
  'attributes',
  'merged_into',
  isoColumn('created_at'),
  isoColumn('updated_at'),
  'details',
].join(', ');

export function customerParams(customer: Customer): unknown[] {
  const { id, displayName, crmContactId, identityKeys, attributes, mergedInto, createdAt, updatedAt, ...details } = customer;
  return [id, displayName ?? null, crmContactId ?? null, identityKeys, json(attributes ?? {}), mergedInto ?? null, createdAt, updatedAt, json(details)];
}

export function rowToCustomer(row: SqlRow): Customer {
  const customer = {
    ...((row.details ?? {}) as object),
    id: String(row.id),
    identityKeys: (row.identity_keys ?? []) as string[],
    attributes: (row.attributes ?? {}) as Record<string, unknown>,
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  } as Customer;
  if (row.display_name !== null && row.display_name !== undefined) customer.displayName = String(row.display_name);
  if (row.crm_contact_id !== null && row.crm_contact_id !== undefined) customer.crmContactId = String(row.crm_contact_id);
  if (row.merged_into !== null && row.merged_into !== undefined) customer.mergedInto = String(row.merged_into);
  return customer;
}

// ---- identities, merges, dead letters, consent ----------------------------------------------

export const IDENTITY_SELECT = ['key', 'customer_id', 'identity', 'blocking_keys', 'attested', isoColumn('first_seen_at'), isoColumn('last_seen_at')].join(', ');

export function rowToIdentity(row: SqlRow): IdentityRecord {
  return {
    key: String(row.key),
    identity: row.identity as IdentityRecord['identity'],
    customerId: String(row.customer_id),
    blockingKeys: (row.blocking_keys ?? []) as string[],
    attested: Boolean(row.attested),
    firstSeenAt: String(row.first_seen_at),
    lastSeenAt: String(row.last_seen_at),
  };
}

export const MERGE_SELECT = ['id', 'survivor_id', 'absorbed_ids', 'decided_by', 'score', 'evidence', 'snapshot', isoColumn('created_at'), isoColumn('undone_at')].join(', ');

export const SUGGESTION_SELECT = ['id', 'customer_id', 'candidate_customer_id', 'score', 'reason', 'evidence', isoColumn('created_at')].join(', ');

export function rowToSuggestion(row: SqlRow): MergeSuggestionRecord {
  return {
    id: String(row.id),
    customerId: String(row.customer_id),
    candidateCustomerId: String(row.candidate_customer_id),
    score: Number(row.score),
    reason: String(row.reason),
    evidence: row.evidence,
    createdAt: String(row.created_at),
  };
}

export function rowToMerge(row: SqlRow): MergeRecord {
  const merge: MergeRecord = {
    id: String(row.id),
    survivorId: String(row.survivor_id),
    absorbedIds: (row.absorbed_ids ?? []) as string[],
    decidedBy: row.decided_by as MergeRecord['decidedBy'],
    evidence: row.evidence,
    snapshot: row.snapshot as MergeRecord['snapshot'],
    createdAt: String(row.created_at),
  };
  if (row.score !== null && row.score !== undefined) merge.score = Number(row.score);
  if (row.undone_at !== null && row.undone_at !== undefined) merge.undoneAt = String(row.undone_at);
  return merge;
}

export const DEAD_LETTER_SELECT = ['id', 'stage', 'adapter_id', 'payload', 'error', 'attempts', isoColumn('created_at'), isoColumn('last_attempt_at')].join(', ');

export function rowToDeadLetter(row: SqlRow): DeadLetter {
  const entry: DeadLetter = {
    id: String(row.id),
    stage: row.stage as DeadLetter['stage'],
    payload: row.payload,
    error: row.error as DeadLetter['error'],
    attempts: Number(row.attempts),
    createdAt: String(row.created_at),
    lastAttemptAt: String(row.last_attempt_at),
  };
  if (row.adapter_id !== null && row.adapter_id !== undefined) entry.adapterId = String(row.adapter_id);
  return entry;
}

export const CONSENT_SELECT = ['identity_key', 'status', 'purpose', 'source', isoColumn('updated_at'), 'channel_metadata'].join(', ');

export function rowToConsent(row: SqlRow): ConsentRecord {
  return {
    identityKey: String(row.identity_key),
    status: row.status as ConsentRecord['status'],
    purpose: row.purpose as NonNullable<ConsentRecord['purpose']>,
    source: String(row.source),
    updatedAt: String(row.updated_at),
    ...(row.channel_metadata !== null && row.channel_metadata !== undefined ? { channelMetadata: row.channel_metadata as NonNullable<ConsentRecord['channelMetadata']> } : {}),
  };
}

// ---- outbox and sends -----------------------------------------------------------------------

/** The SELECT list for outbox rows; `sequence` (the append order) comes along for sorting and cursors. */
export const OUTBOX_SELECT = [
  'sequence',
  'id',
  'name',
  'payload',
  'ordering_key',
  isoColumn('created_at'),
  isoColumn('available_at'),
  'attempts',
  'completed_handlers',
  'last_error',
].join(', ');

export function rowToOutbox(row: SqlRow): OutboxRecord {
  const record: OutboxRecord = {
    id: String(row.id),
    name: String(row.name),
    payload: row.payload,
    orderingKey: String(row.ordering_key),
    createdAt: String(row.created_at),
    availableAt: String(row.available_at),
    attempts: Number(row.attempts),
    completedHandlers: (row.completed_handlers ?? []) as string[],
  };
  if (row.last_error !== null && row.last_error !== undefined) record.lastError = row.last_error as NonNullable<OutboxRecord['lastError']>;
  return record;
}

export const SEND_SELECT = [
  'key',
  'channel',
  'in_reply_to',
  'state',
  'reply',
  'attempts',
  'interaction_id',
  'error',
  isoColumn('created_at'),
  isoColumn('updated_at'),
  'details',
].join(', ');

/** Parameters in {@link SEND_SELECT} order; fields added to `SendRecord` later go to `details`. */
export function sendParams(record: SendRecord): unknown[] {
  const { key, channel, inReplyTo, state, reply, attempts, interactionId, error, createdAt, updatedAt, ...details } = record;
  return [key, channel, inReplyTo, state, json(reply), attempts, interactionId ?? null, json(error), createdAt, updatedAt, json(details)];
}

export function rowToSend(row: SqlRow): SendRecord {
  const record = {
    ...((row.details ?? {}) as object),
    key: String(row.key),
    channel: String(row.channel),
    inReplyTo: String(row.in_reply_to),
    state: row.state as SendRecord['state'],
    reply: row.reply,
    attempts: Number(row.attempts),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  } as SendRecord;
  if (row.interaction_id !== null && row.interaction_id !== undefined) record.interactionId = String(row.interaction_id);
  if (row.error !== null && row.error !== undefined) record.error = row.error as NonNullable<SendRecord['error']>;
  return record;
}
