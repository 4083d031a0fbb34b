import { privateConversationKey, type Attachment, type ChannelIdentityInput, type InteractionInput, type JSONObject, type JSONValue } from 'social-crm';
import type { AdapterWarning, ChannelEvent } from 'social-crm/adapter-kit';
import { compactJson, metaTime } from '../_shared/meta/messaging-events.js';
import type { WhatsappContact, WhatsappError, WhatsappMedia, WhatsappMessage, WhatsappStatus, WhatsappUserPreference } from './whatsapp-schemas.js';

/** What every normaliser needs to know about the delivery. */
export interface NormalizeContext {
  /** Adapter id: the `channel` of interactions and identities. */
  channel: string;
  /** The business phone number the change is for (`value.metadata.phone_number_id`). */
  phoneNumberId: string;
  displayPhoneNumber: string | undefined;
  /** The WhatsApp Business Account (`entry.id`). */
  businessAccountId: string;
  /** Profiles by WhatsApp id and by business-scoped user id, from `value.contacts[]`. */
  contacts: ReadonlyMap<string, WhatsappContact>;
  now: Date;
}

/** One thread per customer per business phone number. */
export function conversationKey(phoneNumberId: string, waId: string): string {
  return privateConversationKey(phoneNumberId, waId);
}

/**
 * A business-scoped user id (BSUID): an ISO country code, a dot, `ENT.` for a parent BSUID, then up
 * to 128 letters and digits (`US.13491208655302741918`, `US.ENT.11815799212886844830`).
 */
const BUSINESS_SCOPED_USER_ID = /^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$/;

/** Whether `value` has the shape of a business-scoped user id. */
export function isBusinessScopedUserId(value: string | undefined): value is string {
  return value !== undefined && BUSINESS_SCOPED_USER_ID.test(value);
}

/**
 * The customer's identity: WhatsApp id (the phone digits, or the business-scoped user id when the
 * number is withheld), E.164 phone, profile name and username (as `handle`, without `@`).
 */
export function customerIdentity(channel: string, waId: string, contact: WhatsappContact | undefined): ChannelIdentityInput {
  const name = contact?.profile?.name?.trim();
  const username = contact?.profile?.username?.trim().replace(/^@/, '');
  return {
    channel,
    nativeId: waId,
    ...(/^\d{6,15}$/.test(waId) ? { phone: `+${waId}` } : {}),
    ...(name ? { displayName: name } : {}),
    ...(username ? { handle: username } : {}),
  };
}

/** Who sent a message, and the business-scoped ids that came with it. */
interface Sender {
  /** The identity's native id: `from` when WhatsApp names it, else the business-scoped user id. */
  id: string;
  contact: WhatsappContact | undefined;
  userId?: string;
  parentUserId?: string;
  warnings: AdapterWarning[];
}

function senderOf(message: WhatsappMessage, context: NormalizeContext): Sender {
  const warnings: AdapterWarning[] = [];
  const contact =
    (message.from !== undefined ? context.contacts.get(message.from) : undefined) ??
    (message.from_user_id !== undefined ? context.contacts.get(message.from_user_id) : undefined) ??
    (context.contacts.size === 1 ? [...context.contacts.values()][0] : undefined);
  const userIdGiven = message.from_user_id ?? contact?.user_id;
  const userId = isBusinessScopedUserId(userIdGiven) ? userIdGiven : undefined;
  if (userIdGiven !== undefined && userId === undefined) {
    warnings.push({ type: 'malformed', message: `WhatsApp message ${message.id} names a business-scoped user id \`${userIdGiven}\` that does not have the documented shape; it was not kept.`, details: { id: message.id } });
  }
  const parentGiven = message.from_parent_user_id ?? contact?.parent_user_id;
  const id = message.from ?? userId;
  if (id === undefined) throw new Error(`WhatsApp message ${message.id} names no sender: \`from\` is absent and \`from_user_id\` \`${userIdGiven}\` is not a business-scoped user id.`);
  return { id, contact, ...(userId ? { userId } : {}), ...(isBusinessScopedUserId(parentGiven) ? { parentUserId: parentGiven } : {}), warnings };
}

const MEDIA_TYPES = { image: 'image', video: 'video', audio: 'audio', voice: 'audio', document: 'file', sticker: 'sticker' } as const satisfies Record<string, Attachment['type']>;
type MediaKey = keyof typeof MEDIA_TYPES;

function mediaAttachment(key: MediaKey, media: WhatsappMedia): Attachment {
  return {
    type: MEDIA_TYPES[key],
    ...(media.url ? { url: media.url } : {}),
    ...(media.mime_type ? { mimeType: media.mime_type } : {}),
    ...(media.filename ? { name: media.filename } : {}),
    ...(media.caption ? { caption: media.caption } : {}),
    data: compactJson({ mediaId: media.id, sha256: media.sha256, voice: key === 'voice' ? true : media.voice, animated: media.animated }),
  };
}

function describeError(error: WhatsappError): string {
  const details = error.error_data?.details;
  return [error.title ?? error.message ?? 'Unknown error', details].filter(Boolean).join(': ');
}

/** What a message says, as text, attachments and metadata; empty for media without caption and reactions. */
function readContent(message: WhatsappMessage): { text: string; attachments: Attachment[]; metadata: Record<string, JSONValue | undefined> } {
  const attachments: Attachment[] = [];
  const metadata: Record<string, JSONValue | undefined> = {};
  let text = '';
  if (message.type in MEDIA_TYPES) {
    const media = message[message.type as MediaKey];
    if (media) {
      attachments.push(mediaAttachment(message.type as MediaKey, media));
      text = media.caption ?? '';
    }
  }
  switch (message.type) {
    case 'text':
      text = message.text?.body ?? '';
      break;
    case 'location': {
      const location = message.location;
      if (location) {
        const place = [location.name, location.address].filter(Boolean).join(', ');
        text = `📍 ${place ? `${place} ` : ''}(${location.latitude}, ${location.longitude})`;
        attachments.push({ type: 'location', ...(location.url ? { url: location.url } : {}), data: compactJson({ latitude: location.latitude, longitude: location.longitude, name: location.name, address: location.address }) });
        metadata.location = location as JSONObject;
      }
      break;
    }
    case 'contacts':
      for (const contact of message.contacts ?? []) {
        attachments.push({ type: 'contact', ...(contact.name?.formatted_name ? { name: contact.name.formatted_name } : {}), data: contact as JSONObject });
      }
      text = (message.contacts ?? [])
        .map((contact) => [contact.name?.formatted_name, ...(contact.phones ?? []).map((phone) => phone.phone)].filter(Boolean).join(' '))
        .filter(Boolean)
        .join('; ');
      break;
    case 'interactive': {
      const interactive = message.interactive;
      const choice = interactive?.button_reply ?? interactive?.list_reply;
      text = choice?.title ?? interactive?.nfm_reply?.body ?? '';
      metadata.interactive = interactive as JSONObject | undefined;
      break;
    }
    case 'button':
      text = message.button?.text ?? '';
      metadata.button = message.button as JSONObject | undefined;
      break;
    case 'order': {
      const order = message.order;
      const items = order?.product_items?.length ?? 0;
      text = order?.text ?? `Order of ${items} item${items === 1 ? '' : 's'}`;
      metadata.order = order as JSONObject | undefined;
      break;
    }
    case 'system':
      text = message.system?.body ?? '';
      metadata.system = message.system as JSONObject | undefined;
      break;
    default:
      break;
  }
  return { text, attachments, metadata };
}

/** Types the adapter reads fully; anything else is stored with its raw payload and a warning. */
const KNOWN_TYPES = new Set(['text', 'image', 'video', 'audio', 'voice', 'document', 'sticker', 'location', 'contacts', 'interactive', 'button', 'reaction', 'order', 'system']);

/** The thread of a group: its own, apart from every member's 1:1 conversation with the business. */
export function groupThreadId(groupId: string): string {
  return `group:${groupId}`;
}

/**
 * A customer's message → a private `direct_message` (a `reaction` for reactions). A reply-to
 * (`context.id`) and a reaction's target become `parentId`; the thread is the customer's
 * conversation with the business number, or the group's own thread for a group message, where
 * customers talk among themselves (`peer`) unless they answer the business. Extra events: consent
 * for a marketing preference change.
 * @throws Error when the message names no usable sender (the item is rejected).
 */
export function normalizeMessage(message: WhatsappMessage, context: NormalizeContext): { events: ChannelEvent[]; warnings: AdapterWarning[] } {
  const events: ChannelEvent[] = [];
  const { channel } = context;
  const sender = senderOf(message, context);
  const warnings: AdapterWarning[] = [...sender.warnings];
  const author = customerIdentity(channel, sender.id, sender.contact);
  const groupId = message.group_id;
  const businessDigits = context.displayPhoneNumber?.replace(/\D/g, '');
  const answersBusiness = message.context?.from !== undefined && message.context.from.replace(/\D/g, '') === businessDigits;
  const createdAt = metaTime(message.timestamp, context.now);
  const isReaction = message.type === 'reaction' && message.reaction !== undefined;
  const { text, attachments, metadata } = readContent(message);
  const parentId = isReaction ? message.reaction!.message_id : message.context?.id;

  if (message.errors?.length || !KNOWN_TYPES.has(message.type)) {
    warnings.push({
      type: 'unsupported',
      message: `WhatsApp message ${message.id} of type \`${message.type}\` cannot be read${message.errors?.length ? `: ${message.errors.map(describeError).join('; ')}` : ''}; it was stored without content.`,
      details: { id: message.id, type: message.type, ...(message.errors?.[0]?.code !== undefined ? { code: message.errors[0].code } : {}) },
    });
  }

  const interaction: InteractionInput = {
    channel,
    nativeId: message.id,
    kind: isReaction ? 'reaction' : 'direct_message',
    direction: groupId !== undefined && !answersBusiness ? 'peer' : 'inbound',
    visibility: 'private',
    author,
    conversationId: conversationKey(context.phoneNumberId, groupId !== undefined ? groupThreadId(groupId) : sender.id),
    ...(parentId ? { parentId } : {}),
    recipientId: context.phoneNumberId,
    text: isReaction ? '' : text,
    createdAt,
    attachments,
    ...(isReaction && message.reaction!.emoji ? { reaction: message.reaction!.emoji } : {}),
    channelMetadata: {
      [channel]: compactJson({
        type: message.type,
        phoneNumberId: context.phoneNumberId,
        displayPhoneNumber: context.displayPhoneNumber,
        businessAccountId: context.businessAccountId,
        groupId,
        userId: sender.userId,
        parentUserId: sender.parentUserId,
        ...metadata,
        context: message.context as JSONObject | undefined,
        forwarded: message.context?.forwarded || message.context?.frequently_forwarded ? true : undefined,
        referral: message.referral as JSONObject | undefined,
        reactionRemoved: isReaction && !message.reaction!.emoji ? true : undefined,
        errors: message.errors as JSONValue | undefined,
      }),
    },
    raw: message,
  };
  events.push({ type: 'interaction', interaction });

  if (message.type === 'system' && message.system?.type === 'user_preference_changed' && message.system.marketing) {
    const consent = consentEvent(channel, author, message.system.marketing, 'system', createdAt);
    if (consent) events.push(consent);
  }
  return { events, warnings };
}

function consentEvent(channel: string, identity: ChannelIdentityInput, preference: string, via: string, at: string): ChannelEvent | undefined {
  const status = preference === 'stop' ? 'opted-out' : preference === 'resume' ? 'opted-in' : undefined;
  if (!status) return undefined;
  return { type: 'consent', identity: { ...identity, channel, nativeId: identity.nativeId }, status, purpose: 'marketing', source: `${channel}:marketing_messages:${via}`, at };
}

/** `user_preferences[]` (stop or resume marketing messages) → a consent event. */
export function normalizeUserPreference(preference: WhatsappUserPreference, context: NormalizeContext): ChannelEvent | undefined {
  if (preference.category !== undefined && preference.category !== 'marketing_messages') return undefined;
  const identity = customerIdentity(context.channel, preference.wa_id, context.contacts.get(preference.wa_id));
  return consentEvent(context.channel, identity, preference.value, 'user_preferences', metaTime(preference.timestamp, context.now));
}

const DELIVERY_STATUSES = new Set(['sent', 'delivered', 'read', 'failed']);
/** WhatsApp's code for "this recipient has chosen to stop receiving marketing messages". */
export const MARKETING_OPT_OUT_CODE = 131050;

/**
 * A status of a business message → a `delivery-status` event for the outbound interaction; a
 * failure keeps the first error's code and title. A 131050 failure is also a consent event.
 */
/**
 * The conversation a status belongs to and how it is billed, as WhatsApp reports them on `sent`
 * and `delivered` statuses: kept on the message so hosts can count costs per category.
 */
function billingOf(status: WhatsappStatus, now: Date): { channelMetadata?: Record<string, JSONValue> } {
  const facts: Record<string, JSONValue> = {};
  const { conversation, pricing } = status;
  if (conversation) {
    facts.conversation = compactJson({
      id: conversation.id,
      expiresAt: conversation.expiration_timestamp !== undefined ? metaTime(conversation.expiration_timestamp, now, 86_400_000) : undefined,
      origin: conversation.origin?.type,
    });
  }
  if (pricing) facts.pricing = compactJson({ billable: pricing.billable, model: pricing.pricing_model, category: pricing.category, type: typeof pricing.type === 'string' ? pricing.type : undefined });
  return Object.keys(facts).length > 0 ? { channelMetadata: facts } : {};
}

export function normalizeStatus(status: WhatsappStatus, context: NormalizeContext): { events: ChannelEvent[]; warnings: AdapterWarning[] } {
  if (!DELIVERY_STATUSES.has(status.status)) {
    return { events: [], warnings: [{ type: 'ignored', message: `WhatsApp status \`${status.status}\` of ${status.id} is not a delivery state; it was ignored.`, details: { id: status.id, status: status.status } }] };
  }
  const at = metaTime(status.timestamp, context.now);
  const recipient = status.recipient_id ? customerIdentity(context.channel, status.recipient_id, context.contacts.get(status.recipient_id)) : undefined;
  const error = status.errors?.[0];
  const events: ChannelEvent[] = [
    {
      type: 'delivery-status',
      channel: context.channel,
      nativeId: status.id,
      status: status.status as 'sent' | 'delivered' | 'read' | 'failed',
      at,
      ...(recipient ? { recipient: { ...recipient, nativeId: recipient.nativeId } } : {}),
      ...(status.status === 'failed' ? { error: { ...(error?.code !== undefined ? { code: error.code } : {}), message: error ? describeError(error) : 'WhatsApp reported the message as failed without an error.' } } : {}),
      ...billingOf(status, context.now),
      ...(status.biz_opaque_callback_data ? { sentWith: status.biz_opaque_callback_data } : {}),
    },
  ];
  if (status.status === 'failed' && error?.code === MARKETING_OPT_OUT_CODE && recipient) {
    const consent = consentEvent(context.channel, recipient, 'stop', String(MARKETING_OPT_OUT_CODE), at);
    if (consent) events.push(consent);
  }
  return { events, warnings: [] };
}
