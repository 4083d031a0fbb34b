/**
 * Business-initiated messages: the optional `outreach` capability of a channel adapter. Unlike a
 * reply, an outbound message answers nothing: the brand starts it (a campaign), so the platform's
 * rules for promotional messages apply (WhatsApp approved templates outside the 24-hour window,
 * Messenger's marketing-messages token, Telegram only to people who started the bot).
 *
 * The core never calls `doSendMessage` without checking the customer's `marketing` consent first;
 * `social-crm/campaigns` is the caller.
 *
 * @module
 */
import type { ChannelIdentity, Interaction, JSONObject } from './interaction.js';

/** What the core asks an adapter's `doSendMessage` to send. */
export interface OutboundMessage {
  /** The adapter id. */
  channel: string;
  /** Who receives it: the customer's identity on this channel. */
  recipient: ChannelIdentity;
  /** The text (unused when a template defines the content). */
  text: string;
  /** Why the brand writes: promotional messages only, for now. */
  purpose: 'marketing';
  /** Stable per recipient and campaign; adapters that can hand it back on statuses do (WhatsApp `biz_opaque_callback_data`). */
  idempotencyKey: string;
  /** When the recipient last wrote on this channel (ISO-8601): opens the customer-service window where one exists. */
  lastInboundAt?: string;
  /** The conversation the recipient last wrote in, where the network needs it to reach them. */
  conversationId?: string;
  /**
   * The recipient's latest message on this channel: an adapter that serves several brand accounts
   * sends from the account it reached (the number or Page they opted in on).
   */
  lastInbound?: Interaction;
  /**
   * What the network attached to the recipient's consent, for this adapter (the consent record's
   * `channelMetadata[channel]`): Messenger's `notificationMessagesToken`.
   */
  consentMetadata?: JSONObject;
  /** The campaign that sends it, kept on the stored outbound interaction. */
  campaignId?: string;
  /** Per-adapter options, e.g. `{ whatsapp: { template: { name, language, parameters } } }`. */
  channelOptions: Record<string, Record<string, unknown>>;
}
