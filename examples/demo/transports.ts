/**
 * Turns demo scenes into the signed webhook requests each network would send, and builds the
 * adapters that receive them: Meta's Graph webhooks (Facebook Page feed, Messenger, Instagram,
 * WhatsApp Cloud API) signed with `X-Hub-Signature-256`, X Account Activity deliveries signed
 * with the consumer secret. A network without an adapter of its own is replayed through the
 * canonical JSON webhook adapter registered under the network's id.
 */
import type { ChannelAdapter } from 'social-crm';
import { hmac, toHex } from 'social-crm/adapter-kit';
import { canonicalWebhookAdapter, CANONICAL_SIGNATURE_HEADER, CANONICAL_TIMESTAMP_HEADER } from 'social-crm/adapters/canonical';
import { facebookAdapter } from 'social-crm/adapters/facebook';
import { instagramAdapter } from 'social-crm/adapters/instagram';
import { messengerAdapter } from 'social-crm/adapters/messenger';
import { whatsappAdapter } from 'social-crm/adapters/whatsapp';
import { xAdapter, X_SIGNATURE_HEADER } from 'social-crm/adapters/x';
import { toBase64 } from 'social-crm/adapter-kit';
import { BRAND, type Scene } from './stream.js';

const SECRET = 'demo-secret-not-for-production';

export interface Transport {
  adapter: ChannelAdapter;
  request(scene: Scene, now: Date): Promise<Request>;
}

function canonicalTransport(network: string): Transport {
  return {
    adapter: canonicalWebhookAdapter({ secret: SECRET, id: network }),
    async request(scene, now) {
      const body = JSON.stringify({
        events: [
          {
            nativeId: scene.nativeId,
            kind: scene.kind,
            visibility: scene.visibility,
            author: { channel: network, ...scene.author },
            text: scene.text,
            createdAt: scene.createdAt,
            ...(scene.parentId ? { parentId: scene.parentId } : {}),
            ...(scene.conversationId ? { conversationId: scene.conversationId } : {}),
          },
        ],
      });
      const timestamp = Math.floor(now.getTime() / 1000);
      const signature = toHex(await hmac('SHA-256', SECRET, `${timestamp}.${body}`));
      return new Request(`https://crm.example.test/webhooks/${network}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CANONICAL_SIGNATURE_HEADER]: signature, [CANONICAL_TIMESTAMP_HEADER]: String(timestamp) },
        body,
      });
    },
  };
}

const X_CONSUMER_SECRET = 'demo-consumer-secret';

/** `created_at` as X's v1.1 objects write it: `Tue Feb 17 09:20:00 +0000 2026`. */
function xDate(iso: string): string {
  const [weekday, day, month, year, time] = new Date(iso).toUTCString().replace(',', '').split(' ') as [string, string, string, string, string];
  return `${weekday} ${month} ${day} ${time} +0000 ${year}`;
}

/** X Account Activity deliveries (`tweet_create_events`), signed with the consumer secret. */
function xTransport(): Transport {
  return {
    adapter: xAdapter({ userId: BRAND.x.nativeId, consumerSecret: X_CONSUMER_SECRET, bearerToken: 'demo-bearer', userAccessToken: 'demo-user-token' }),
    async request(scene) {
      const mentionsBrand = scene.text.includes('@yildizair');
      const body = JSON.stringify({
        for_user_id: BRAND.x.nativeId,
        tweet_create_events: [
          {
            created_at: xDate(scene.createdAt),
            id_str: scene.nativeId,
            text: scene.text,
            truncated: false,
            in_reply_to_status_id_str: scene.parentId ?? null,
            user: {
              id_str: scene.author.nativeId,
              name: scene.author.displayName ?? scene.author.handle ?? scene.author.nativeId,
              screen_name: scene.author.handle ?? scene.author.nativeId,
              followers_count: scene.author.followerCount ?? 0,
              verified: false,
            },
            entities: {
              hashtags: [...scene.text.matchAll(/#(\w+)/g)].map((match) => ({ text: match[1]!, indices: [match.index!, match.index! + match[0].length] })),
              urls: [],
              user_mentions: mentionsBrand ? [{ screen_name: 'yildizair', id_str: BRAND.x.nativeId, indices: [scene.text.indexOf('@yildizair'), scene.text.indexOf('@yildizair') + 10] }] : [],
            },
            lang: scene.author.locale?.startsWith('tr') ? 'tr' : 'en',
            timestamp_ms: String(Date.parse(scene.createdAt)),
          },
        ],
      });
      const signature = `sha256=${toBase64(await hmac('SHA-256', X_CONSUMER_SECRET, body))}`;
      return new Request('https://crm.example.test/webhooks/x', { method: 'POST', headers: { 'content-type': 'application/json', [X_SIGNATURE_HEADER]: signature }, body });
    },
  };
}

const META_APP = { appSecret: 'demo-meta-app-secret', verifyToken: 'demo-verify-token', accessToken: 'demo-page-token' };
const WHATSAPP_PHONE_NUMBER_ID = '106540352242922';
const WHATSAPP_BUSINESS_ACCOUNT_ID = '102290129340398';

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** A Graph webhook notification, signed as Meta signs it (hex HMAC-SHA256 of the raw body with the app secret). */
async function metaRequest(path: string, notification: unknown): Promise<Request> {
  const body = JSON.stringify(notification);
  const signature = `sha256=${toHex(await hmac('SHA-256', META_APP.appSecret, body))}`;
  return new Request(`https://crm.example.test/webhooks/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body });
}

/** Page `feed` changes: a comment (or a reply to one) on a Page post. */
function facebookTransport(): Transport {
  const pageId = BRAND.facebook.nativeId;
  return {
    adapter: facebookAdapter({ ...META_APP, pageId }),
    request: (scene) =>
      metaRequest('facebook', {
        object: 'page',
        entry: [
          {
            id: pageId,
            time: seconds(scene.createdAt),
            changes: [
              {
                field: 'feed',
                value: {
                  from: { id: scene.author.nativeId, name: scene.author.displayName ?? scene.author.nativeId },
                  item: 'comment',
                  verb: 'add',
                  comment_id: scene.nativeId,
                  post_id: scene.conversationId ?? scene.nativeId,
                  parent_id: scene.parentId ?? scene.conversationId ?? scene.nativeId,
                  message: scene.text,
                  created_time: seconds(scene.createdAt),
                },
              },
            ],
          },
        ],
      }),
  };
}

/** Instagram `comments` changes on the brand's media. */
function instagramTransport(): Transport {
  const accountId = BRAND.instagram.nativeId;
  return {
    adapter: instagramAdapter({ ...META_APP, accountId, username: BRAND.instagram.handle, fetchMentions: false }),
    request: (scene) =>
      metaRequest('instagram', {
        object: 'instagram',
        entry: [
          {
            id: accountId,
            time: seconds(scene.createdAt),
            changes: [
              {
                field: 'comments',
                value: {
                  id: scene.nativeId,
                  from: { id: scene.author.nativeId, username: scene.author.handle ?? scene.author.nativeId },
                  text: scene.text,
                  media: { id: scene.conversationId ?? scene.nativeId, media_product_type: 'FEED' },
                  ...(scene.parentId ? { parent_id: scene.parentId } : {}),
                },
              },
            ],
          },
        ],
      }),
  };
}

/** Messenger `messaging` events sent to the Page. */
function messengerTransport(): Transport {
  const pageId = BRAND.facebook.nativeId;
  return {
    adapter: messengerAdapter({ ...META_APP, pageId }),
    request: (scene) =>
      metaRequest('messenger', {
        object: 'page',
        entry: [
          {
            id: pageId,
            time: Date.parse(scene.createdAt),
            messaging: [
              {
                sender: { id: scene.author.nativeId },
                recipient: { id: pageId },
                timestamp: Date.parse(scene.createdAt),
                message: { mid: scene.nativeId, text: scene.text },
              },
            ],
          },
        ],
      }),
  };
}

/** WhatsApp Cloud API `messages` changes: the sender's profile in `contacts`, a text message. */
function whatsappTransport(): Transport {
  return {
    adapter: whatsappAdapter({ ...META_APP, phoneNumberId: WHATSAPP_PHONE_NUMBER_ID, businessAccountId: WHATSAPP_BUSINESS_ACCOUNT_ID }),
    request: (scene) =>
      metaRequest('whatsapp', {
        object: 'whatsapp_business_account',
        entry: [
          {
            id: WHATSAPP_BUSINESS_ACCOUNT_ID,
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '908502223344', phone_number_id: WHATSAPP_PHONE_NUMBER_ID },
                  contacts: [{ profile: { name: scene.author.displayName ?? scene.author.nativeId }, wa_id: scene.author.nativeId }],
                  messages: [{ from: scene.author.nativeId, id: scene.nativeId, timestamp: String(seconds(scene.createdAt)), type: 'text', text: { body: scene.text } }],
                },
              },
            ],
          },
        ],
      }),
  };
}

const NATIVE: Record<string, () => Transport> = {
  x: xTransport,
  facebook: facebookTransport,
  instagram: instagramTransport,
  messenger: messengerTransport,
  whatsapp: whatsappTransport,
};

/** One transport per network in the stream: the network's own adapter where one ships, else the canonical replay. */
export function demoTransports(networks: string[]): Map<string, Transport> {
  return new Map(networks.map((network) => [network, NATIVE[network]?.() ?? canonicalTransport(network)]));
}
