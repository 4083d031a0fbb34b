import type { Attachment, ChannelIdentityInput, InteractionInput, JSONObject, JSONValue } from 'social-crm';
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
  /** Profile names by WhatsApp id, from `value.contacts[]`. */
  contacts: ReadonlyMap<string, WhatsappContact>;
  now: Date;
}

/** One thread per customer per business phone number. */
export function conversationKey(phoneNumberId: string, waId: string): string {
  return `${phoneNumberId}:${waId}`;
}

/** The customer's identity: WhatsApp id, E.164 phone and profile name. */
export function customerIdentity(channel: string, waId: string, contact: WhatsappContact | undefined): ChannelIdentityInput {
  const name = contact?.profile?.name?.trim();
  return {
    channel,
    nativeId: waId,
    ...(/^\d{6,15}$/.test(waId) ? { phone: `+${waId}` } : {}),
    ...(name ? { displayName: name } : {}),
  };
}

const MEDIA_TYPES = { image: 'image', video: 'video', audio: 'audio', document: 'file', sticker: 'sticker' } as const satisfies Record<string, Attachment['type']>;
type MediaKey = keyof typeof MEDIA_TYPES;

function mediaAttachment(key: MediaKey, media: WhatsappMedia): Attachment {
  return {
    type: MEDIA_TYPES[key],
    ...(media.url ? { url: media.url } : {}),
    ...(media.mime_type ? { mimeType: media.mime_type } : {}),
    ...(media.filename ? { name: media.filename } : {}),
    ...(media.caption ? { caption: media.caption } : {}),
    data: compactJson({ mediaId: media.id, sha256: media.sha256, voice: media.voice, animated: media.animated }),
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
const KNOWN_TYPES = new Set(['text', 'image', 'video', 'audio', 'document', 'sticker', 'location', 'contacts', 'interactive', 'button', 'reaction', 'order', 'system']);

/**
 * A customer's message → a private `direct_message` (a `reaction` for reactions). A reply-to
 * (`context.id`) and a reaction's target become `parentId`; the thread is the customer's
 * conversation with the business number. Extra events: consent for a marketing preference change.
 */
export function normalizeMessage(message: WhatsappMessage, context: NormalizeContext): { events: ChannelEvent[]; warnings: AdapterWarning[] } {
  const events: ChannelEvent[] = [];
  const warnings: AdapterWarning[] = [];
  const { channel } = context;
  const author = customerIdentity(channel, message.from, context.contacts.get(message.from) ?? (context.contacts.size === 1 ? [...context.contacts.values()][0] : undefined));
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
    direction: 'inbound',
    visibility: 'private',
    author,
    conversationId: conversationKey(context.phoneNumberId, message.from),
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
    },
  ];
  if (status.status === 'failed' && error?.code === MARKETING_OPT_OUT_CODE && recipient) {
    const consent = consentEvent(context.channel, recipient, 'stop', String(MARKETING_OPT_OUT_CODE), at);
    if (consent) events.push(consent);
  }
  return { events, warnings: [] };
}
