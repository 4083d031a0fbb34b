import * as z from 'zod';
import {
  parseAdapterOptions,
  type AdapterContext,
  type AdapterWarning,
  type ChannelAdapter,
  type ChannelEvent,
  type OutboundMessage,
  type RejectedItem,
  type WebhookResult,
} from 'social-crm/adapter-kit';
import { describeIssues, metaAppOptionsSchema, metaRateLimitFromResponse, type MetaAppOptions, type MetaChange, type MetaEntry } from '../_shared/meta/index.js';
import { emptyOutcome, receiveMetaWebhook, type EntryOutcome } from '../_shared/meta/webhook-intake.js';
import { accountOfInteraction, fixedAccount, resolveForDelivery, tagWithAccount, type AccountDirectory } from '../_shared/accounts/index.js';
import { createMetaAccounts, metaAccountsAppOptionsSchema, requireAccount, usesAccounts, type MetaAccountCredentials, type MetaAccountsOptions } from '../_shared/meta/accounts.js';
import { normalizeMessage, normalizeStatus, normalizeUserPreference, type NormalizeContext } from './normalize.js';
import { fetchWhatsappMedia } from './fetch-media.js';
import { sendWhatsappReply } from './send-reply.js';
import { sendWhatsappMessage } from './send-message.js';
import {
  whatsappContactSchema,
  whatsappMessageSchema,
  whatsappStatusSchema,
  whatsappUserPreferenceSchema,
  whatsappValueSchema,
  type WhatsappContact,
} from './whatsapp-schemas.js';

const ADAPTER_ID = 'whatsapp';

/** WhatsApp notifications can be up to 3 MB. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Options of {@link whatsappAdapter}. Secrets are taken only from here; the adapter never reads the environment. */
export interface WhatsappAdapterOptions extends MetaAppOptions {
  /** The business phone number's id (WhatsApp Manager → API Setup), not the phone number itself. */
  phoneNumberId: string;
  /**
   * The WhatsApp Business Account id. When given, notifications of other accounts are acknowledged
   * and ignored; the phone number id alone already keeps other numbers out.
   */
  businessAccountId?: string;
  /** Mark the customer's message as read (blue ticks) whenever the brand replies to it. @default false */
  markAsReadOnReply?: boolean;
  /** Adapter id (webhook path segment and `channel`); give each business number its own. @default 'whatsapp' */
  id?: string;
}

const numericId = (what: string) => z.string().regex(/^\d+$/, `Use the numeric ${what} from WhatsApp Manager (API Setup).`);

/**
 * Options of {@link whatsappAdapter} serving every number of the app: each notification's number
 * (`metadata.phone_number_id`) is resolved through `accounts.resolve(phoneNumberId)` to its token and
 * tenant, and replies go out from the number the conversation belongs to.
 */
export interface WhatsappAccountsOptions extends Omit<MetaAppOptions, 'accessToken'> {
  /** The host's resolver: phone number id → `{ credentials: { accessToken }, tenant }`; see docs/guide/accounts.md. */
  accounts: MetaAccountsOptions;
  /** @default false */
  markAsReadOnReply?: boolean;
  /** Adapter id (webhook path segment and `channel`). @default 'whatsapp' */
  id?: string;
}

const accountsOptionsSchema = metaAccountsAppOptionsSchema.extend({
  markAsReadOnReply: z.boolean().default(false),
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'Use lower-kebab-case.').default(ADAPTER_ID),
});

const optionsSchema = metaAppOptionsSchema.extend({
  phoneNumberId: numericId('phone number id'),
  businessAccountId: numericId('WhatsApp Business Account id').optional(),
  markAsReadOnReply: z.boolean().default(false),
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'Use lower-kebab-case.').default(ADAPTER_ID),
});
type Settings = z.output<typeof optionsSchema>;

/** `value.field`s of a WhatsApp Business Account the CRM does not store. */
const IGNORED_FIELDS_NOTE = 'is not stored by the CRM (subscribe only to `messages` and `user_preferences` to avoid these deliveries)';

/**
 * The WhatsApp Cloud API channel: receives the `messages` webhook (every message type, statuses
 * of the brand's messages) and `user_preferences`, and answers customers through
 * `POST /{phone-number-id}/messages`, with templates outside the 24-hour window.
 *
 * @example
 * const whatsapp = whatsappAdapter({
 *   appSecret: secrets.META_APP_SECRET,
 *   verifyToken: secrets.META_VERIFY_TOKEN,
 *   accessToken: secrets.WHATSAPP_SYSTEM_USER_TOKEN,
 *   phoneNumberId: '106540352242922',
 *   businessAccountId: '102290129340398',
 * });
 * const crm = createSocialCrm({ ledger, adapters: [whatsapp] });
 * app.all('/webhooks/whatsapp', (request) => crm.handleWebhook(request)); // GET handshake and POST
 */
export function whatsappAdapter(options: WhatsappAdapterOptions | WhatsappAccountsOptions): ChannelAdapter {
  const settings: Settings | z.output<typeof accountsOptionsSchema> = usesAccounts(options)
    ? parseAdapterOptions(options?.id ?? ADAPTER_ID, accountsOptionsSchema, options)
    : parseAdapterOptions(options?.id ?? ADAPTER_ID, optionsSchema, options);
  const id = settings.id;
  const single = 'phoneNumberId' in settings ? settings : undefined;
  const accounts: AccountDirectory<MetaAccountCredentials> =
    'accounts' in settings ? createMetaAccounts(id, (options as { accounts: MetaAccountsOptions }).accounts) : fixedAccount(single!.phoneNumberId, { accessToken: single!.accessToken });

  /** Runs `read` on each schema-valid item of a `value` array; the others are rejected. */
  function eachItem<Item>(items: unknown[] | undefined, schema: z.ZodType<Item>, key: string, rejected: RejectedItem[], read: (item: Item) => void) {
    for (const raw of items ?? []) {
      const parsed = schema.safeParse(raw);
      if (parsed.success) read(parsed.data);
      else rejected.push({ payload: raw, error: new Error(`[${id}] value.${key}[] item could not be read: ${describeIssues(parsed.error)}`) });
    }
  }

  async function readChange(change: MetaChange, businessAccountId: string, adapterContext: AdapterContext, result: EntryOutcome) {
    const now = adapterContext.now();
    if (change.field !== 'messages' && change.field !== 'user_preferences') {
      result.warnings.push({ type: 'ignored', message: `WhatsApp \`${change.field}\` notification ${IGNORED_FIELDS_NOTE}.`, details: { field: change.field } });
      return;
    }
    const value = whatsappValueSchema.safeParse(change.value);
    if (!value.success) {
      result.rejected.push({ payload: change, error: new Error(`[${id}] A \`${change.field}\` change has no readable value: ${describeIssues(value.error)}`) });
      return;
    }
    const { metadata } = value.data;
    if (single && metadata.phone_number_id !== single.phoneNumberId) {
      result.warnings.push({
        type: 'ignored',
        message: `A notification for phone number id ${metadata.phone_number_id} reached the ${id} adapter, which serves ${single.phoneNumberId}; it was acknowledged and ignored. Register one adapter (with its own \`id\`) per number, or pass \`accounts\`.`,
        details: { phoneNumberId: metadata.phone_number_id },
      });
      return;
    }
    if (!single) {
      const resolved = await resolveForDelivery(accounts, metadata.phone_number_id, change, adapterContext);
      if ('rejected' in resolved) {
        result.rejected.push(resolved.rejected);
        return;
      }
      const part = emptyOutcome();
      readValue(value.data, businessAccountId, now, part);
      tagWithAccount(part, id, resolved.account);
      result.events.push(...part.events);
      result.rejected.push(...part.rejected);
      result.warnings.push(...part.warnings);
      return;
    }
    readValue(value.data, businessAccountId, now, result);
  }

  function readValue(data: z.output<typeof whatsappValueSchema>, businessAccountId: string, now: Date, result: EntryOutcome) {
    const { metadata } = data;
    const value = { data };
    const contacts = new Map<string, WhatsappContact>();
    for (const candidate of value.data.contacts ?? []) {
      const contact = whatsappContactSchema.safeParse(candidate);
      if (!contact.success) continue;
      for (const key of [contact.data.wa_id, contact.data.user_id]) if (key) contacts.set(key, contact.data);
    }
    const context: NormalizeContext = { channel: id, phoneNumberId: metadata.phone_number_id, displayPhoneNumber: metadata.display_phone_number, businessAccountId, contacts, now };
    const collect = (outcome: { events: ChannelEvent[]; warnings: AdapterWarning[] }) => {
      result.events.push(...outcome.events);
      result.warnings.push(...outcome.warnings);
    };
    eachItem(value.data.messages, whatsappMessageSchema, 'messages', result.rejected, (message) => {
      try {
        collect(normalizeMessage(message, context));
      } catch (error) {
        result.rejected.push({ payload: message, error: new Error(`[${id}] ${(error as Error).message}`) });
      }
    });
    eachItem(value.data.statuses, whatsappStatusSchema, 'statuses', result.rejected, (status) => collect(normalizeStatus(status, context)));
    eachItem(value.data.user_preferences, whatsappUserPreferenceSchema, 'user_preferences', result.rejected, (preference) => {
      const event = normalizeUserPreference(preference, context);
      if (event) result.events.push(event);
      else result.warnings.push({ type: 'ignored', message: `A user preference \`${preference.category}\`=\`${preference.value}\` was ignored.`, details: { waId: preference.wa_id } });
    });
    for (const error of value.data.errors ?? []) {
      result.warnings.push({ type: 'other', message: `WhatsApp reported an error for ${metadata.phone_number_id}: ${JSON.stringify(error)}`, details: { phoneNumberId: metadata.phone_number_id } });
    }
  }

  async function readEntry(entry: MetaEntry, context: AdapterContext): Promise<EntryOutcome> {
    const outcome = emptyOutcome();
    for (const change of entry.changes ?? []) await readChange(change, entry.id, context, outcome);
    return outcome;
  }

  /** The number a stored message was received on (or sent from). */
  function numberOf(interaction: Parameters<typeof accountOfInteraction>[0] & { id: string }): string {
    const metadata = interaction.channelMetadata?.[id] as { phoneNumberId?: unknown } | undefined;
    return single?.phoneNumberId ?? requireAccount(id, accountOfInteraction(interaction, typeof metadata?.phoneNumberId === 'string' ? metadata.phoneNumberId : undefined), interaction.id);
  }

  /** The number a business-initiated message goes out from: the one asked for, else the one the customer last wrote to. */
  function senderOf(message: OutboundMessage): string | undefined {
    const asked = message.channelOptions[id]?.phoneNumberId;
    if (typeof asked === 'string' && asked) return asked;
    return message.lastInbound ? numberOf(message.lastInbound) : undefined;
  }

  function doHandleWebhook(request: Request, context: AdapterContext): Promise<WebhookResult> {
    return receiveMetaWebhook(request, {
      adapterId: id,
      appSecret: settings.appSecret,
      verifyToken: settings.verifyToken,
      verifySignature: settings.verifySignature && !context.verifiedBefore,
      maxBodyBytes: MAX_BODY_BYTES,
      object: 'whatsapp_business_account',
      ...(single?.businessAccountId ? { accountIds: new Set([single.businessAccountId]) } : {}),
      readEntry: (entry) => readEntry(entry, context),
    });
  }

  return {
    specificationVersion: 'v1',
    id,
    displayName: 'WhatsApp Cloud API',
    capabilities: {
      webhook: true,
      poll: false,
      reply: false,
      directMessage: true,
      edits: false,
      deletes: false,
      reactions: true,
      threads: false,
      deliveryReceipts: true,
      outreach: true,
    },
    maxBodyBytes: MAX_BODY_BYTES,
    rateLimitFromResponse: (response) => metaRateLimitFromResponse(response),
    doHandleWebhook,
    doSendReply: (reply, context) =>
      accounts.call(numberOf(reply.inReplyTo), context, (account) =>
        sendWhatsappReply(reply, context, { ...settings, adapterId: id, phoneNumberId: account.accountId, accessToken: account.credentials.accessToken }),
      ),
    doFetchAttachment: (request, context) =>
      accounts.call(numberOf(request.interaction), context, (account) =>
        fetchWhatsappMedia(request, context, { ...settings, adapterId: id, phoneNumberId: account.accountId, accessToken: account.credentials.accessToken }),
      ),
    doSendMessage: (message, context) => {
      const number = single?.phoneNumberId ?? requireAccount(id, senderOf(message), `${message.channel}:${message.recipient.nativeId}`);
      return accounts.call(number, context, (account) =>
        sendWhatsappMessage(message, context, { ...settings, adapterId: id, phoneNumberId: account.accountId, accessToken: account.credentials.accessToken }),
      );
    },
  };
}
