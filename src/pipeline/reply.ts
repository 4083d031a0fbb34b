/**
 * The reply stage: check what the platform and the customer allow, record the send under its
 * idempotency key, send it once, and store the outbound interaction with its announcement.
 *
 * @internal
 * @module
 */
import type { ChannelAdapter } from '../adapter.js';
import {
  InvalidOptionsError,
  NotFoundError,
  ReplyInDoubtError,
  ReplyNotAllowedError,
  SocialCrmError,
  UnsupportedCapabilityError,
  formatIssues,
  isChannelApiError,
  isSocialCrmError,
  toValidationIssues,
} from '../errors.js';
import { identityKey, outboundReplySchema, parseInteraction, type Attachment, type Interaction, type OutboundReply } from '../interaction.js';
import { hasSendStore, type InteractionLedger, type SendRecord, type SendStore } from '../ledger.js';
import { ChangeLog } from './change-log.js';
import { commitUnit, type PipelineContext } from './context.js';
import { describeError } from './dead-letters.js';
import { toChannelApiError } from '../http.js';
import { settlePublication } from './publish.js';
import { abortedOr, throwIfAborted, withSignal, type AbortOptions } from '../_abort.js';
import { checkOptionKeys } from '../_options.js';

const OPERATION = 'crm.reply()';

/** What {@link SocialCrm.reply} sends. A string is plain text. */
export interface ReplyContent {
  text: string;
  attachments?: Attachment[];
  /** `public` answers in the thread, `private` by direct message. @default the visibility of the interaction answered */
  visibility?: 'public' | 'private';
  /** Per-adapter options, e.g. `{ whatsapp: { template: { name: 'order_update', language: 'tr' } } }`. */
  channelOptions?: Record<string, Record<string, unknown>>;
  /**
   * Makes the call safe to repeat: with a ledger that records sends, a second call with the same
   * key returns the first one's interaction and never posts again. @default a new key per call
   */
  idempotencyKey?: string;
}

/**
 * Whether a failed send may have reached the network. A refusal the network answered (4xx, a
 * rate limit) did not; a timeout, a reset or a 5xx may have.
 */
export function mayHaveReachedNetwork(error: unknown): boolean {
  if (isSocialCrmError(error, 'RATE_LIMITED')) return false;
  if (isChannelApiError(error)) return error.status === undefined || error.status >= 500;
  // Our own checks (options, platform rules) throw before any request is made.
  return !isSocialCrmError(error);
}

/** Checks what the platform and the customer allow and builds the outbound reply. */
async function buildReply(context: PipelineContext, adapter: ChannelAdapter, target: Interaction, request: ReplyContent, key: string): Promise<OutboundReply> {
  const { ledger } = context;
  const visibility = request.visibility ?? target.visibility;
  if (target.state === 'deleted') {
    throw new ReplyNotAllowedError('deleted', `[${adapter.id}] \`${target.id}\` was deleted by its author; it cannot be answered.`);
  }
  if (!adapter.doSendReply || (visibility === 'public' && !adapter.capabilities.reply) || (visibility === 'private' && !adapter.capabilities.directMessage)) {
    throw new UnsupportedCapabilityError(adapter.id, visibility === 'private' ? 'directMessage' : 'reply', 'Choose the other `visibility` or another channel.');
  }
  const recipient = target.author;
  if (visibility === 'private') {
    const consent = await ledger.getConsent(identityKey(recipient));
    if (consent?.status === 'opted-out' && (consent.purpose ?? 'all') === 'all') {
      throw new ReplyNotAllowedError('opted-out', `[${adapter.id}] ${identityKey(recipient)} opted out of messages (${consent.source}, ${consent.updatedAt}).`);
    }
  }
  const lastInbound = await ledger.queryInteractions({ authorKey: identityKey(recipient), channel: target.channel, order: 'desc', limit: 1 });
  // Answers to a public item in private land in its conversation with the item as parent.
  const privateRepliesSent =
    visibility === 'private' && target.visibility === 'public'
      ? (await ledger.queryInteractions({ conversationId: target.conversationId, direction: 'outbound', limit: 1000 })).items.filter((item) => item.parentId === target.nativeId && item.visibility === 'private').length
      : undefined;
  const parsed = outboundReplySchema.safeParse({
    channel: adapter.id,
    inReplyTo: target,
    recipient,
    text: request.text,
    attachments: request.attachments ?? [],
    visibility,
    ...(lastInbound.items[0] ? { lastInboundAt: lastInbound.items[0].createdAt } : {}),
    ...(privateRepliesSent !== undefined ? { privateRepliesSent } : {}),
    channelOptions: request.channelOptions ?? {},
    idempotencyKey: key,
  });
  if (!parsed.success) {
    const issues = toValidationIssues(parsed.error.issues);
    throw new InvalidOptionsError(`reply() content is invalid:\n${formatIssues(issues)}`, issues);
  }
  let reply = parsed.data;
  for (const hook of context.hooks.beforeSend) {
    const replaced = await hook({ reply });
    if (replaced) reply = replaced;
  }
  return reply;
}

/** The first call's result for a key already recorded, or the error that says why it is not sent again. */
export async function settledEarlier(ledger: InteractionLedger, record: SendRecord): Promise<Interaction | null> {
  if (record.state === 'sent' && record.interactionId) {
    const stored = await ledger.getInteraction(record.interactionId);
    if (stored) return stored;
  }
  if (record.state === 'pending' || record.state === 'unknown') {
    const what = record.kind === 'publication' ? 'post' : 'reply';
    const where = record.kind === 'publication' ? "the brand's account" : 'the thread';
    throw new ReplyInDoubtError(
      record.key,
      record.state,
      record.state === 'pending'
        ? `[${record.channel}] A ${what} with idempotency key \`${record.key}\` is being sent (or its sender stopped mid-way); it is not sent again.`
        : `[${record.channel}] The ${what} with idempotency key \`${record.key}\` may have reached the network (${record.error?.message ?? 'no answer'}); it is not sent again. Check ${where} and settle it with crm.settleReply().`,
    );
  }
  return null;
}

/**
 * Records the attempt. Returns the earlier call's interaction when the key was already sent, else
 * the record this attempt goes on with.
 */
export async function recordAttempt(ledger: InteractionLedger & SendStore, record: SendRecord): Promise<{ earlier: Interaction } | { record: SendRecord }> {
  const { created, record: stored } = await ledger.createSend(record);
  if (created) return { record };
  const earlier = await settledEarlier(ledger, stored);
  if (earlier) return { earlier };
  // It failed before (the network refused it): this call may try again.
  const retry: SendRecord = { ...record, createdAt: stored.createdAt, attempts: stored.attempts + 1 };
  await ledger.updateSend(retry);
  return { record: retry };
}

/** The brand's answer to `target` as the outbound interaction to store. */
function outboundInteraction(
  context: PipelineContext,
  target: Interaction,
  sent: { channel: string; nativeId: string; visibility: 'public' | 'private'; text: string; attachments: Attachment[]; createdAt: string; conversationId?: string; url?: string; channelMetadata?: Interaction['channelMetadata'] },
): Interaction {
  return parseInteraction(
    {
      channel: sent.channel,
      nativeId: sent.nativeId,
      kind: sent.visibility === 'private' ? 'direct_message' : 'reply',
      direction: 'outbound',
      visibility: sent.visibility,
      author: { channel: sent.channel, nativeId: target.recipientId ?? `${sent.channel}:brand`, isBrand: true },
      conversationId: sent.conversationId ?? target.conversationId,
      parentId: target.nativeId,
      recipientId: target.author.nativeId,
      text: sent.text,
      attachments: sent.attachments,
      createdAt: sent.createdAt,
      ...(sent.url ? { url: sent.url } : {}),
      deliveryStatus: 'sent',
      channelMetadata: sent.channelMetadata ?? {},
    },
    { now: context.now },
  );
}

/** Reply to a stored interaction in its thread, to the identity that wrote it. */
export async function sendReply(context: PipelineContext, id: string, content: string | ReplyContent, options: AbortOptions = {}): Promise<Interaction> {
  const { ledger } = context;
  checkOptionKeys(OPERATION, options, ['signal']);
  if (typeof content === 'object' && content !== null && 'signal' in content) {
    throw new InvalidOptionsError(`${OPERATION} content has a \`signal\`: pass it as the third argument, \`crm.reply(id, content, { signal })\`.`, [{ path: 'signal', message: 'belongs in the third argument' }]);
  }
  checkOptionKeys(`${OPERATION} content`, content, ['text', 'attachments', 'visibility', 'channelOptions', 'idempotencyKey']);
  const { signal } = options;
  throwIfAborted(signal, OPERATION);
  const target = await ledger.getInteraction(id);
  if (!target) throw new NotFoundError('Interaction', id);
  const request: ReplyContent = typeof content === 'string' ? { text: content } : content;
  const { adapter, context: adapterContext } = context.adapter(target.channel);
  const key = request.idempotencyKey ?? context.generateId('reply');
  const sends = hasSendStore(ledger) ? ledger : undefined;
  if (sends && request.idempotencyKey) {
    const known = await sends.getSend(key);
    const earlier = known ? await settledEarlier(ledger, known) : null;
    if (earlier) return earlier;
  }
  let record: SendRecord | undefined;
  try {
    const reply = await buildReply(context, adapter, target, request, key);
    // The last point where stopping sends nothing for sure.
    throwIfAborted(signal, OPERATION);
    if (sends) {
      const at = context.now().toISOString();
      record = { key, channel: adapter.id, inReplyTo: target.id, state: 'pending', reply: { text: reply.text, attachments: reply.attachments, visibility: request.visibility ?? target.visibility, channelOptions: reply.channelOptions }, attempts: 1, createdAt: at, updatedAt: at };
      const attempt = await recordAttempt(sends, record);
      if ('earlier' in attempt) return attempt.earlier;
      record = attempt.record;
    }
    let sent;
    try {
      sent = await adapter.doSendReply!(reply, withSignal(adapterContext, signal));
    } catch (thrown) {
      const aborted = abortedOr(thrown, signal, OPERATION);
      // An adapter that let an HTTP error through still reaches the host as a ChannelApiError with its status and platform code.
      const error = aborted !== thrown || isSocialCrmError(thrown) ? aborted : await toChannelApiError(adapter.id, thrown, adapter.decodeError?.bind(adapter));
      if (sends && record) {
        // A request cut off by the caller may have reached the network, like a timeout.
        const state = aborted !== thrown || mayHaveReachedNetwork(error) ? 'unknown' : 'failed';
        await sends.updateSend({ ...record, state, error: describeError(error), updatedAt: context.now().toISOString() }).catch((storeError: unknown) => {
          context.logger.error('[social-crm] Could not record the outcome of a send.', { key, error: describeError(storeError) });
        });
      }
      throw error;
    }
    for (const warning of sent.warnings ?? []) context.warn(adapter.id, warning);
    const outbound = outboundInteraction(context, target, {
      channel: adapter.id,
      nativeId: sent.nativeId,
      visibility: request.visibility ?? target.visibility,
      text: reply.text,
      attachments: reply.attachments,
      createdAt: sent.createdAt ?? context.now().toISOString(),
      ...(sent.conversationId ? { conversationId: sent.conversationId } : {}),
      ...(sent.url ? { url: sent.url } : {}),
      ...(sent.channelMetadata ? { channelMetadata: { [adapter.id]: sent.channelMetadata as Interaction['channelMetadata'][string] } } : {}),
    });
    return await commitUnit(context, async (scoped, changes) => {
      const stored = await scoped.appendInteraction({ ...outbound, ...(target.customerId ? { customerId: target.customerId } : {}) });
      if (sends && record) await scoped.updateSend!({ ...record, state: 'sent', interactionId: stored.interaction.id, updatedAt: context.now().toISOString() });
      changes.record('reply-sent', { interaction: stored.interaction, inReplyTo: target });
      return stored.interaction;
    });
  } catch (error) {
    if (error instanceof ReplyInDoubtError) throw error;
    const typed = isSocialCrmError(error) ? error : new SocialCrmError('CHANNEL_API_ERROR', `[${adapter.id}] Sending failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    await commitUnit(context, async (_, changes) => changes.record('reply-failed', { inReplyTo: target, error: typed })).catch(() => {
      // The ledger is failing too: announce it in process at least.
      const changes = new ChangeLog();
      changes.record('reply-failed', { inReplyTo: target, error: typed });
      changes.emit(context.events);
    });
    throw typed;
  }
}

/**
 * Settles a send left in doubt after the host checked the thread: `sent` with the network's id
 * (the outbound interaction is stored, as a normal send would), or `not-sent` so that a new call
 * with the key may send it.
 */
export async function settleReply(context: PipelineContext, key: string, outcome: { sent: true; nativeId: string } | { sent: false }): Promise<SendRecord> {
  const { ledger } = context;
  if (!hasSendStore(ledger)) throw new UnsupportedCapabilityError('ledger', 'sends', 'The ledger does not record sends (SendStore).');
  const record = await ledger.getSend(key);
  if (!record) throw new NotFoundError('Send', key);
  const at = context.now().toISOString();
  if (outcome.sent && record.kind === 'publication') return settlePublication(context, record, outcome.nativeId);
  if (!outcome.sent) {
    const settled: SendRecord = { ...record, state: 'failed', error: { name: 'Settled', message: 'Settled as not sent.' }, updatedAt: at };
    await ledger.updateSend(settled);
    return settled;
  }
  const target = await ledger.getInteraction(record.inReplyTo);
  if (!target) throw new NotFoundError('Interaction', record.inReplyTo);
  const reply = record.reply as { text: string; attachments?: Attachment[]; visibility: 'public' | 'private' };
  const outbound = outboundInteraction(context, target, {
    channel: record.channel,
    nativeId: outcome.nativeId,
    visibility: reply.visibility,
    text: reply.text,
    attachments: reply.attachments ?? [],
    createdAt: record.updatedAt,
  });
  return commitUnit(context, async (scoped, changes) => {
    const stored = await scoped.appendInteraction({ ...outbound, ...(target.customerId ? { customerId: target.customerId } : {}) });
    const settled: SendRecord = { ...record, state: 'sent', interactionId: stored.interaction.id, updatedAt: at };
    await scoped.updateSend!(settled);
    if (stored.inserted) changes.record('reply-sent', { interaction: stored.interaction, inReplyTo: target });
    return settled;
  });
}

/** Send states that an echo of the message settles: sent without a known outcome, or cut off mid-send. */
const IN_DOUBT = new Set<SendRecord['state']>(['unknown', 'pending']);

/**
 * Settles the sends in doubt that the network's own echo or status of the message proves sent
 * (events that carry `sentWith`), before the events themselves are stored: the outbound
 * interaction is then the one `crm.reply` would have stored, in its thread, with `reply-sent`.
 */
export async function reconcileEchoes(context: PipelineContext, events: ReadonlyArray<{ type: string; sentWith?: string; nativeId?: string; interaction?: { nativeId: string; channel: string } }>): Promise<void> {
  const { ledger } = context;
  if (!hasSendStore(ledger)) return;
  for (const event of events) {
    const key = event.sentWith;
    const nativeId = event.type === 'interaction' ? event.interaction?.nativeId : event.nativeId;
    if (!key || !nativeId) continue;
    try {
      const record = await ledger.getSend(key);
      if (!record || !IN_DOUBT.has(record.state)) continue;
      await settleReply(context, key, { sent: true, nativeId });
      context.logger.info(`[social-crm] The send \`${key}\` was in doubt; the network's echo of ${nativeId} settled it as sent.`);
    } catch (error) {
      // The event is stored either way; the send stays in doubt for crm.settleReply().
      context.logger.warn(`[social-crm] Could not settle the send \`${key}\` from the network's echo.`, { error: describeError(error) });
    }
  }
}
