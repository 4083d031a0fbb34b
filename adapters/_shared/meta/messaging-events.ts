import * as z from 'zod';
import { privateConversationKey, type Attachment, type ChannelIdentityInput, type InteractionInput, type JSONObject, type JSONValue } from 'social-crm';
import { networkTimeOr, readNetworkTime, type AdapterWarning, type ChannelEvent, type RejectedItem } from 'social-crm/adapter-kit';
import { describeIssues } from './meta-webhook.js';

/*
 * The `entry[].messaging[]` items Messenger and Instagram messaging share: messages (and their
 * echoes), postbacks, reactions, edits, deliveries and reads. Only the fields the adapters read
 * are listed; unknown fields are dropped by zod, so new fields on Meta's side never break parsing.
 */

const party = z.object({ id: z.string().min(1) });

const attachmentPayloadSchema = z.looseObject({
  url: z.string().optional(),
  title: z.string().optional(),
  sticker_id: z.union([z.string(), z.number()]).optional(),
  coordinates: z.object({ lat: z.number(), long: z.number() }).optional(),
});

const messagingAttachmentSchema = z.object({
  type: z.string(),
  payload: attachmentPayloadSchema.nullish(),
});

const messageSchema = z.object({
  mid: z.string().min(1),
  text: z.string().optional(),
  attachments: z.array(messagingAttachmentSchema).optional(),
  quick_reply: z.object({ payload: z.string() }).optional(),
  reply_to: z
    .object({
      mid: z.string().optional(),
      is_self_reply: z.boolean().optional(),
      story: z.object({ id: z.string().optional(), url: z.string().optional() }).optional(),
    })
    .optional(),
  is_echo: z.boolean().optional(),
  app_id: z.union([z.string(), z.number()]).optional(),
  metadata: z.string().optional(),
  is_deleted: z.boolean().optional(),
  is_unsupported: z.boolean().optional(),
  referral: z.record(z.string(), z.unknown()).optional(),
});

/** One `messaging[]` item, whatever it carries. */
export const messagingItemSchema = z.looseObject({
  sender: party,
  recipient: party,
  /** Epoch milliseconds. */
  timestamp: z.number().optional(),
  message: messageSchema.optional(),
  postback: z.object({ mid: z.string().optional(), title: z.string().optional(), payload: z.string().optional() }).optional(),
  reaction: z
    .object({
      mid: z.string().min(1),
      action: z.enum(['react', 'unreact']).default('react'),
      reaction: z.string().optional(),
      emoji: z.string().optional(),
    })
    .optional(),
  message_edit: z.object({ mid: z.string().min(1), text: z.string().default(''), num_edit: z.number().optional() }).optional(),
  delivery: z.object({ mids: z.array(z.string()).optional(), watermark: z.number().optional() }).optional(),
  read: z.object({ mid: z.string().optional(), watermark: z.number().optional() }).optional(),
  /** Opt-ins; `notification_messages` is the marketing-messages opt-in (and its stop/resume). */
  optin: z
    .looseObject({
      type: z.string().optional(),
      payload: z.string().optional(),
      title: z.string().optional(),
      notification_messages_token: z.string().optional(),
      notification_messages_frequency: z.string().optional(),
      notification_messages_timezone: z.string().optional(),
      notification_messages_status: z.string().optional(),
      token_expiry_timestamp: z.union([z.number(), z.string()]).optional(),
      user_token_status: z.string().optional(),
    })
    .optional(),
});
export type MessagingItem = z.output<typeof messagingItemSchema>;

/** Messaging events the CRM does not store (acknowledged with an `ignored` warning). */
const IGNORED_MESSAGING_KEYS = [
  'optin',
  'referral',
  'account_linking',
  'pass_thread_control',
  'take_thread_control',
  'request_thread_control',
  'app_roles',
  'policy_enforcement',
  'game_play',
  'messaging_feedback',
  'response_feedback',
  'checkout_update',
  'payment',
];

/** What the messaging reader needs to know about the delivery. */
export interface MessagingContext {
  /** Adapter id: `channel` of the interactions and key of their `channelMetadata`. */
  channel: string;
  /** The brand's own ids (Page id, Instagram account id): a sender among them is the brand. */
  brandIds: ReadonlySet<string>;
  /** When the delivery arrived, for items without `timestamp`. */
  now: Date;
}

/** Events, rejected items and warnings read from a `messaging[]` array. */
export interface MessagingOutcome {
  events: ChannelEvent[];
  rejected: RejectedItem[];
  warnings: AdapterWarning[];
}

/**
 * Epoch seconds or milliseconds (Meta uses both) → ISO-8601; `fallback` when absent, unreadable,
 * before 2006 or more than a day (plus `extraAheadMs`, for times that are meant to lie ahead) after now.
 */
export function metaTime(value: number | string | undefined, fallback: Date, extraAheadMs = 0): string {
  return networkTimeOr(value, fallback, { now: new Date(Math.max(fallback.getTime(), Date.now()) + extraAheadMs) });
}

/** A time Meta names in the future (a token's expiry): ISO-8601, or `undefined` when it is not a plausible time. */
function expiryTime(value: number | string, now: Date): string | undefined {
  const time = readNetworkTime(value, new Date(now.getTime() + MAX_EXPIRY_AHEAD_MS));
  return time.ok ? time.iso : undefined;
}

/** How far ahead an expiry may lie: Meta's examples use 2038. */
const MAX_EXPIRY_AHEAD_MS = 100 * 365 * 24 * 60 * 60 * 1000;

/** Drops `undefined` members so the object is valid JSON for `channelMetadata`. */
export function compactJson(value: Record<string, JSONValue | undefined>): JSONObject {
  const result: JSONObject = {};
  for (const [key, member] of Object.entries(value)) if (member !== undefined) result[key] = member;
  return result;
}

/** The conversation of a one-to-one thread: the brand's id and the customer's scoped id. */
export function directConversationId(brandId: string, customerId: string): string {
  return privateConversationKey(`${brandId}-${customerId}`);
}

const ATTACHMENT_TYPES: Record<string, Attachment['type']> = {
  image: 'image',
  video: 'video',
  audio: 'audio',
  file: 'file',
  sticker: 'sticker',
  animated_image: 'image',
  location: 'location',
  fallback: 'link',
  share: 'link',
  reel: 'video',
  ig_reel: 'video',
  post: 'link',
  ig_post: 'link',
  story_mention: 'image',
};

function toAttachment(attachment: z.output<typeof messagingAttachmentSchema>): Attachment {
  const payload = attachment.payload ?? undefined;
  // Messenger sends stickers (the thumbs-up too) as `image` with a `sticker_id`.
  const type = payload?.sticker_id !== undefined ? 'sticker' : (ATTACHMENT_TYPES[attachment.type] ?? 'other');
  const data = compactJson({
    nativeType: attachment.type,
    stickerId: payload?.sticker_id !== undefined ? String(payload.sticker_id) : undefined,
    ...(payload?.coordinates ? { latitude: payload.coordinates.lat, longitude: payload.coordinates.long } : {}),
  });
  return {
    type,
    ...(payload?.url ? { url: payload.url } : {}),
    ...(payload?.title ? { name: payload.title } : {}),
    data,
  };
}

/** Who is who in one messaging item: the customer is whichever side is not the brand. */
function sides(item: MessagingItem, context: MessagingContext) {
  const fromBrand = context.brandIds.has(item.sender.id) || item.message?.is_echo === true;
  const brandId = fromBrand ? item.sender.id : item.recipient.id;
  const customerId = fromBrand ? item.recipient.id : item.sender.id;
  return { fromBrand, brandId, customerId, conversationId: directConversationId(brandId, customerId) };
}

function identity(channel: string, nativeId: string, isBrand: boolean): ChannelIdentityInput {
  return { channel, nativeId, ...(isBrand ? { isBrand: true } : {}) };
}

/** The parts every direct-message interaction of one item shares. */
function directMessageBase(item: MessagingItem, context: MessagingContext) {
  const { fromBrand, conversationId } = sides(item, context);
  return {
    channel: context.channel,
    kind: 'direct_message' as const,
    visibility: 'private' as const,
    author: identity(context.channel, item.sender.id, fromBrand),
    conversationId,
    recipientId: item.recipient.id,
    createdAt: metaTime(item.timestamp, context.now),
  };
}

/** Instagram's ❤️ sent in a DM: an attachment of type `like_heart` and nothing else. */
function isLikeHeart(message: NonNullable<MessagingItem['message']>): boolean {
  return !message.text && message.attachments?.length === 1 && message.attachments[0]!.type === 'like_heart';
}

/** An Instagram story that @mentions the brand, delivered as a DM with a `story_mention` attachment. */
function isStoryMention(message: NonNullable<MessagingItem['message']>): boolean {
  return message.attachments?.some((attachment) => attachment.type === 'story_mention') === true;
}

function messageInteraction(item: MessagingItem, message: NonNullable<MessagingItem['message']>, context: MessagingContext): InteractionInput {
  const base = directMessageBase(item, context);
  const parentId = message.reply_to?.mid;
  const heart = isLikeHeart(message);
  return {
    ...base,
    ...(heart ? { kind: 'reaction' as const, reaction: '❤️' } : isStoryMention(message) ? { kind: 'mention' as const } : {}),
    nativeId: message.mid,
    ...(parentId ? { parentId } : {}),
    text: message.text ?? '',
    attachments: heart ? [] : (message.attachments ?? []).map(toAttachment),
    ...(base.author.isBrand ? { deliveryStatus: 'sent' as const } : {}),
    channelMetadata: {
      [context.channel]: compactJson({
        isEcho: message.is_echo,
        appId: message.app_id !== undefined ? String(message.app_id) : undefined,
        echoMetadata: message.metadata,
        quickReplyPayload: message.quick_reply?.payload,
        replyToStoryId: message.reply_to?.story?.id,
        replyToStoryUrl: message.reply_to?.story?.url,
        unsupported: message.is_unsupported,
        referral: message.referral as JSONValue | undefined,
      }),
    },
    raw: item,
  };
}

/** A receipt that names only a time: every message the brand sent in the conversation until then. An unbelievable time is skipped with a warning. */
function addWatermark(outcome: MessagingOutcome, item: MessagingItem, context: MessagingContext, status: 'delivered' | 'read', watermark: number, at: string): void {
  const upTo = readNetworkTime(watermark, new Date(Math.max(context.now.getTime(), Date.now())));
  if (!upTo.ok) {
    outcome.warnings.push({ type: 'malformed', message: `A ${status} watermark was skipped: ${upTo.message}.`, details: { field: `${status === 'read' ? 'read' : 'delivery'}.watermark`, reason: upTo.reason } });
    return;
  }
  outcome.events.push({ type: 'delivery-watermark', channel: context.channel, conversationId: sides(item, context).conversationId, status, upTo: upTo.iso, at });
}

/**
 * A marketing-messages opt-in (`optin.type: notification_messages`) → a `marketing` consent for
 * the person, with the token the Page needs to send them marketing messages kept on the record.
 * `notification_messages_status: STOP_NOTIFICATIONS` is an opt-out, `RESUME_NOTIFICATIONS` an opt-in.
 */
function marketingConsent(item: MessagingItem, optin: NonNullable<MessagingItem['optin']>, context: MessagingContext, at: string): ChannelEvent | undefined {
  const status = optin.notification_messages_status?.replace(/[\s_]+/g, '_').toUpperCase() === 'STOP_NOTIFICATIONS' ? 'opted-out' : 'opted-in';
  const { customerId } = sides(item, context);
  const expiry = optin.token_expiry_timestamp;
  return {
    type: 'consent',
    identity: { channel: context.channel, nativeId: customerId },
    status,
    purpose: 'marketing',
    source: `${context.channel}:notification_messages`,
    at,
    channelMetadata: {
      [context.channel]: compactJson({
        notificationMessagesToken: optin.notification_messages_token,
        topic: optin.title,
        payload: optin.payload,
        frequency: optin.notification_messages_frequency,
        timezone: optin.notification_messages_timezone,
        tokenExpiresAt: expiry !== undefined ? expiryTime(expiry, context.now) : undefined,
        tokenStatus: optin.user_token_status,
        notificationStatus: optin.notification_messages_status,
      }),
    },
  };
}

function readItem(item: MessagingItem, context: MessagingContext, outcome: MessagingOutcome): void {
  const at = metaTime(item.timestamp, context.now);
  const { channel } = context;
  if (item.message) {
    if (item.message.is_deleted) {
      outcome.events.push({ type: 'deletion', channel, nativeId: item.message.mid, deletedAt: at });
      return;
    }
    // An echo's metadata is the idempotency key of the send it echoes (see sendDirectMessage).
    const sentWith = item.message.is_echo && item.message.metadata ? { sentWith: item.message.metadata } : {};
    outcome.events.push({ type: 'interaction', interaction: messageInteraction(item, item.message, context), ...sentWith });
    return;
  }
  if (item.message_edit) {
    const edit = item.message_edit;
    outcome.events.push({
      type: 'interaction',
      interaction: {
        ...directMessageBase(item, context),
        nativeId: edit.mid,
        text: edit.text,
        state: 'edited',
        editedAt: at,
        channelMetadata: { [channel]: compactJson({ editCount: edit.num_edit }) },
        raw: item,
      },
    });
    return;
  }
  if (item.postback) {
    const postback = item.postback;
    outcome.events.push({
      type: 'interaction',
      interaction: {
        ...directMessageBase(item, context),
        nativeId: postback.mid ?? `postback:${item.sender.id}:${item.timestamp ?? at}`,
        text: postback.title ?? '',
        channelMetadata: { [channel]: compactJson({ postbackPayload: postback.payload, postbackTitle: postback.title }) },
        raw: item,
      },
    });
    return;
  }
  if (item.reaction) {
    const reaction = item.reaction;
    const nativeId = `reaction:${reaction.mid}:${item.sender.id}`;
    if (reaction.action === 'unreact') {
      outcome.events.push({ type: 'deletion', channel, nativeId, deletedAt: at });
      return;
    }
    outcome.events.push({
      type: 'interaction',
      interaction: {
        ...directMessageBase(item, context),
        kind: 'reaction',
        nativeId,
        parentId: reaction.mid,
        text: '',
        reaction: reaction.emoji ?? reaction.reaction ?? 'other',
        channelMetadata: { [channel]: compactJson({ reactionName: reaction.reaction, emoji: reaction.emoji }) },
        raw: item,
      },
    });
    return;
  }
  if (item.delivery) {
    for (const mid of item.delivery.mids ?? []) {
      outcome.events.push({ type: 'delivery-status', channel, nativeId: mid, status: 'delivered', at, recipient: { channel, nativeId: item.sender.id } });
    }
    // A watermark alone says: everything the brand sent in this conversation until then arrived.
    if (!item.delivery.mids?.length && item.delivery.watermark !== undefined) addWatermark(outcome, item, context, 'delivered', item.delivery.watermark, at);
    return;
  }
  if (item.read) {
    if (item.read.mid) outcome.events.push({ type: 'delivery-status', channel, nativeId: item.read.mid, status: 'read', at, recipient: { channel, nativeId: item.sender.id } });
    else if (item.read.watermark !== undefined) addWatermark(outcome, item, context, 'read', item.read.watermark, at);
    return;
  }
  if (item.optin?.type === 'notification_messages') {
    const consent = marketingConsent(item, item.optin, context, at);
    if (consent) outcome.events.push(consent);
    return;
  }
  const key = IGNORED_MESSAGING_KEYS.find((name) => name in item);
  outcome.warnings.push(
    key
      ? { type: 'ignored', message: `Messaging event \`${key}\` is not stored by the CRM.`, details: { key } }
      : {
          type: 'unsupported',
          message: 'A messaging event of an unknown kind was acknowledged and ignored.',
          details: { keys: Object.keys(item).filter((name) => !['sender', 'recipient', 'timestamp'].includes(name)) },
        },
  );
}

/**
 * Reads an entry's `messaging[]` items into channel events: messages and echoes (the brand's own
 * sends) become `direct_message` interactions, edits update them, `is_deleted` deletes them,
 * reactions become `reaction` interactions (an `unreact` deletes the reaction), deliveries and
 * reads that name message ids become delivery statuses. Items that cannot be read are rejected.
 */
export function readMessagingItems(items: unknown[], context: MessagingContext): MessagingOutcome {
  const outcome: MessagingOutcome = { events: [], rejected: [], warnings: [] };
  for (const candidate of items) {
    const parsed = messagingItemSchema.safeParse(candidate);
    if (!parsed.success) {
      outcome.rejected.push({
        payload: candidate,
        error: new Error(`[${context.channel}] A messaging event could not be read: ${describeIssues(parsed.error)}`),
      });
      continue;
    }
    readItem(parsed.data, context, outcome);
  }
  return outcome;
}
