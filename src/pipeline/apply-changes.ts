/**
 * Stages that change stored records: edits, deletions, delivery receipts and consent. Each runs
 * inside a unit of work, on the unit's ledger, and records what it changed.
 *
 * @internal
 * @module
 */
import type { ChannelEvent } from '../adapter.js';
import type { InteractionSource } from '../events.js';
import { interactionId, type Classification, type DeliveryStatus, type Interaction, type JSONValue } from '../interaction.js';
import type { ConsentRecord, InteractionLedger, InteractionPatch } from '../ledger.js';
import type { ChangeLog } from './change-log.js';
import type { PipelineContext } from './context.js';

/** What one event did. */
export type Outcome = { kind: 'stored' | 'updated' | 'duplicate'; interaction?: Interaction };

const DELIVERY_ORDER: Record<DeliveryStatus, number> = { pending: 0, sent: 1, delivered: 2, read: 3, failed: 4 };

/** A JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, JSONValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An edit that changes something, or `null` when it is a redelivery, stale, or of a deleted item. */
export function editOf(existing: Interaction, incoming: Interaction, now: () => Date): Interaction | null {
  // A redelivered edit (same text, same edit time) changes nothing.
  const changed = incoming.text !== existing.text || (incoming.state === 'edited' && incoming.editedAt !== existing.editedAt);
  // Versions can arrive out of order: never let an older edit, or the original redelivered after
  // an edit, overwrite a newer version.
  const stale = existing.editedAt !== undefined && (incoming.editedAt === undefined ? incoming.state !== 'edited' : incoming.editedAt < existing.editedAt);
  if (!changed || stale || existing.state === 'deleted') return null;
  const channelMetadata = { ...existing.channelMetadata };
  for (const [namespace, fields] of Object.entries(incoming.channelMetadata)) channelMetadata[namespace] = { ...channelMetadata[namespace], ...fields };
  return {
    ...existing,
    text: incoming.text,
    state: 'edited',
    editedAt: incoming.editedAt ?? now().toISOString(),
    attachments: incoming.attachments.length ? incoming.attachments : existing.attachments,
    channelMetadata,
    ...(incoming.metrics ? { metrics: incoming.metrics } : {}),
    // A changed reaction (👍 → 🔥, like → sad) is an edit of the same record.
    ...(incoming.reaction !== undefined ? { reaction: incoming.reaction } : {}),
    ...(incoming.raw !== undefined ? { raw: incoming.raw } : {}),
  };
}

/** Writes an edit (planned by {@link editOf}, classified outside the unit). */
export async function writeEdit(ledger: InteractionLedger, changes: ChangeLog, edited: Interaction, classification: Classification | undefined): Promise<Outcome> {
  const patch: InteractionPatch = {
    text: edited.text,
    state: 'edited',
    editedAt: edited.editedAt,
    attachments: edited.attachments,
    channelMetadata: edited.channelMetadata,
    ...(edited.metrics ? { metrics: edited.metrics } : {}),
    ...(edited.reaction !== undefined ? { reaction: edited.reaction } : {}),
    ...(classification ? { classification } : {}),
    ...(edited.raw !== undefined ? { raw: edited.raw } : {}),
  };
  const updated = await ledger.updateInteraction(edited.id, patch);
  if (!updated) return { kind: 'duplicate' };
  changes.record('interaction-updated', { interaction: updated, change: 'edited' });
  if (classification) changes.record('interaction-classified', { interaction: updated, classification });
  return { kind: 'updated', interaction: updated };
}

/** Marks an interaction deleted, or keeps a tombstone for one deleted before it was seen. */
export async function tombstone(context: PipelineContext, ledger: InteractionLedger, changes: ChangeLog, channel: string, nativeId: string, deletedAt: string): Promise<Outcome> {
  const id = interactionId(channel, nativeId);
  const existing = await ledger.getInteraction(id);
  if (existing?.state === 'deleted') return { kind: 'duplicate', interaction: existing };
  if (!existing) {
    // Deleted before we saw it: keep a tombstone so that a late delivery is not stored.
    await ledger.appendInteraction({
      id,
      channel,
      nativeId,
      kind: 'post',
      direction: 'inbound',
      visibility: 'public',
      author: { channel, nativeId: 'unknown' },
      conversationId: id,
      text: '',
      createdAt: deletedAt,
      receivedAt: context.now().toISOString(),
      attachments: [],
      state: 'deleted',
      deletedAt,
      channelMetadata: {},
    });
    return { kind: 'updated' };
  }
  const updated = await ledger.updateInteraction(id, { state: 'deleted', deletedAt, text: '', attachments: [], raw: undefined });
  if (!updated) return { kind: 'duplicate' };
  changes.record('interaction-updated', { interaction: updated, change: 'deleted' });
  return { kind: 'updated', interaction: updated };
}

type DeliveryEvent = { channel: string; status: DeliveryStatus; at: string; error?: { code?: string | number; message: string }; channelMetadata?: Record<string, JSONValue> };

/** Moves a stored outbound message's delivery status forward (never back) and keeps the network's facts about it. */
export async function applyDeliveryStatus(context: PipelineContext, ledger: InteractionLedger, changes: ChangeLog, id: string, event: DeliveryEvent): Promise<Outcome> {
  const existing = await ledger.getInteraction(id);
  if (!existing) {
    context.warn(event.channel, { type: 'ignored', message: `Delivery status for an unknown message \`${id}\` was ignored.`, details: { status: event.status } });
    return { kind: 'duplicate' };
  }
  const current = existing.deliveryStatus ?? 'pending';
  const advances = current !== 'failed' && DELIVERY_ORDER[event.status] > DELIVERY_ORDER[current];
  const known = existing.channelMetadata[event.channel] ?? {};
  // Objects are merged one level deep: a later status that repeats fewer fields keeps the earlier ones.
  const facts = Object.entries(event.channelMetadata ?? {})
    .map(([key, value]): [string, JSONValue] => {
      const before = known[key];
      return [key, isJsonObject(before) && isJsonObject(value) ? { ...before, ...value } : value];
    })
    .filter(([key, value]) => JSON.stringify(known[key]) !== JSON.stringify(value));
  if (!advances && facts.length === 0) return { kind: 'duplicate', interaction: existing };
  const merged = { ...known, ...Object.fromEntries(facts), ...(advances && event.error ? { deliveryError: event.error } : {}) };
  const metadata = (Object.keys(merged).length > 0 ? { ...existing.channelMetadata, [event.channel]: merged } : existing.channelMetadata) as Interaction['channelMetadata'];
  const updated = await ledger.updateInteraction(id, { ...(advances ? { deliveryStatus: event.status } : {}), channelMetadata: metadata });
  if (!updated) return { kind: 'duplicate' };
  changes.record('interaction-updated', { interaction: updated, change: 'delivery-status' });
  return { kind: 'updated', interaction: updated };
}

/** A receipt that names only a watermark moves every outbound message of the conversation up to it. */
export async function applyWatermark(
  context: PipelineContext,
  ledger: InteractionLedger,
  changes: ChangeLog,
  event: Extract<ChannelEvent, { type: 'delivery-watermark' }>,
): Promise<Outcome> {
  // The conversation's outbound messages up to the watermark, newest first; a page is plenty:
  // older ones were moved on by earlier receipts.
  const conversationId = event.conversationId.startsWith(`${event.channel}:`) ? event.conversationId : interactionId(event.channel, event.conversationId);
  const page = await ledger.queryInteractions({ conversationId, channel: event.channel, direction: 'outbound', until: new Date(Date.parse(event.upTo) + 1).toISOString(), order: 'desc', limit: 100 });
  let last: Outcome = { kind: 'duplicate' };
  for (const message of page.items) {
    const outcome = await applyDeliveryStatus(context, ledger, changes, message.id, { channel: event.channel, status: event.status, at: event.at });
    if (outcome.kind === 'updated') last = outcome;
  }
  return last;
}

/** Stores a consent choice unless it is a marketing-only one over an opt-out of everything. */
export async function recordConsent(context: PipelineContext, ledger: InteractionLedger, changes: ChangeLog, consent: ConsentRecord): Promise<Outcome> {
  if (consent.purpose === 'marketing') {
    const current = await ledger.getConsent(consent.identityKey);
    if (current?.status === 'opted-out' && (current.purpose ?? 'all') === 'all') {
      context.logger.info('[social-crm] A marketing consent choice does not replace an opt-out of all messages.', { identityKey: consent.identityKey, source: consent.source });
      return { kind: 'updated' };
    }
  }
  await ledger.setConsent(consent);
  changes.record('consent-changed', { consent });
  return { kind: 'updated' };
}

/** Records a skipped redelivery (announced in process only). */
export function skipped(changes: ChangeLog, interaction: Interaction, source: InteractionSource): Outcome {
  changes.record('interaction-skipped', { id: interaction.id, reason: interaction.state === 'deleted' ? 'deleted' : 'duplicate', source });
  return { kind: 'duplicate', interaction };
}
