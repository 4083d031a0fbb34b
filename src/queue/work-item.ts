import { createHash } from 'node:crypto';
import type { ChannelEvent, RejectedItem } from '../adapter.js';
import type { IngestResult, SocialCrm } from '../crm.js';
import type { InteractionSource } from '../events.js';
import { identityKey, interactionId } from '../interaction.js';
import type { WorkMessageInput } from './work-queue.js';

/**
 * What the intake enqueues. The shapes match the pipeline's dead-letter payloads, so an item a
 * worker gives up on can be stored as a dead letter and replayed by `crm.retryDeadLetters()`.
 */
export type WorkItem =
  /** One verified event. */
  | { type: 'event'; adapterId: string; source: InteractionSource; event: ChannelEvent }
  /** A whole verified request, replayed through `crm.handleWebhook` (used when events cannot be queued one by one). */
  | { type: 'webhook'; adapterId: string; url: string; method: string; headers: Record<string, string>; body: string };

/**
 * The pipeline entry a worker needs to run an event exactly as a webhook would. Proposed for
 * `SocialCrm`; until it exists the intake and the worker fall back to `ingest` and `handleWebhook`.
 */
export type ProcessEvents = (
  events: ChannelEvent[],
  options: { adapterId?: string; source?: InteractionSource; rejected?: RejectedItem[] },
) => Promise<IngestResult>;

/** `crm.processEvents`, when this version of the core has it. */
export function processEventsOf(crm: SocialCrm): ProcessEvents | undefined {
  const candidate = (crm as unknown as { processEvents?: unknown }).processEvents;
  return typeof candidate === 'function' ? (candidate.bind(crm) as ProcessEvents) : undefined;
}

/** `<channel>:<conversation>`, derived the way the pipeline derives `conversationId`. */
function conversationKey(channel: string, conversation: string): string {
  return conversation.startsWith(`${channel}:`) ? conversation : interactionId(channel, conversation);
}

/**
 * The ordering key of an event: its conversation, so that replies follow their parent and
 * edits follow their original. Events that do not name a conversation use the stored
 * interaction's, looked up with `conversationOf`, or else the item itself.
 */
export async function orderingKey(event: ChannelEvent, conversationOf: (id: string) => Promise<string | undefined>): Promise<string> {
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
