import * as z from 'zod';
import { parseAdapterOptions, type AdapterContext, type ChannelAdapter, type WebhookResult } from 'social-crm/adapter-kit';
import type { OutboundReply } from 'social-crm';
import { readMessagingItems } from '../_shared/meta/messaging-events.js';
import { createGraphApi, metaRateLimitFromResponse } from '../_shared/meta/meta-graph.js';
import { adapterIdSchema, numericIdSchema, webhookCredentialsOf } from '../_shared/meta/adapter-settings.js';
import { metaAppOptionsSchema, type MetaAppOptions } from '../_shared/meta/meta-options.js';
import { addProfiles, createProfileCache, messengerProfileApi } from '../_shared/meta/profiles.js';
import { sendDirectMessage } from '../_shared/meta/send-message.js';
import { sendMessengerMarketingMessage } from './send-message.js';
import { accountOfInteraction, fixedAccount } from '../_shared/accounts/index.js';
import { createMetaAccounts, graphOptionsFor, metaAccountsAppOptionsSchema, requireAccount, usesAccounts, type MetaAccountsOptions } from '../_shared/meta/accounts.js';
import { emptyOutcome, receiveMetaWebhook } from '../_shared/meta/webhook-intake.js';

const ADAPTER_ID = 'messenger';

/** Options of {@link messengerAdapter}. Secrets are taken only from here; the adapter never reads the environment. */
export interface MessengerAdapterOptions extends MetaAppOptions {
  /** Numeric id of the Facebook Page whose inbox this adapter serves. Messages are sent as this Page. */
  pageId: string;
  /**
   * Look up each new sender's name and picture with the User Profile API
   * (`GET /{psid}?fields=first_name,last_name,profile_pic`), cached for a day. One Graph call per
   * person; a failed look-up is a warning and the message is stored anyway. @default false
   */
  fetchProfiles?: boolean;
  /** Adapter id (webhook path segment and `channel`); give each Page its own. @default 'messenger' */
  id?: string;
}

/**
 * Options of {@link messengerAdapter} serving every Page of the app: each delivery's Page
 * (`entry[].id`) is resolved through `accounts.resolve(pageId)` to its Page token and tenant, and
 * replies go out with the token of the Page the conversation belongs to.
 */
export interface MessengerAccountsOptions extends Omit<MetaAppOptions, 'accessToken'> {
  /** The host's resolver: Page id → `{ credentials: { accessToken }, tenant }`; see docs/guide/accounts.md. */
  accounts: MetaAccountsOptions;
  /** As in {@link MessengerAdapterOptions.fetchProfiles}, with each Page's own token. @default false */
  fetchProfiles?: boolean;
  /** Adapter id (webhook path segment and `channel`). @default 'messenger' */
  id?: string;
}

const accountsOptionsSchema = metaAccountsAppOptionsSchema.extend({ fetchProfiles: z.boolean().default(false), id: adapterIdSchema(ADAPTER_ID) });

const optionsSchema = metaAppOptionsSchema.extend({
  pageId: numericIdSchema('Facebook Page', 'Page → About → Page transparency, or `GET /me?fields=id` with the Page token'),
  fetchProfiles: z.boolean().default(false),
  id: adapterIdSchema(ADAPTER_ID),
});

/**
 * Messenger: the Page inbox. Receives `entry[].messaging[]` webhooks (messages, echoes of the
 * Page's own sends, postbacks, reactions, edits, deliveries) and answers with the Send API inside
 * the 24-hour window, or with the `HUMAN_AGENT` tag up to 7 days when the host asks for it.
 *
 * Feed changes (`changes[]`) that reach the same callback are left to the `facebook` adapter and
 * acknowledged silently.
 *
 * @example
 * const messenger = messengerAdapter({ pageId: '104711112223334', appSecret, verifyToken, accessToken: pageToken });
 * const crm = createSocialCrm({ ledger, adapters: [messenger] });
 * app.all('/webhooks/messenger', (request) => crm.handleWebhook(request));
 */
export function messengerAdapter(options: MessengerAdapterOptions | MessengerAccountsOptions): ChannelAdapter {
  const multi = usesAccounts(options);
  const settings = multi
    ? parseAdapterOptions(options?.id ?? ADAPTER_ID, accountsOptionsSchema, options)
    : parseAdapterOptions(options?.id ?? ADAPTER_ID, optionsSchema, options);
  const id = settings.id;
  const single = 'pageId' in settings ? { pageId: settings.pageId, accessToken: settings.accessToken } : undefined;
  const accounts = 'accounts' in settings ? createMetaAccounts(id, (options as { accounts: MetaAccountsOptions }).accounts) : fixedAccount(single!.pageId, { accessToken: single!.accessToken });
  const graphBase = { adapterId: id, graphVersion: settings.graphVersion, graphBaseUrl: settings.graphBaseUrl };
  const profiles = createProfileCache();

  async function doHandleWebhook(request: Request, context: AdapterContext): Promise<WebhookResult> {
    return receiveMetaWebhook(request, {
      ...webhookCredentialsOf({ ...settings, accessToken: '' }, context),
      object: 'page',
      ...(single ? { accountIds: new Set([single.pageId]) } : { accounts: { directory: accounts, context } }),
      async readEntry(entry, account) {
        // Standby items are messages the Page received while another app owned the thread.
        const items = [...(entry.messaging ?? []), ...(entry.standby ?? [])];
        if (!items.length) return emptyOutcome();
        const outcome = readMessagingItems(items, { channel: id, brandIds: new Set([entry.id]), now: context.now() });
        const credentials = account?.credentials ?? { accessToken: single!.accessToken };
        if (settings.fetchProfiles) outcome.warnings.push(...(await addProfiles(outcome.events, createGraphApi(context, graphOptionsFor(graphBase, credentials)), messengerProfileApi, profiles, context.now().getTime())));
        return outcome;
      },
    });
  }

  async function doSendReply(reply: OutboundReply, context: AdapterContext) {
    const target = reply.inReplyTo;
    const pageId = single?.pageId ?? requireAccount(id, accountOfInteraction(target, target.direction === 'inbound' ? target.recipientId : undefined), target.id);
    return accounts.call(pageId, context, (account) =>
      sendDirectMessage(createGraphApi(context, graphOptionsFor(graphBase, account.credentials)), account.accountId, reply, context.now(), id, undefined, true),
    );
  }

  return {
    specificationVersion: 'v1',
    id,
    displayName: 'Facebook Messenger',
    capabilities: {
      webhook: true,
      poll: false,
      reply: false,
      directMessage: true,
      edits: true,
      deletes: true,
      reactions: true,
      threads: true,
      deliveryReceipts: true,
      outreach: true,
    },
    rateLimitFromResponse: (response) => metaRateLimitFromResponse(response),
    doHandleWebhook,
    doSendReply,
    doSendMessage(message, context) {
      // The Page the person opted in on: the one they last wrote to.
      const last = message.lastInbound;
      const pageId = single?.pageId ?? requireAccount(id, last ? accountOfInteraction(last, last.recipientId) : undefined, `${message.channel}:${message.recipient.nativeId}`);
      return accounts.call(pageId, context, (account) =>
        sendMessengerMarketingMessage(createGraphApi(context, graphOptionsFor(graphBase, account.credentials)), account.accountId, message, context.now(), id),
      );
    },
  };
}
