import * as z from 'zod';

/*
 * Minimal schemas of the WhatsApp Cloud API payloads the adapter reads. Only the fields it uses
 * are declared; every object is loose, so unknown and future fields pass through untouched.
 * Field names follow developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/.
 */

/** Unix seconds, sent as a string (messages, statuses) or a number (user_preferences). */
const unixSeconds = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]);

/** Media of image, video, audio, voice, document and sticker messages. */
export const whatsappMediaSchema = z.looseObject({
  id: z.string().optional(),
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  /** Documents only. */
  filename: z.string().optional(),
  /** Audio: true for a voice note. */
  voice: z.boolean().optional(),
  /** Stickers: true when animated. */
  animated: z.boolean().optional(),
  /** Some deliveries carry a short-lived download URL. */
  url: z.string().optional(),
});
export type WhatsappMedia = z.output<typeof whatsappMediaSchema>;

export const whatsappErrorSchema = z.looseObject({
  code: z.coerce.number().optional(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
  href: z.string().optional(),
});
export type WhatsappError = z.output<typeof whatsappErrorSchema>;

/** One item of `value.messages[]`. The type-specific object sits under the key named by `type`. */
export const whatsappMessageSchema = z.looseObject({
  /**
   * The customer's WhatsApp id: phone number digits without `+`, or a business-scoped user id.
   * Absent when the customer has a username and WhatsApp withholds the number: `from_user_id` names them.
   */
  from: z.string().min(1).optional(),
  /** The customer's business-scoped user id (BSUID, `US.13491208655302741918`). */
  from_user_id: z.string().min(1).optional(),
  /** The parent BSUID shared across a managed business's portfolios (`US.ENT.…`). */
  from_parent_user_id: z.string().min(1).optional(),
  /** Set on messages in a group the business takes part in (Groups API). */
  group_id: z.string().min(1).optional(),
  /** The `wamid.` id; Meta redelivers with the same id. */
  id: z.string().min(1),
  timestamp: unixSeconds,
  type: z.string().min(1),
  /** Reply-to (`id`, `from`), forwarding flags, or the product a customer asked about. */
  context: z
    .looseObject({
      from: z.string().optional(),
      id: z.string().optional(),
      forwarded: z.boolean().optional(),
      frequently_forwarded: z.boolean().optional(),
      referred_product: z.looseObject({ catalog_id: z.string().optional(), product_retailer_id: z.string().optional() }).optional(),
    })
    .optional(),
  text: z.looseObject({ body: z.string() }).optional(),
  image: whatsappMediaSchema.optional(),
  video: whatsappMediaSchema.optional(),
  audio: whatsappMediaSchema.optional(),
  /** A voice note in the On-Premises shape (`type: "voice"`); the Cloud API sends `audio` with `voice: true`. */
  voice: whatsappMediaSchema.optional(),
  document: whatsappMediaSchema.optional(),
  sticker: whatsappMediaSchema.optional(),
  location: z
    .looseObject({ latitude: z.number(), longitude: z.number(), name: z.string().optional(), address: z.string().optional(), url: z.string().optional() })
    .optional(),
  contacts: z.array(z.looseObject({
    name: z.looseObject({ formatted_name: z.string().optional(), first_name: z.string().optional(), last_name: z.string().optional() }).optional(),
    phones: z.array(z.looseObject({ phone: z.string().optional(), wa_id: z.string().optional(), type: z.string().optional() })).optional(),
  })).optional(),
  interactive: z
    .looseObject({
      type: z.string(),
      button_reply: z.looseObject({ id: z.string(), title: z.string() }).optional(),
      list_reply: z.looseObject({ id: z.string(), title: z.string(), description: z.string().optional() }).optional(),
      nfm_reply: z.looseObject({ name: z.string().optional(), body: z.string().optional(), response_json: z.string().optional() }).optional(),
    })
    .optional(),
  /** A quick-reply button of a template. */
  button: z.looseObject({ payload: z.string().optional(), text: z.string().optional() }).optional(),
  /** `emoji` is omitted when the customer removes a reaction. */
  reaction: z.looseObject({ message_id: z.string(), emoji: z.string().optional() }).optional(),
  order: z
    .looseObject({
      catalog_id: z.string().optional(),
      text: z.string().optional(),
      product_items: z.array(z.looseObject({ product_retailer_id: z.string().optional(), quantity: z.coerce.number().optional(), item_price: z.coerce.number().optional(), currency: z.string().optional() })).optional(),
    })
    .optional(),
  system: z.looseObject({ body: z.string().optional(), type: z.string().optional(), wa_id: z.string().optional(), new_wa_id: z.string().optional(), marketing: z.string().optional() }).optional(),
  /** Click-to-WhatsApp ads: the ad the customer came from. */
  referral: z.looseObject({ source_url: z.string().optional(), source_id: z.string().optional(), source_type: z.string().optional(), ctwa_clid: z.string().optional() }).optional(),
  errors: z.array(whatsappErrorSchema).optional(),
}).refine((message) => message.from !== undefined || message.from_user_id !== undefined, {
  message: 'A message needs `from` or `from_user_id` to name its sender.',
  path: ['from'],
});
export type WhatsappMessage = z.output<typeof whatsappMessageSchema>;

/** One item of `value.statuses[]`: what happened to a message the business sent. */
export const whatsappStatusSchema = z.looseObject({
  /** The `wamid.` of the business's message. */
  id: z.string().min(1),
  status: z.string().min(1),
  timestamp: unixSeconds,
  recipient_id: z.string().optional(),
  conversation: z.looseObject({ id: z.string().optional(), expiration_timestamp: unixSeconds.optional(), origin: z.looseObject({ type: z.string().optional() }).optional() }).optional(),
  pricing: z.looseObject({ billable: z.boolean().optional(), pricing_model: z.string().optional(), category: z.string().optional() }).optional(),
  errors: z.array(whatsappErrorSchema).optional(),
  /** What the send put in `biz_opaque_callback_data`: the reply's idempotency key. */
  biz_opaque_callback_data: z.string().optional(),
});
export type WhatsappStatus = z.output<typeof whatsappStatusSchema>;

/** `value.contacts[]`: the customer's profile name, username, WhatsApp id and business-scoped user ids. */
export const whatsappContactSchema = z.looseObject({
  wa_id: z.string().optional(),
  /** Business-scoped user id (BSUID). */
  user_id: z.string().optional(),
  /** Parent BSUID, for managed businesses. */
  parent_user_id: z.string().optional(),
  profile: z.looseObject({ name: z.string().optional(), username: z.string().optional() }).optional(),
});
export type WhatsappContact = z.output<typeof whatsappContactSchema>;

/** `value.user_preferences[]`: the customer stopped or resumed marketing messages. */
export const whatsappUserPreferenceSchema = z.looseObject({
  wa_id: z.string().min(1),
  category: z.string().optional(),
  value: z.string(),
  detail: z.string().optional(),
  timestamp: unixSeconds.optional(),
});
export type WhatsappUserPreference = z.output<typeof whatsappUserPreferenceSchema>;

/** The `value` of a `messages` (or `user_preferences`) change. Arrays are read item by item. */
export const whatsappValueSchema = z.looseObject({
  messaging_product: z.string().optional(),
  metadata: z.looseObject({ display_phone_number: z.string().optional(), phone_number_id: z.string().min(1) }),
  contacts: z.array(z.unknown()).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
  user_preferences: z.array(z.unknown()).optional(),
  errors: z.array(z.unknown()).optional(),
});
export type WhatsappValue = z.output<typeof whatsappValueSchema>;

/** The answer to `POST /{phone-number-id}/messages`. */
export const whatsappSendResponseSchema = z.looseObject({
  messaging_product: z.string().optional(),
  contacts: z.array(z.looseObject({ input: z.string().optional(), wa_id: z.string().optional() })).optional(),
  messages: z.array(z.looseObject({ id: z.string().min(1), message_status: z.string().optional() })).min(1),
});
