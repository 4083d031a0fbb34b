/**
 * The publish stage: validate a post, record it under its idempotency key, post it once on the
 * brand's own account, and store it as an outbound `post` with its announcement. Comments on it
 * later arrive through the adapter as usual and thread onto it by its native id.
 *
 * @internal
 * @module
 */
import type { PublishResult } from '../adapter.js';
import { InvalidOptionsError, SocialCrmError, UnsupportedCapabilityError, formatIssues, isSocialCrmError, toValidationIssues } from '../errors.js';
import { toChannelApiError } from '../http.js';
import { parseInteraction, type Attachment, type Interaction, type JSONObject } from '../interaction.js';
import { hasSendStore, type SendRecord } from '../ledger.js';
import { PUBLICATION_METADATA_KEY } from '../campaign-id.js';
import { publishRequestSchema, type OutboundPost, type PublishRequest } from '../publication.js';
import { ChangeLog } from './change-log.js';
import { commitUnit, type PipelineContext } from './context.js';
import { describeError } from './dead-letters.js';
import { mayHaveReachedNetwork, recordAttempt, settledEarlier } from './reply.js';
import { abortedOr, throwIfAborted, withSignal, type AbortOptions } from '../_abort.js';
import { checkOptionKeys } from '../_options.js';

const OPERATION = 'crm.publish()';

/** The post as its send record keeps it (JSON). */
type StoredPost = Pick<OutboundPost, 'text' | 'media' | 'channelOptions'> & { link?: string; account?: string; campaignId?: string };

function parsePost(request: PublishRequest): OutboundPost {
  const parsed = publishRequestSchema.safeParse(request);
  if (!parsed.success) {
    const issues = toValidationIssues(parsed.error.issues);
    throw new InvalidOptionsError(`publish() request is invalid:\n${formatIssues(issues)}`, issues);
  }
  return parsed.data;
}

function storedPost(post: OutboundPost): StoredPost {
  return {
    text: post.text,
    media: post.media,
    channelOptions: post.channelOptions,
    ...(post.link ? { link: post.link } : {}),
    ...(post.account ? { account: post.account } : {}),
    ...(post.campaignId ? { campaignId: post.campaignId } : {}),
  };
}

/** The published post as the outbound interaction to store. */
function publishedInteraction(context: PipelineContext, channel: string, key: string, post: StoredPost, sent: PublishResult): Interaction {
  const attachments: Attachment[] = [
    ...post.media.map((item): Attachment => ({ type: item.type, url: item.url, ...(item.altText ? { caption: item.altText } : {}) })),
    ...(post.link ? [{ type: 'link' as const, url: post.link }] : []),
  ];
  const publication: JSONObject = { idempotencyKey: key, ...(post.campaignId ? { campaignId: post.campaignId } : {}) };
  return parseInteraction(
    {
      channel,
      nativeId: sent.nativeId,
      kind: 'post',
      direction: 'outbound',
      visibility: 'public',
      author: { channel, nativeId: sent.account ?? post.account ?? `${channel}:brand`, isBrand: true },
      ...(sent.conversationId ? { conversationId: sent.conversationId } : {}),
      text: post.text,
      attachments,
      createdAt: sent.createdAt ?? context.now().toISOString(),
      ...(sent.url ? { url: sent.url } : {}),
      deliveryStatus: 'sent',
      channelMetadata: {
        ...(sent.channelMetadata ? { [channel]: sent.channelMetadata as JSONObject } : {}),
        [PUBLICATION_METADATA_KEY]: publication,
      },
    },
    { now: context.now },
  );
}

/** Stores the published post and marks its send record sent, with `post-published`, in one unit. */
async function storePublished(context: PipelineContext, record: SendRecord, interaction: Interaction): Promise<{ interaction: Interaction; record: SendRecord }> {
  const post = record.reply as StoredPost;
  return commitUnit(context, async (scoped, changes) => {
    const stored = await scoped.appendInteraction(interaction);
    const settled: SendRecord = { ...record, state: 'sent', interactionId: stored.interaction.id, updatedAt: context.now().toISOString() };
    await scoped.updateSend!(settled);
    if (stored.inserted) changes.record('post-published', { interaction: stored.interaction, ...(post.campaignId ? { campaignId: post.campaignId } : {}) });
    return { interaction: stored.interaction, record: settled };
  });
}

async function announceFailure(context: PipelineContext, payload: { channel: string; idempotencyKey: string; campaignId?: string; error: SocialCrmError }): Promise<void> {
  await commitUnit(context, async (_, changes) => changes.record('post-failed', payload)).catch(() => {
    // The ledger is failing too: announce it in process at least.
    const changes = new ChangeLog();
    changes.record('post-failed', payload);
    changes.emit(context.events);
  });
}

/**
 * Publishes a post on the brand's own account, once per idempotency key: the attempt is recorded
 * before the network is called; a second call with the key returns the stored post, or throws
 * `ReplyInDoubtError` while the first one is under way or may have reached the network (the first
 * call itself throws what the network did: a timeout, a 5xx).
 */
export async function publishPost(context: PipelineContext, request: PublishRequest, options: AbortOptions = {}): Promise<Interaction> {
  checkOptionKeys(OPERATION, options, ['signal']);
  if (typeof request === 'object' && request !== null && 'signal' in request) {
    throw new InvalidOptionsError(`${OPERATION} request has a \`signal\`: pass it as the second argument, \`crm.publish(request, { signal })\`.`, [{ path: 'signal', message: 'belongs in the second argument' }]);
  }
  checkOptionKeys(`${OPERATION} request`, request, ['channel', 'account', 'text', 'link', 'media', 'campaignId', 'channelOptions', 'idempotencyKey']);
  const { signal } = options;
  throwIfAborted(signal, OPERATION);
  const post = parsePost(request);
  const { ledger } = context;
  const { adapter, context: adapterContext } = context.adapter(post.channel);
  if (adapter.capabilities.publish !== true || typeof adapter.doPublish !== 'function') {
    throw new UnsupportedCapabilityError(adapter.id, 'publish', 'Publish on a channel whose adapter declares `publish`.');
  }
  if (!hasSendStore(ledger)) {
    throw new UnsupportedCapabilityError('ledger', 'sends', 'Publishing records each post under its idempotency key before it is sent; use a ledger with a SendStore (memoryLedger, postgresLedger).');
  }
  const key = post.idempotencyKey;
  const known = await ledger.getSend(key);
  if (known && known.kind !== 'publication') {
    throw new InvalidOptionsError(`publish() idempotency key \`${key}\` was already used by a reply; give each post its own key.`);
  }
  if (known && known.channel !== adapter.id) {
    throw new InvalidOptionsError(`publish() idempotency key \`${key}\` was already used for a post on \`${known.channel}\`; give each channel's post its own key.`);
  }
  const at = context.now().toISOString();
  // The network itself recognises the key for a while: a post in doubt is sent again with it, and the network answers with the first post.
  const window = adapter.networkIdempotencyMs ?? 0;
  const resend = known?.state === 'unknown' && context.now().getTime() - Date.parse(known.createdAt) < window;
  if (known && !resend) {
    const earlier = await settledEarlier(ledger, known);
    if (earlier) return earlier;
  }
  // The last point where stopping sends nothing for sure.
  throwIfAborted(signal, OPERATION);
  let record: SendRecord;
  if (resend) {
    const { error: _earlierError, ...rest } = known!;
    record = { ...rest, state: 'pending', attempts: known!.attempts + 1, updatedAt: at };
    await ledger.updateSend(record);
  } else {
    const fresh: SendRecord = { key, channel: adapter.id, inReplyTo: '', kind: 'publication', state: 'pending', reply: storedPost(post), attempts: 1, createdAt: at, updatedAt: at };
    const attempt = await recordAttempt(ledger, fresh);
    if ('earlier' in attempt) return attempt.earlier;
    record = attempt.record;
  }
  let sent: PublishResult;
  try {
    sent = await adapter.doPublish(post, withSignal(adapterContext, signal));
  } catch (thrown) {
    const aborted = abortedOr(thrown, signal, OPERATION);
    const error = aborted !== thrown || isSocialCrmError(thrown) ? (aborted as SocialCrmError) : await toChannelApiError(adapter.id, thrown, adapter.decodeError?.bind(adapter));
    // A request cut off by the caller may have reached the network, like a timeout.
    const state = aborted !== thrown || mayHaveReachedNetwork(error) ? 'unknown' : 'failed';
    await ledger.updateSend({ ...record, state, error: describeError(error), updatedAt: context.now().toISOString() }).catch((storeError: unknown) => {
      context.logger.error('[social-crm] Could not record the outcome of a publication.', { key, error: describeError(storeError) });
    });
    await announceFailure(context, { channel: adapter.id, idempotencyKey: key, ...(post.campaignId ? { campaignId: post.campaignId } : {}), error });
    throw error;
  }
  for (const warning of sent.warnings ?? []) context.warn(adapter.id, warning);
  const interaction = publishedInteraction(context, adapter.id, key, record.reply as StoredPost, sent);
  return (await storePublished(context, record, interaction)).interaction;
}

/** Settles a publication left in doubt as sent, with the id the host found on the network. @internal */
export async function settlePublication(context: PipelineContext, record: SendRecord, nativeId: string): Promise<SendRecord> {
  const post = record.reply as StoredPost;
  const interaction = publishedInteraction(context, record.channel, record.key, post, { nativeId, createdAt: record.updatedAt });
  return (await storePublished(context, record, interaction)).record;
}
