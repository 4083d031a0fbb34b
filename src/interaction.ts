/**
 * The canonical data model. Every adapter turns its network's payloads into these shapes,
 * every ledger stores them, and every event carries them. Types are inferred from the zod
 * schemas, so the runtime checks and the compile-time types cannot drift apart.
 *
 * @module
 */
import * as z from 'zod';
import { InvalidInteractionError, formatIssues, toValidationIssues } from './errors.js';
import { createFastInteractionReader, type CanonicalEnums } from './_interaction-fast-path.js';
import { DEPARTMENTS, INTENT_LABELS, SENTIMENT_LABELS } from './_labels.js';

/** A JSON value, as kept in `Interaction.channelMetadata` and raw payloads. */
export type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };
/** A JSON object. */
export type JSONObject = { [key: string]: JSONValue };

const isoDateTime = z
  .union([z.string(), z.date(), z.number()])
  .transform((value, context) => {
    const date = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(date.getTime())) {
      context.addIssue({ code: 'custom', message: 'Invalid date-time; expected ISO-8601, epoch milliseconds or a Date.' });
      return z.NEVER;
    }
    return date.toISOString();
  });

const jsonObjectSchema = z.record(z.string(), z.unknown()) as unknown as z.ZodType<JSONObject>;

/** The kinds of interaction the canonical model knows. */
export const INTERACTION_KINDS = [
  'post',
  'comment',
  'reply',
  'mention',
  'direct_message',
  'review',
  'reaction',
  'email',
] as const;
export type InteractionKind = (typeof INTERACTION_KINDS)[number];

/**
 * Who talks to whom:
 * - `inbound`: a customer speaks to the brand;
 * - `outbound`: the brand speaks to a customer;
 * - `peer`: customers speak among themselves about the brand.
 */
export const INTERACTION_DIRECTIONS = ['inbound', 'outbound', 'peer'] as const;
export type InteractionDirection = (typeof INTERACTION_DIRECTIONS)[number];

/** Lifecycle of an interaction on its network. */
export const INTERACTION_STATES = ['active', 'edited', 'deleted'] as const;
export type InteractionState = (typeof INTERACTION_STATES)[number];

/** Delivery state of an outbound interaction, as reported by the network. */
export const DELIVERY_STATUSES = ['pending', 'sent', 'delivered', 'read', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One person's (or the brand's) account on one network. */
export const channelIdentitySchema = z.object({
  /** Adapter id of the network, e.g. `whatsapp`, `x`. */
  channel: z.string().min(1),
  /** The network's own, stable id for the account (page-scoped id, user id, phone number ...). */
  nativeId: z.string().min(1),
  /** Public handle without the leading `@`, where the network has one. */
  handle: z.string().optional(),
  /** Name as shown on the network. */
  displayName: z.string().optional(),
  /** Email address, when the network reveals it. */
  email: z.string().optional(),
  /** Phone number (E.164 where the network gives it so, e.g. WhatsApp). */
  phone: z.string().optional(),
  /** Avatar image URL. */
  avatarUrl: z.string().optional(),
  /** Public profile URL. */
  profileUrl: z.string().optional(),
  /** Followers or subscribers, for reach. */
  followerCount: z.number().int().nonnegative().optional(),
  /** Whether the network marks the account as verified. */
  verified: z.boolean().optional(),
  /** Locale or language the network reports for the account (BCP-47, e.g. `tr-TR`). */
  locale: z.string().optional(),
  /** True for the brand's own account; its posts are `outbound`. @default false */
  isBrand: z.boolean().optional(),
});
export type ChannelIdentity = z.output<typeof channelIdentitySchema>;
export type ChannelIdentityInput = z.input<typeof channelIdentitySchema>;

/** The stable key of a channel identity: `<channel>:<nativeId>`. */
export function identityKey(identity: Pick<ChannelIdentity, 'channel' | 'nativeId'>): string {
  return `${identity.channel}:${identity.nativeId}`;
}

/** The stable id of an interaction: `<channel>:<nativeId>`; the same delivery always maps to the same id. */
export function interactionId(channel: string, nativeId: string): string {
  return `${channel}:${nativeId}`;
}

export const attachmentSchema = z.object({
  type: z.enum(['image', 'video', 'audio', 'file', 'sticker', 'location', 'contact', 'link', 'other']),
  url: z.string().optional(),
  mimeType: z.string().optional(),
  name: z.string().optional(),
  caption: z.string().optional(),
  /** Network-specific details (e.g. coordinates of a location, vCard of a contact). */
  data: jsonObjectSchema.optional(),
});
export type Attachment = z.output<typeof attachmentSchema>;

export const engagementSchema = z.object({
  likes: z.number().int().nonnegative().optional(),
  replies: z.number().int().nonnegative().optional(),
  shares: z.number().int().nonnegative().optional(),
  quotes: z.number().int().nonnegative().optional(),
  views: z.number().int().nonnegative().optional(),
});
export type Engagement = z.output<typeof engagementSchema>;

export { SENTIMENT_LABELS, INTENT_LABELS, DEPARTMENTS, type SentimentLabel, type IntentLabel, type Department } from './_labels.js';

/** What a classifier says about one interaction. */
export const classificationSchema = z.object({
  /** ISO 639-1 code (`en`, `tr`, ...) or `und` when it cannot be told. */
  language: z.string(),
  languageConfidence: z.number().min(0).max(1),
  /** False when the language has no sentiment/intent model (the labels are then neutral, low confidence). */
  languageSupported: z.boolean(),
  sentiment: z.object({
    label: z.enum(SENTIMENT_LABELS),
    /** From -1 (very negative) to 1 (very positive). */
    score: z.number().min(-1).max(1),
    confidence: z.number().min(0).max(1),
  }),
  /** Multi-label intents, most confident first. */
  intents: z.array(z.object({ intent: z.enum(INTENT_LABELS), confidence: z.number().min(0).max(1) })),
  department: z.object({ department: z.enum(DEPARTMENTS), reason: z.string() }),
  /** 0 = can wait, 1 = act now. */
  urgency: z.number().min(0).max(1),
  /** Cues that drove each label, so an agent can trust or correct it. */
  explanation: z.array(z.object({ label: z.string(), cues: z.array(z.string()) })),
  /** Which classifier produced this, e.g. `social-crm/default@1`. */
  model: z.string(),
});
export type Classification = z.output<typeof classificationSchema>;

/**
 * One message, post, comment, reaction or email, on any network, in either direction.
 * Parse adapter or host input with {@link parseInteraction}; it derives `id` and fills defaults.
 */
export const interactionSchema = z.object({
  /** Stable id derived from channel + native id (see {@link interactionId}). Derived when omitted. */
  id: z.string().min(1).optional(),
  /** Adapter id of the network. */
  channel: z.string().min(1),
  /** The network's id for this item. */
  nativeId: z.string().min(1),
  kind: z.enum(INTERACTION_KINDS),
  /** @default 'inbound' */
  direction: z.enum(INTERACTION_DIRECTIONS).default('inbound'),
  /** @default 'public' */
  visibility: z.enum(['public', 'private']).default('public'),
  author: channelIdentitySchema,
  /** Native id of the thread's root; the whole conversation shares it. Defaults to `nativeId`. */
  conversationId: z.string().min(1).optional(),
  /** Native id of the item this one answers, when it is a reply. */
  parentId: z.string().min(1).optional(),
  /** Native id of the account or page the item was addressed to (the brand's account). */
  recipientId: z.string().optional(),
  /** Plain text; empty for reactions and media-only messages, and for deleted items. @default '' */
  text: z.string().default(''),
  /** Language the network reports (the classifier decides its own). */
  language: z.string().optional(),
  createdAt: isoDateTime,
  /** When the SDK received it. Filled by the pipeline. */
  receivedAt: isoDateTime.optional(),
  /** Permalink. */
  url: z.string().optional(),
  metrics: engagementSchema.optional(),
  attachments: z.array(attachmentSchema).default([]),
  /** @default 'active' */
  state: z.enum(INTERACTION_STATES).default('active'),
  editedAt: isoDateTime.optional(),
  deletedAt: isoDateTime.optional(),
  /** For outbound items: what the network last said about delivery. */
  deliveryStatus: z.enum(DELIVERY_STATUSES).optional(),
  /** For reactions: the reaction (emoji or network name like `LIKE`). */
  reaction: z.string().optional(),
  /** Hashtags without `#`, lower-cased. */
  hashtags: z.array(z.string()).optional(),
  /** Handles mentioned, without `@`. */
  mentions: z.array(z.string()).optional(),
  /** The customer this interaction is attributed to. Filled by the pipeline. */
  customerId: z.string().optional(),
  classification: classificationSchema.optional(),
  /** Network-only fields, namespaced by adapter id: `{ whatsapp: { context: ... } }`. */
  channelMetadata: z.record(z.string(), jsonObjectSchema).default({}),
  /** The native payload as received, kept for audit and reprocessing. Dropped on delete. */
  raw: z.unknown().optional(),
});

/** A stored, canonical interaction: `id`, `conversationId` and `receivedAt` are always present. */
export type Interaction = Omit<z.output<typeof interactionSchema>, 'id' | 'conversationId' | 'receivedAt'> & {
  id: string;
  conversationId: string;
  receivedAt: string;
};
/** What adapters and hosts hand in: dates may be Dates or epoch ms; defaults are filled on parse. */
export type InteractionInput = z.input<typeof interactionSchema>;

/** A reply the brand sends. Built by `crm.reply()` and handed to the adapter. */
export const outboundReplySchema = z.object({
  /** Adapter id that sends it. */
  channel: z.string().min(1),
  /** The interaction being answered (as stored). */
  inReplyTo: z.custom<Interaction>((value) => typeof value === 'object' && value !== null),
  /** Who receives it: the identity the customer wrote from, never another of their handles. */
  recipient: channelIdentitySchema,
  text: z.string(),
  attachments: z.array(attachmentSchema).default([]),
  /** `public` answers in the thread; `private` answers by direct message. Defaults to the visibility of `inReplyTo`. */
  visibility: z.enum(['public', 'private']).optional(),
  /** When the customer last wrote to the brand in this conversation (for messaging windows). */
  lastInboundAt: z.string().optional(),
  /**
   * Private replies the brand already sent to `inReplyTo`, counted from the ledger (so every
   * process sees them): networks that allow one private reply per comment refuse a second.
   */
  privateRepliesSent: z.number().int().nonnegative().optional(),
  /** Per-call options for one adapter: `{ whatsapp: { template: {...} } }`. Parsed only by that adapter. */
  channelOptions: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  /** Stable key; adapters that support idempotent sends pass it on. */
  idempotencyKey: z.string().min(1),
});
export type OutboundReply = z.output<typeof outboundReplySchema>;

/** A person the CRM knows, with one or more channel identities. */
export const customerSchema = z.object({
  id: z.string().min(1),
  displayName: z.string().optional(),
  /** Keys of the channel identities that belong to this customer (see {@link identityKey}). */
  identityKeys: z.array(z.string()),
  /** The host CRM's own contact id, when linked. */
  crmContactId: z.string().optional(),
  /** Free attributes the host or the SDK's insights keep (segments, scores). */
  attributes: z.record(z.string(), z.unknown()).default({}),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
  /** Set when this customer was merged into another; the survivor's id. */
  mergedInto: z.string().optional(),
});
export type Customer = z.output<typeof customerSchema>;

/** Schema outputs {@link validateInteraction} returned: valid as they are, not checked again. */
const validated = new WeakSet<object>();

type InteractionOutput = z.output<typeof interactionSchema>;
let fastReader: ((input: unknown) => Record<string, unknown> | undefined) | undefined;

/** The model's enumerations, as the fast reader takes them. @internal */
export function canonicalEnums(): CanonicalEnums {
  return {
    kinds: INTERACTION_KINDS,
    directions: INTERACTION_DIRECTIONS,
    visibilities: interactionSchema.shape.visibility.unwrap().options,
    states: INTERACTION_STATES,
    deliveryStatuses: DELIVERY_STATUSES,
    attachmentTypes: attachmentSchema.shape.type.options,
  };
}

/**
 * `interactionSchema.safeParse(input)`: the common shapes through a hand-written reader that
 * returns the same output, everything else (and every error) through zod.
 */
function safeParseInteraction(input: unknown): ReturnType<typeof interactionSchema.safeParse> {
  fastReader ??= createFastInteractionReader(canonicalEnums());
  const data = fastReader(input) as InteractionOutput | undefined;
  return data ? { success: true, data } : interactionSchema.safeParse(input);
}

/**
 * Checks an adapter's candidate against {@link interactionSchema}, as `safeParse` does. On
 * success, `data` is the input with defaults filled and unknown keys dropped, and the core does not
 * validate that object again when it arrives in an `interaction` event: emit `data` itself, and do
 * not change it afterwards (a changed copy is an ordinary input and is validated again).
 * @example
 * const parsed = validateInteraction({ ...candidate, raw: item });
 * if (parsed.success) events.push({ type: 'interaction', interaction: parsed.data });
 * else rejected.push({ payload: item, error: new Error(parsed.error.message) });
 */
export function validateInteraction(input: unknown): ReturnType<typeof interactionSchema.safeParse> {
  const result = safeParseInteraction(input);
  if (result.success) validated.add(result.data);
  return result;
}

/**
 * Validates an interaction from an adapter or host code and returns it canonical: `id` derived
 * from channel + native id, `conversationId` as `<channel>:<root native id>`, `receivedAt` filled,
 * brand authors made `outbound`, defaults applied.
 * @throws InvalidInteractionError listing every offending path.
 * @example const interaction = parseInteraction({ channel: 'forum', nativeId: '42', kind: 'post', author: { channel: 'forum', nativeId: 'u1' }, text: 'Merhaba', createdAt: new Date() });
 */
export function parseInteraction(input: InteractionInput, options: { now?: () => Date } = {}): Interaction {
  return canonicalInteraction(input, () => (options.now?.() ?? new Date()).toISOString());
}

/**
 * {@link parseInteraction} with the receiving time given as text (read only when the input has
 * none): the pipeline stamps a whole batch with one. @internal
 */
export function canonicalInteraction(input: InteractionInput, receivedAt: () => string): Interaction {
  let value: InteractionOutput;
  if (validated.has(input)) value = input as InteractionOutput;
  else {
    const result = safeParseInteraction(input);
    if (!result.success) {
      const issues = toValidationIssues(result.error.issues);
      throw new InvalidInteractionError(`The interaction is invalid:\n${formatIssues(issues)}`, issues);
    }
    value = result.data;
  }
  const { channel } = value;
  const root = value.conversationId ?? value.nativeId;
  // `<channel>:` already in front: the root is an interaction id.
  const qualified = root.length > channel.length && root.charCodeAt(channel.length) === 58 && root.startsWith(channel);
  return {
    ...value,
    id: interactionId(channel, value.nativeId),
    conversationId: qualified ? root : interactionId(channel, root),
    receivedAt: value.receivedAt ?? receivedAt(),
    direction: value.author.isBrand ? 'outbound' : value.direction,
  };
}
