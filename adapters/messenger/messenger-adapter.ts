import { z } from 'zod';
import { parseAdapterOptions, type AdapterContext, type ChannelAdapter, type WebhookResult } from 'social-crm/adapter-kit';
import type { OutboundReply } from 'social-crm';
import { readMessagingItems } from '../_shared/meta/messaging-events.js';
import { createGraphApi, metaRateLimitFromResponse } from '../_shared/meta/meta-graph.js';
import { adapterIdSchema, graphOptionsOf, numericIdSchema, webhookCredentialsOf } from '../_shared/meta/adapter-settings.js';
import { metaAppOptionsSchema, type MetaAppOptions } from '../_shared/meta/meta-options.js';
import { addProfiles, createProfileCache, messengerProfileApi } from '../_shared/meta/profiles.js';
import { sendDirectMessage } from '../_shared/meta/send-message.js';
import { sendMessengerMarketingMessage } from './send-message.js';
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
export function messengerAdapter(options: MessengerAdapterOptions): ChannelAdapter {
  const settings = parseAdapterOptions(options?.id ?? ADAPTER_ID, optionsSchema, options);
  const id = settings.id;
  const brandIds = new Set([settings.pageId]);
  const graphOptions = graphOptionsOf(settings);
  const profiles = createProfileCache();

  async function doHandleWebhook(request: Request, context: AdapterContext): Promise<WebhookResult> {
    return receiveMetaWebhook(request, {
      ...webhookCredentialsOf(settings, context),
      object: 'page',
      accountIds: brandIds,
      async readEntry(entry) {
        // Standby items are messages the Page received while another app owned the thread.
        const items = [...(entry.messaging ?? []), ...(entry.standby ?? [])];
        if (!items.length) return emptyOutcome();
        const outcome = readMessagingItems(items, { channel: id, brandIds, now: context.now() });
        if (settings.fetchProfiles) outcome.warnings.push(...(await addProfiles(outcome.events, createGraphApi(context, graphOptions), messengerProfileApi, profiles, context.now().getTime())));
        return outcome;
      },
    });
  }

  async function doSendReply(reply: OutboundReply, context: AdapterContext) {
    return sendDirectMessage(createGraphApi(context, graphOptions), settings.pageId, reply, context.now(), id, undefined, true);
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
    doSendMessage: (message, context) => sendMessengerMarketingMessage(createGraphApi(context, graphOptions), settings.pageId, message, context.now(), id),
  };
}
