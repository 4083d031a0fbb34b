/**
 * The changes one unit of work made, kept until it commits: written to the outbox inside the
 * unit's transaction, emitted on the in-process bus after it.
 *
 * @internal
 * @module
 */
import type { EventBus, SocialCrmEventName, SocialCrmEvents } from '../events.js';
import type { OutboxRecord } from '../ledger.js';

/** Events that announce a stored change: the ones durable handlers can subscribe to. */
export const DURABLE_EVENT_NAMES = [
  'interaction-received',
  'interaction-updated',
  'interaction-classified',
  'customer-created',
  'customer-merged',
  'customer-unmerged',
  'customer-match-suggested',
  'customer-erased',
  'reply-sent',
  'reply-failed',
  'post-published',
  'post-failed',
  'dead-lettered',
  'consent-changed',
] as const satisfies ReadonlyArray<SocialCrmEventName>;

/** The name of an event a durable handler can subscribe to. */
export type DurableEventName = (typeof DURABLE_EVENT_NAMES)[number];

const DURABLE = new Set<string>(DURABLE_EVENT_NAMES);

export function isDurableEventName(name: string): name is DurableEventName {
  return DURABLE.has(name);
}

/** Which records must be delivered one after the other: one customer's, else one thread's. */
export function orderingKeyOf<Name extends DurableEventName>(name: Name, payload: SocialCrmEvents[Name]): string {
  const event = payload as Partial<SocialCrmEvents[DurableEventName]> & Record<string, unknown>;
  switch (name) {
    case 'interaction-received':
    case 'interaction-updated':
    case 'interaction-classified':
    case 'reply-sent': {
      const { interaction } = event as SocialCrmEvents['interaction-received'];
      return interaction.customerId ? `customer:${interaction.customerId}` : `conversation:${interaction.conversationId}`;
    }
    case 'post-published':
      return `conversation:${(event as SocialCrmEvents['post-published']).interaction.conversationId}`;
    case 'post-failed': {
      const failed = event as SocialCrmEvents['post-failed'];
      return `publication:${failed.channel}:${failed.idempotencyKey}`;
    }
    case 'reply-failed': {
      const { inReplyTo } = event as SocialCrmEvents['reply-failed'];
      return inReplyTo.customerId ? `customer:${inReplyTo.customerId}` : `conversation:${inReplyTo.conversationId}`;
    }
    case 'customer-created':
      return `customer:${(event as SocialCrmEvents['customer-created']).customer.id}`;
    case 'customer-merged':
    case 'customer-unmerged':
      return `customer:${(event as SocialCrmEvents['customer-merged']).merge.survivorId}`;
    case 'customer-erased':
      return `customer:${(event as SocialCrmEvents['customer-erased']).customerId}`;
    case 'customer-match-suggested':
      return `customer:${(event as SocialCrmEvents['customer-match-suggested']).customerId}`;
    case 'consent-changed':
      return `identity:${(event as SocialCrmEvents['consent-changed']).consent.identityKey}`;
    default:
      return `dead-letter:${(event as SocialCrmEvents['dead-lettered']).deadLetter.id}`;
  }
}

/**
 * A payload as stored: errors become plain objects, an erase keeps no trace of the person (its
 * `subject` is for in-process listeners only), everything else is JSON already.
 */
function toStoredPayload(name: string, payload: unknown): unknown {
  if (name === 'customer-erased') {
    const { subject: _subject, ...rest } = payload as SocialCrmEvents['customer-erased'];
    return rest;
  }
  if (name !== 'reply-failed' && name !== 'post-failed') return payload;
  const { error, ...rest } = payload as SocialCrmEvents['reply-failed' | 'post-failed'];
  const retryable = (error as { isRetryable?: unknown }).isRetryable;
  return { ...rest, error: { name: error.name, code: error.code, message: error.message, ...(typeof retryable === 'boolean' ? { isRetryable: retryable } : {}) } };
}

type Entry = { [Name in keyof SocialCrmEvents]: { name: Name; payload: SocialCrmEvents[Name] } }[keyof SocialCrmEvents];

/** Collects the events of one unit of work. */
export class ChangeLog {
  readonly entries: Entry[] = [];

  record<Name extends keyof SocialCrmEvents>(name: Name, payload: SocialCrmEvents[Name]): void {
    this.entries.push({ name, payload } as Entry);
  }

  /** Appends another log's entries (a unit that committed inside this one). */
  absorb(other: ChangeLog): void {
    this.entries.push(...other.entries);
  }

  /** Outbox records for the entries some durable handler subscribes to. */
  toOutbox(subscribed: (name: DurableEventName) => boolean, generateId: (prefix: string) => string, now: string): OutboxRecord[] {
    const records: OutboxRecord[] = [];
    for (const { name, payload } of this.entries) {
      if (!isDurableEventName(name) || !subscribed(name)) continue;
      records.push({
        id: generateId('evt'),
        name,
        payload: toStoredPayload(name, payload),
        orderingKey: orderingKeyOf(name, payload as SocialCrmEvents[typeof name]),
        createdAt: now,
      });
    }
    return records;
  }

  /** Emits every entry on the in-process bus, in order. */
  emit(bus: EventBus<SocialCrmEvents>): void {
    for (const { name, payload } of this.entries) bus.emit(name, payload as never);
  }
}
