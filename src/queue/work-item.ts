import { createHash } from 'node:crypto';
import type { ChannelEvent } from '../adapter.js';
import type { InteractionSource } from '../events.js';
import { identityKey, interactionId } from '../interaction.js';
import type { WorkMessageInput } from './work-queue.js';

/**
 * What the intake enqueues. The shapes match the pipeline's dead-letter payloads, so an item a
 * worker gives up on can be stored as a dead letter and replayed by `crm.retryDeadLetters()`.
 */
export type WorkItem =
  /** One verified event, run through `crm.processEvents()`. */
  | { type: 'event'; adapterId: string; source: InteractionSource; event: ChannelEvent }
  /** An item of a verified delivery that the adapter could not parse; the worker dead-letters it (in its `tenant`'s ledger). */
  | { type: 'rejected'; adapterId: string; item: unknown; error: { name: string; message: string }; tenant?: string };

/** `<channel>:<conversation>`, derived the way the pipeline derives `conversationId`. */
function conversationKey(channel: string, conversation: string): string {
  return conversation.startsWith(`${channel}:`) ? conversation : interactionId(channel, conversation);
}

/**
 * The ordering key of an event: its conversation, so that replies follow their parent and
 * edits follow their original. Events that do not name a conversation use the stored
 * interaction's, looked up with `conversationOf` (in the event's tenant), or else the item itself.
 * An event of a named tenant gets its tenant in front: two tenants' conversations never share a key.
 */
export async function orderingKey(event: ChannelEvent, conversationOf: (id: string, tenant: string | undefined) => Promise<string | undefined>): Promise<string> {
  const key = await conversationOrderingKey(event, (id) => conversationOf(id, event.tenant));
  return event.tenant === undefined ? key : `tenant:${event.tenant}/${key}`;
}

async function conversationOrderingKey(event: ChannelEvent, conversationOf: (id: string) => Promise<string | undefined>): Promise<string> {
  switch (event.type) {
    case 'interaction': {
      const { channel, nativeId, conversationId } = event.interaction;
      return conversationKey(channel, conversationId ?? nativeId);
    }
    case 'deletion':
    case 'delivery-status': {
      const id = interactionId(event.channel, event.nativeId);
      return (await conversationOf(id)) ?? id;
    }
    case 'delivery-watermark':
      return conversationKey(event.channel, event.conversationId);
    case 'consent':
      return `consent:${identityKey(event.identity)}`;
  }
}

/** A content hash, so that a redelivered webhook yields the same message ids. */
export function contentId(item: WorkItem): string {
  return createHash('sha256').update(JSON.stringify(item)).digest('base64url');
}

/** The queue message for an item. */
export function toMessage(item: WorkItem, key: string): WorkMessageInput {
  return { id: contentId(item), key, payload: item };
}
