/**
 * Conversation keys that name no one. A one-to-one conversation is naturally keyed by the two
 * parties (a WhatsApp business number and the customer's phone, a Page and a PSID, two X user ids);
 * stored in clear, that key would carry the customer's phone number or handle into every
 * `conversationId`, queue subject, outbox ordering key and log line, and survive erasure.
 *
 * {@link privateConversationKey} turns those parts into an opaque, stable key instead: the same
 * parties always give the same key, so a customer's messages keep landing in one thread.
 *
 * It is a pseudonym, not encryption: whoever already holds a phone number can compute its key (that
 * is what keeps threading stable without a secret every process must share). `eraseCustomer`
 * therefore replaces the key of an erased person's private conversations with a random one, after
 * which nothing links the stored rows to the number.
 *
 * @module
 */
import { sha256Hex } from './_sha256.js';

/** Prefix of every key {@link privateConversationKey} makes. */
export const PRIVATE_CONVERSATION_PREFIX = 'pc-';

/** What the hash covers besides the parts: changing it would split every stored thread. */
const DOMAIN = 'social-crm/conversation';

/**
 * The conversation key of a private (one-to-one) conversation between the given parties, e.g.
 * `privateConversationKey(phoneNumberId, waId)`: `pc-` and 32 hex digits (128 bits of SHA-256).
 * Pass the parts in a fixed order (the brand's account first). Adapters return it as
 * `conversationId`; the pipeline prefixes the channel as for any other conversation id.
 *
 * @example privateConversationKey('106540352242922', '905551112233') // 'pc-…'
 */
export function privateConversationKey(...parts: [string, ...string[]]): string {
  return `${PRIVATE_CONVERSATION_PREFIX}${sha256Hex([DOMAIN, parts.join(':')].join('\u001f')).slice(0, 32)}`;
}

/**
 * Shape of the private conversation ids adapters stored before {@link privateConversationKey}
 * (`<channel>:<digits>:<digits>` for WhatsApp, `<channel>:<digits>-<digits>` for Messenger,
 * Instagram and X direct messages).
 */
const LEGACY_PRIVATE_ROOT = /^(\d+)([:-])(\d+)$/;

/**
 * The current id of a private conversation stored under the old, readable key
 * (`whatsapp:<phone-number-id>:<phone>` → `whatsapp:pc-…`), or `null` when `conversationId` is
 * not such a key. For hosts whose own tables (or their own ledger) keep conversation ids: apply it
 * to rows whose conversation holds only private messages. The PostgreSQL ledger's migration 5 applies
 * the same rule; `memoryLedger()` keeps nothing across restarts, so it has nothing to migrate.
 */
export function migrateConversationId(channel: string, conversationId: string): string | null {
  if (!conversationId.startsWith(`${channel}:`)) return null;
  const match = LEGACY_PRIVATE_ROOT.exec(conversationId.slice(channel.length + 1));
  if (!match) return null;
  // WhatsApp keyed `<phone-number-id>:<wa-id>`; Meta and X keyed `<first>-<second>`, hashed as one part.
  const key = match[2] === ':' ? privateConversationKey(match[1]!, match[3]!) : privateConversationKey(`${match[1]}-${match[3]}`);
  return `${channel}:${key}`;
}
