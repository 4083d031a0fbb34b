/**
 * The crm as the demo's insights see it, so that a second run on the same `--db` folder reports the
 * same week as the first.
 *
 * On a second run every webhook is a duplicate, every agent answer returns the first run's (same
 * idempotency key, nothing sent), and a poll hands over nothing older than its saved cursor: the
 * crm rightly announces nothing, and insights fed only by its events would report an empty week.
 * This view announces the stored copies instead, once per run each: a duplicate delivery as
 * `interaction-received`, an answer the ledger already had as `reply-sent`, and, after a poll, what
 * the ledger holds for that network up to the replay clock. On a first run the crm's own events
 * come first and the view adds nothing.
 */
import { EventEmitter } from 'eventemitter3';
import type { Interaction, ReplyContent, SocialCrm, SocialCrmEventListener, SocialCrmEventName, SocialCrmEvents } from 'social-crm';
import type { InsightsCrm } from 'social-crm/insights';

export interface ReplayView extends InsightsCrm {
  /** `crm.reply()`, announcing the answer as `reply-sent` when the ledger already had it. */
  reply(interactionId: string, content: string | ReplyContent): Promise<Interaction>;
  /**
   * Announces, as `reply-sent`, the brand's stored answers to `inReplyTo` that this run has not
   * announced (answers sent by other modules, e.g. an opt-out confirmation, found sent on a rerun).
   */
  announceReplies(inReplyTo: Interaction): Promise<void>;
  /** Announces what `channel` stored with `createdAt` up to `until` that this run has not announced. */
  catchUp(channel: string, until: Date): Promise<void>;
  /** Resolves when the stored copies of this step's duplicates are announced. */
  settle(): Promise<void>;
  close(): void;
}

export function replayView(crm: SocialCrm): ReplayView {
  const local = new EventEmitter();
  const announced = new Set<string>();
  const pending = new Set<Promise<void>>();
  const caughtUp = new Map<string, string>();
  const emit = <Name extends SocialCrmEventName>(name: Name, payload: SocialCrmEvents[Name]) => local.emit(name, payload);
  const announce = (interaction: Interaction) => {
    if (announced.has(interaction.id)) return;
    announced.add(interaction.id);
    emit('interaction-received', { interaction, source: 'replay' });
  };
  const unsubscribe = [
    crm.on('interaction-received', ({ interaction }) => announced.add(interaction.id)),
    crm.on('reply-sent', ({ interaction }) => announced.add(interaction.id)),
    crm.on('interaction-skipped', ({ id, reason }) => {
      if (reason !== 'duplicate' || announced.has(id)) return;
      const read: Promise<void> = crm.ledger
        .getInteraction(id)
        .then((stored) => {
          if (stored) announce(stored);
        })
        .finally(() => pending.delete(read));
      pending.add(read);
    }),
  ];

  return {
    ledger: crm.ledger,
    on<Name extends SocialCrmEventName>(name: Name, listener: SocialCrmEventListener<Name>) {
      const fromCrm = crm.on(name, listener);
      local.on(name, listener);
      return () => {
        fromCrm();
        local.off(name, listener);
      };
    },
    async reply(interactionId, content) {
      const sent = await crm.reply(interactionId, content);
      if (!announced.has(sent.id)) {
        announced.add(sent.id);
        const inReplyTo = await crm.ledger.getInteraction(interactionId);
        if (inReplyTo) emit('reply-sent', { interaction: sent, inReplyTo });
      }
      return sent;
    },
    async announceReplies(inReplyTo) {
      const page = await crm.ledger.queryInteractions({ conversationId: inReplyTo.conversationId, direction: 'outbound', since: inReplyTo.createdAt, limit: 100 });
      for (const interaction of page.items) {
        if (interaction.parentId !== inReplyTo.nativeId || announced.has(interaction.id)) continue;
        announced.add(interaction.id);
        emit('reply-sent', { interaction, inReplyTo });
      }
    },
    async catchUp(channel, until) {
      const since = caughtUp.get(channel);
      let cursor: string | undefined;
      do {
        const page = await crm.ledger.queryInteractions({ channel, until: new Date(until.getTime() + 1).toISOString(), limit: 1000, ...(since ? { since } : {}), ...(cursor ? { cursor } : {}) });
        for (const interaction of page.items) announce(interaction);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      caughtUp.set(channel, until.toISOString());
    },
    async settle() {
      while (pending.size) await Promise.all(pending);
    },
    close() {
      for (const stop of unsubscribe.splice(0)) stop();
      local.removeAllListeners();
    },
  };
}
