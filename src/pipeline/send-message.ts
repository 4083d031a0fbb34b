/**
 * The outreach stage: a message the brand starts (a campaign's), sent once. It checks the
 * customer's consent for the purpose at send time, records the send under its idempotency key
 * before the network is called, and stores the outbound interaction.
 *
 * @internal
 * @module
 */
import { ReplyInDoubtError, ReplyNotAllowedError, SocialCrmError, UnsupportedCapabilityError, isSocialCrmError } from '../errors.js';
import { toChannelApiError } from '../http.js';
import { identityKey, parseInteraction, type ChannelIdentity, type Interaction, type JSONObject } from '../interaction.js';
import { hasSendStore, type SendRecord } from '../ledger.js';
import { consentAllows, consentRefusal } from '../_consent.js';
import type { OutboundMessage } from '../outreach.js';
import { commitUnit, type PipelineContext } from './context.js';
import { describeError } from './dead-letters.js';
import { mayHaveReachedNetwork } from './reply.js';

/** What {@link SocialCrm.sendMessage} sends. */
export interface MessageRequest {
  /** The adapter id to send through. */
  channel: string;
  /** The recipient's identity on that channel (or its key, `<channel>:<nativeId>`). */
  recipient: ChannelIdentity | string;
  /** The text; may be empty when a template defines the content. @default '' */
  text?: string;
  /** Why the brand writes. Only `marketing` for now: it needs the customer's marketing consent. */
  purpose: 'marketing';
  /** Required: a second call with the same key never sends again. */
  idempotencyKey: string;
  /** The campaign that sends it, kept on the stored interaction (`channelMetadata[channel].campaignId`). */
  campaignId?: string;
  /** Per-adapter options, e.g. `{ whatsapp: { template: { name, language, parameters } } }`. */
  channelOptions?: Record<string, Record<string, unknown>>;
}

/** The stored send for the key, if it settles the call without a new attempt. */
function settled(record: SendRecord): 'sent' | 'retry' {
  if (record.state === 'sent') return 'sent';
  if (record.state === 'failed') return 'retry';
  throw new ReplyInDoubtError(
    record.key,
    record.state,
    record.state === 'pending'
      ? `[${record.channel}] A message with idempotency key \`${record.key}\` is being sent (or its sender stopped mid-way); it is not sent again.`
      : `[${record.channel}] The message with idempotency key \`${record.key}\` may have reached the network (${record.error?.message ?? 'no answer'}); it is not sent again.`,
  );
}

/**
 * Sends a business-initiated message once. Returns the stored outbound interaction, or the one a
 * first call with the same key stored (`sentBefore: true`).
 * @throws ReplyNotAllowedError (no consent, platform rule), UnsupportedCapabilityError, ReplyInDoubtError, ChannelApiError, RateLimitError
 */
export async function sendMessage(context: PipelineContext, request: MessageRequest): Promise<{ interaction: Interaction; sentBefore: boolean }> {
  const { ledger } = context;
  const { adapter, context: adapterContext } = context.adapter(request.channel);
  if (!adapter.capabilities.outreach || typeof adapter.doSendMessage !== 'function') {
    throw new UnsupportedCapabilityError(adapter.id, 'outreach', 'It cannot start conversations; reach the customer on another channel.');
  }
  if (!hasSendStore(ledger)) throw new UnsupportedCapabilityError('ledger', 'sends', 'Business-initiated messages need a ledger that records sends (SendStore), so that none is sent twice.');
  const recipient: ChannelIdentity = typeof request.recipient === 'string' ? { channel: request.channel, nativeId: request.recipient.slice(request.recipient.indexOf(':') + 1) } : request.recipient;
  const key = identityKey(recipient);
  const known = await ledger.getSend(request.idempotencyKey);
  if (known && settled(known) === 'sent') return { interaction: (await ledger.getInteraction(known.interactionId ?? ''))!, sentBefore: true };

  // Consent is read now, for this message: a withdrawal a moment ago counts.
  const consent = await ledger.getConsent(key);
  if (!consentAllows(consent)) throw new ReplyNotAllowedError('opted-out', `[${adapter.id}] ${consentRefusal(key, consent)}; the message was not sent.`);
  const last = (await ledger.queryInteractions({ authorKey: key, channel: adapter.id, order: 'desc', limit: 1 })).items[0];
  const identity = await ledger.getIdentity(key);
  const message: OutboundMessage = {
    channel: adapter.id,
    recipient,
    text: request.text ?? '',
    purpose: request.purpose,
    idempotencyKey: request.idempotencyKey,
    ...(last ? { lastInboundAt: last.createdAt, conversationId: last.conversationId, lastInbound: last } : {}),
    ...(consent?.channelMetadata?.[adapter.id] ? { consentMetadata: consent.channelMetadata[adapter.id] as JSONObject } : {}),
    ...(request.campaignId ? { campaignId: request.campaignId } : {}),
    channelOptions: request.channelOptions ?? {},
  };
  const at = context.now().toISOString();
  // Nothing personal goes in the record (no text, no number): a send that never became an interaction is not found by an erasure.
  let record: SendRecord = { key: request.idempotencyKey, channel: adapter.id, inReplyTo: '', state: 'pending', reply: { purpose: request.purpose, ...(request.campaignId ? { campaignId: request.campaignId } : {}) }, attempts: 1, createdAt: at, updatedAt: at };
  const created = await ledger.createSend(record);
  if (!created.created) {
    if (settled(created.record) === 'sent') return { interaction: (await ledger.getInteraction(created.record.interactionId ?? ''))!, sentBefore: true };
    record = { ...record, createdAt: created.record.createdAt, attempts: created.record.attempts + 1 };
    await ledger.updateSend(record);
  }
  let sent;
  try {
    sent = await adapter.doSendMessage(message, adapterContext);
  } catch (thrown) {
    const error = isSocialCrmError(thrown) ? thrown : await toChannelApiError(adapter.id, thrown, adapter.decodeError?.bind(adapter));
    const state = mayHaveReachedNetwork(error) ? 'unknown' : 'failed';
    await ledger.updateSend({ ...record, state, error: describeError(error), updatedAt: context.now().toISOString() }).catch((storeError: unknown) => {
      context.logger.error('[social-crm] Could not record the outcome of a send.', { key: record.key, error: describeError(storeError) });
    });
    throw error instanceof Error ? error : new SocialCrmError('CHANNEL_API_ERROR', String(error));
  }
  for (const warning of sent.warnings ?? []) context.warn(adapter.id, warning);
  const outbound = parseInteraction(
    {
      channel: adapter.id,
      nativeId: sent.nativeId,
      kind: 'direct_message',
      direction: 'outbound',
      visibility: 'private',
      author: { channel: adapter.id, nativeId: `${adapter.id}:brand`, isBrand: true },
      conversationId: sent.conversationId ?? last?.conversationId ?? `${adapter.id}:${recipient.nativeId}`,
      recipientId: recipient.nativeId,
      text: message.text,
      createdAt: sent.createdAt ?? context.now().toISOString(),
      ...(sent.url ? { url: sent.url } : {}),
      deliveryStatus: 'sent',
      channelMetadata: { [adapter.id]: { ...(sent.channelMetadata as JSONObject | undefined), ...(request.campaignId ? { campaignId: request.campaignId } : {}) } },
    },
    { now: context.now },
  );
  const interaction = await commitUnit(context, async (scoped) => {
    const stored = await scoped.appendInteraction({ ...outbound, ...(identity?.customerId ? { customerId: identity.customerId } : {}) });
    await scoped.updateSend!({ ...record, state: 'sent', interactionId: stored.interaction.id, updatedAt: context.now().toISOString() });
    return stored.interaction;
  });
  return { interaction, sentBefore: false };
}
