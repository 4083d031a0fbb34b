import { createSocialCrm, memoryLedger, type InteractionLedger, type SocialCrm, type SocialCrmOptions } from 'social-crm';
import { messengerAdapter } from 'social-crm/adapters/messenger';
import { telegramAdapter } from 'social-crm/adapters/telegram';
import { whatsappAdapter } from 'social-crm/adapters/whatsapp';

// Endpoints and payloads follow the networks' documentation (field names verbatim, values invented):
// WhatsApp Cloud API `POST /{phone-number-id}/messages` (template messages), Messenger Send API with
// `recipient.notification_messages_token` (Marketing Messages), Telegram Bot API `sendMessage`.
export const PHONE_NUMBER_ID = '106540352242922';
export const PAGE_ID = '104711112223334';
export const GRAPH = 'https://graph.facebook.com/v23.0';
export const WA_MESSAGES = `${GRAPH}/${PHONE_NUMBER_ID}/messages`;
export const PAGE_MESSAGES = `${GRAPH}/${PAGE_ID}/messages`;
export const BOT_TOKEN = '7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
export const TELEGRAM_SEND = `https://api.telegram.org/bot${BOT_TOKEN}/sendMessage`;

export function adapters() {
  const meta = { appSecret: 'app-secret-campaigns', verifyToken: 'verify-campaigns', accessToken: 'EAAJ-campaign-token' };
  return [
    whatsappAdapter({ ...meta, phoneNumberId: PHONE_NUMBER_ID }),
    messengerAdapter({ ...meta, pageId: PAGE_ID }),
    telegramAdapter({ botToken: BOT_TOKEN, secretToken: 'telegram-secret-campaigns' }),
  ];
}

export function makeCrm(ledger: InteractionLedger = memoryLedger(), extra: Partial<SocialCrmOptions> = {}): SocialCrm {
  return createSocialCrm({ ledger, adapters: adapters(), classifier: false, outbox: { dispatch: 'manual' }, http: { retries: 0, backoffBaseMs: 1 }, ...extra } as SocialCrmOptions);
}

/** A WhatsApp send answer as documented: `{ messaging_product, contacts: [{ input, wa_id }], messages: [{ id }] }`. */
export function whatsappSent(to: string, counter: number) {
  return { messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: to }], messages: [{ id: `wamid.CAMPAIGN${String(counter).padStart(4, '0')}`, message_status: 'accepted' }] };
}

/** Stores an inbound message from a customer (so the ledger knows them and their channel). */
export async function customerWrote(crm: SocialCrm, channel: string, nativeId: string, text: string, at: Date, name = 'Ayşe', channelMetadata?: Record<string, Record<string, string>>): Promise<string> {
  const nativeMessageId = `${channel}-in-${nativeId}-${at.getTime()}`;
  await crm.ingest({ channel, nativeId: nativeMessageId, kind: 'direct_message', visibility: 'private', direction: 'inbound', author: { channel, nativeId, displayName: name }, text, createdAt: at.toISOString(), ...(channelMetadata ? { channelMetadata } : {}) });
  const stored = await crm.ledger.getInteraction(`${channel}:${nativeMessageId}`);
  return stored!.customerId!;
}
